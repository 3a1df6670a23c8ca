#!/usr/bin/env node
// Development launcher: runs the compiled commands without the manifest (run `npm run build` first).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

import {execute} from '@oclif/core'

await execute({development: true, dir: import.meta.url})
