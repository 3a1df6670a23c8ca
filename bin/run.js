#!/usr/bin/env node
// The AWS SDK warns on Node 20 through its own documented switch; turn that one warning off here,
// before any SDK module loads, and leave every other warning alone.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

import {execute} from '@oclif/core'

await execute({dir: import.meta.url})
