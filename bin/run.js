#!/usr/bin/env node
// The AWS SDK warns on Node 20 through its own documented switch; turn that one warning off here,
// before any SDK module loads, and leave every other warning alone.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

// Fast paths for the two things people type most, which need no oclif at all (loading oclif costs
// more than Node's own start-up): the version line, and the root help that the build rendered
// with oclif at 80 columns (what oclif prints when not on a terminal) into dist/help.txt.
import {readFileSync} from 'node:fs'

const args = process.argv.slice(2)
const only = args.length === 1 ? args[0] : args.length === 0 ? '--help' : undefined
if (only && !process.env.UPSC_NO_FAST_PATH) {
  if (only === '--version' || only === '-v') {
    const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    process.stdout.write(`upsc/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
    process.exit(0)
  }
  if ((only === '--help' || only === '-h' || only === 'help') && !process.env.OCLIF_COLUMNS) {
    try {
      process.stdout.write(readFileSync(new URL('../dist/help.txt', import.meta.url), 'utf8'))
      process.exit(0)
    } catch {
      // not built with the help file: let oclif render it
    }
  }
}

const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
