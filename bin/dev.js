#!/usr/bin/env node
// Development launcher: runs the compiled commands without the manifest (run `npm run build` first).
// CommonJS, as every file in bin/ (bin/package.json); oclif finds upsc's package.json from the root.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

require('@oclif/core').execute({development: true, dir: require('node:path').join(__dirname, '..')})
