// Build step: the whole CLI in one CommonJS file, dist/upsc.cjs: oclif's core, every command (oclif's
// explicit command strategy: the COMMANDS export, see package.json), the command_not_found hook, and
// the AWS SDK clients (evaluated only when a command first asks for one). Running a command is then one
// file read instead of a few hundred module resolutions. bin/run.js loads it with V8's code cache
// (bin/load-bundle.js); scripts/compile-cache.js writes that cache. See docs/BENCHMARKS-NOTES.md.
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {dirname, join, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'

import {build} from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const OUT = join(root, 'dist', 'upsc.cjs')

/** Every command file under src/commands, with oclif's id for it (`lock/status.ts` -> `lock:status`). */
function commandFiles(dir = join(root, 'src', 'commands')) {
  return readdirSync(dir, {withFileTypes: true})
    .flatMap((e) => (e.isDirectory() ? commandFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
    .sort()
}
const idOf = (file) =>
  relative(join(root, 'src', 'commands'), file)
    .replace(/\.ts$/, '')
    .split(sep)
    .join(':')

const commands = commandFiles()
// Each command's module (and what it imports) is evaluated only when oclif asks for that command: a
// getter with require(), which esbuild turns into a lazy initialiser. With the manifest, oclif reads
// only the command it runs (Plugin.findCommand); `oclif manifest` reads them all.
const entry = [
  "export {execute, run} from '@oclif/core'",
  `export const COMMANDS = {${commands.map((file) => `get ${JSON.stringify(idOf(file))}() { return require('./${relative(root, file).split(sep).join('/')}').default }`).join(', ')}}`,
  "export {default as commandNotFound} from './src/hooks/command-not-found.ts'",
].join('\n')

// A source file that reads a file next to itself (`new URL('./scripts/x.sh', import.meta.url)`) keeps
// reading it from where tsc puts that file in dist/, which is where copy-assets.js copies the assets.
const importMetaUrl = {
  name: 'import-meta-url',
  setup(b) {
    b.onLoad({filter: /[/\\]src[/\\].*\.ts$/}, async (args) => {
      const text = await readFile(args.path, 'utf8')
      if (!text.includes('import.meta.url')) return undefined
      const compiled = join('dist', relative(join(root, 'src'), args.path))
        .replace(/\.ts$/, '.js')
        .split(sep)
        .join('/')
      const from = relative(dirname(OUT), join(root, compiled)).split(sep).join('/')
      return {
        contents: text.replaceAll('import.meta.url', `require('node:url').pathToFileURL(require('node:path').join(__dirname, ${JSON.stringify(from)})).href`),
        loader: 'ts',
      }
    })
  },
}

// The AWS SDK stays in its own tree-shaken ES chunks (scripts/bundle-sdk.js, dist/aws/sdk/), imported
// when a command first needs a client: the bundle, and V8's code cache of it, then hold only what every
// command runs.
const sdkChunks = {
  name: 'sdk-chunks',
  setup(b) {
    b.onResolve({filter: /\/sdk\/[\w-]+\.js$/}, (args) => {
      const target = join(args.resolveDir, args.path)
      if (!target.startsWith(join(root, 'src', 'aws', 'sdk') + sep)) return undefined
      return {path: `./aws/sdk/${relative(join(root, 'src', 'aws', 'sdk'), target)}`, external: true}
    })
  },
}

const result = await build({
  stdin: {contents: entry, resolveDir: root, sourcefile: 'upsc-entry.ts', loader: 'ts'},
  outfile: OUT,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  mainFields: ['module', 'main'],
  // Whitespace and syntax only: names stay (errors are told apart by their class names).
  minifyWhitespace: true,
  minifySyntax: true,
  // oclif reads a tsconfig only in development (bin/dev.js), with the TypeScript compiler: not bundled.
  external: ['typescript'],
  plugins: [importMetaUrl, sdkChunks],
  logLevel: 'warning',
  metafile: true,
})
// V8's code cache loses a script's import() callback (bin/load-bundle.js compiles the bundle with
// node:vm), so every import() in the bundle calls the loader's own import() instead: the SDK's lazy
// node:http and oclif's loading of ESM plugins (plugin-help, plugin-autocomplete) keep working.
const text = readFileSync(OUT, 'utf8')
writeFileSync(OUT, text.replaceAll(/(?<![\w$.'"`])import\(/g, '__upscImport('))
if (process.env.UPSC_BUNDLE_META) (await import('node:fs')).writeFileSync(process.env.UPSC_BUNDLE_META, JSON.stringify(result.metafile))
if (result.warnings.length > 0) process.exitCode = 1
