#!/usr/bin/env node
// The AWS SDK warns on Node 20 through its own documented switch; turn that one warning off here,
// before any SDK module loads, and leave every other warning alone.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

// Fast paths that need no oclif at all (loading oclif costs more than Node's own start-up): the
// version line, and help that the build rendered with oclif (scripts/render-help.js): the root help
// in dist/help.txt, each command's and topic's `--help` in dist/help/<id>.txt. oclif renders help at
// 80 columns and without colour when standard output is not a terminal and nothing forces colour or a
// width: only then is the file what oclif would print, so only then is it used.
//
// CommonJS (bin/package.json): an ES module entry costs Node about 5 ms more to start, and importing
// node:fs as an ES module builds its whole ES facade, which loads Node's streams (about 2 ms).
const {readFileSync} = require('node:fs')
const {join} = require('node:path')

const args = process.argv.slice(2)
if (!process.env.UPSC_NO_FAST_PATH) {
  const only = args.length === 1 ? args[0] : args.length === 0 ? '--help' : undefined
  if (only === '--version' || only === '-v') {
    const {version} = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'))
    process.stdout.write(`upsc/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
    process.exit(0)
  }
  const help = only === 'help' || only === '--help' || args.at(-1) === '--help' || args.at(-1) === '-h'
  const plain = !process.stdout.isTTY && !process.env.OCLIF_COLUMNS && process.env.FORCE_COLOR === undefined
  const words = only ? [] : args.slice(0, -1)
  if (help && plain && words.every((w) => /^[a-z][a-z-]*$/.test(w))) {
    try {
      const file = words.length === 0 ? 'help.txt' : `help/${words.join(':')}.txt`
      process.stdout.write(readFileSync(join(__dirname, '..', 'dist', file), 'utf8'))
      process.exit(0)
    } catch {
      // not a command or topic, or not built with the help files: let oclif answer
    }
  }
}

// A plain run of one of upsc's commands goes through the direct runner (src/cli/direct/), which runs
// it as oclif does without loading oclif's Config; everything else (help, topics, plugins, unknown
// commands) runs oclif from the one-file bundle (scripts/bundle-cli.js). Both are compiled from V8's
// code cache (bin/load-bundle.cjs).
// oclif finds upsc's package.json from `dir`: the package's root, above this folder's own package.json.
const {BUNDLE, DIRECT, loadBundle} = require('./load-bundle.cjs')
const viaOclif = () => loadBundle(BUNDLE).execute({dir: join(__dirname, '..')})
if (process.env.UPSC_NO_FAST_PATH) viaOclif()
else
  loadBundle(DIRECT)
    .run(args)
    .then((done) => done || viaOclif())
