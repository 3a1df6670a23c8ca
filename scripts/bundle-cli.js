// Build step: the whole CLI in one CommonJS file, dist/upsc.cjs: oclif's core, every command (oclif's
// explicit command strategy: the COMMANDS export, see package.json), the command_not_found hook, and
// the AWS SDK clients (evaluated only when a command first asks for one). Running a command is then one
// file read instead of a few hundred module resolutions. bin/run.js loads it with V8's code cache
// (bin/load-bundle.cjs); scripts/compile-cache.js writes that cache. See docs/BENCHMARKS-NOTES.md.
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
const commandGetters = `{${commands.map((file) => `get ${JSON.stringify(idOf(file))}() { return require('./${relative(root, file).split(sep).join('/')}').default }`).join(', ')}}`

// V8's code cache loses a script's import() callback (bin/load-bundle.cjs compiles the bundle with
// node:vm), so every import() in a bundle calls the loader's own import() instead: the SDK's lazy
// node:http and oclif's loading of ESM plugins (plugin-help, plugin-autocomplete) keep working.
//
// Node's crypto, zlib, child_process, readline and fs/promises are required when first used (a
// property read: each is bound by name, never copied whole), not as the bundle loads: bootstrap
// systemd, validate or history never use them, and crypto or fs/promises alone costs 1.5-2 ms.
const LATER_NODE = /(?<![\w$.])require\("(node:(?:crypto|zlib|child_process|readline|fs\/promises))"\)/g
// __upscLater(load): a module object that calls load() at its first use (also for the `later` plugin below).
const laterNode = `const __upscLater = (load) => { let real; const get = () => (real ??= load()); return new Proxy({}, {get: (_, key) => get()[key], has: (_, key) => key in get(), ownKeys: () => Reflect.ownKeys(get()), getOwnPropertyDescriptor: (_, key) => ({...Reflect.getOwnPropertyDescriptor(get(), key), configurable: true})}) };`
const rewriteImports = (file) => {
  const text = readFileSync(file, 'utf8')
    .replaceAll(/(?<![\w$.'"`])import\(/g, '__upscImport(')
    .replaceAll(LATER_NODE, '__upscLater(() => require("$1"))')
  writeFileSync(
    file,
    text.replace(/^("use strict";)?/, (strict) => `${strict}${laterNode}`),
  )
}
// Each command's module (and what it imports) is evaluated only when oclif asks for that command: a
// getter with require(), which esbuild turns into a lazy initialiser. With the manifest, oclif reads
// only the command it runs (Plugin.findCommand); `oclif manifest` reads them all.
const entry = [
  "export {execute, run} from '@oclif/core'",
  `export const COMMANDS = ${commandGetters}`,
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

// oclif modules that the direct path reaches only on some paths, loaded when first used instead of
// with the bundle: its help (rendered only for errors that oclif's handle prints), its debug log,
// and its colour detection (supports-color and node:tty, used only when something is coloured).
// `real` is the expression that loads the module at run time.
const OCLIF = "require('node:path').dirname(require.resolve('@oclif/core/package.json'))"
const LATER = [
  {
    from: /[/\\]@oclif[/\\]core[/\\]lib[/\\](flags|errors[/\\]handle)\.js$/,
    path: /^(\.\/help|\.\.\/help\/index)$/,
    real: `require(${OCLIF} + '/lib/help/index.js')`,
  },
  {
    from: /[/\\]@oclif[/\\]core[/\\]lib[/\\]logger\.js$/,
    path: /^debug$/,
    real: `require('node:module').createRequire(${OCLIF} + '/')('debug')`,
    callable: true,
  },
  {from: /[/\\]@oclif[/\\]core[/\\]lib[/\\]ux[/\\]theme\.js$/, path: /^\.\/supports-color$/, real: `require(${OCLIF} + '/lib/ux/supports-color.js')`},
]

/** The plugin that puts each rule's module behind a proxy that loads it on first use. */
const later = (rules) => ({
  name: 'later',
  setup(b) {
    b.onResolve({filter: /^(\.\/help|\.\.\/help\/index|debug|\.\/supports-color)$/}, (args) => {
      const rule = rules.find((r) => r.from.test(args.importer) && r.path.test(args.path))
      return rule ? {path: args.path, namespace: 'later', pluginData: rule} : undefined
    })
    b.onLoad({filter: /.*/, namespace: 'later'}, ({pluginData: rule}) => ({
      // A function (debug is called, through __importDefault) has non-configurable keys of its own
      // and must not claim to be an ES module: its own proxy. Any other is an __upscLater object.
      contents: rule.callable
        ? `let real
const load = () => (real ??= ${rule.real})
module.exports = new Proxy(function () {}, {
  get: (_, key) => (key === '__esModule' ? undefined : load()[key]),
  has: (_, key) => key in load(),
  apply: (_, self, argv) => load().apply(self, argv),
})`
        : `module.exports = __upscLater(() => ${rule.real})`,
      loader: 'js',
      resolveDir: root,
    }))
  },
})

const shared = {
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
  logLevel: 'warning',
  metafile: true,
}

const result = await build({
  ...shared,
  stdin: {contents: entry, resolveDir: root, sourcefile: 'upsc-entry.ts', loader: 'ts'},
  outfile: OUT,
  plugins: [importMetaUrl, sdkChunks],
})
rewriteImports(OUT)
if (process.env.UPSC_BUNDLE_META) (await import('node:fs')).writeFileSync(process.env.UPSC_BUNDLE_META, JSON.stringify(result.metafile))

// The direct bundle, dist/upsc-direct.cjs: the same commands built against src/cli/direct/core.ts
// instead of `@oclif/core` (oclif's flags, args, parser and errors, without its Config), and the
// runner that bin/run.js tries first (src/cli/direct/run.ts). It finds a command's words among every
// command id oclif knows, the plugins' too, so it is given them all here.
const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const pluginIds = pjson.oclif.plugins.flatMap((plugin) =>
  Object.keys(JSON.parse(readFileSync(join(root, 'node_modules', plugin, 'oclif.manifest.json'), 'utf8')).commands),
)
const table = {
  allIds: [...commands.map(idOf), ...pluginIds],
  bin: pjson.oclif.bin,
  name: pjson.name,
  version: pjson.version,
  helpFlags: ['--help', ...(pjson.oclif.additionalHelpFlags ?? [])],
}
const directEntry = [
  "import {directCommand, runDirect} from './src/cli/direct/run.ts'",
  `export const COMMANDS = ${commandGetters}`,
  `export const TABLE = {...${JSON.stringify(table)}, commands: COMMANDS}`,
  'export const run = (argv) => runDirect(argv, TABLE)',
  // for test/cli/direct.test.ts: which argv the runner takes, and as which command
  'export const commandFor = (argv) => directCommand(argv, TABLE)',
].join('\n')

// `@oclif/core` itself is the direct core; its parts (`@oclif/core/flags`, ...) stay oclif's own.
const directCore = {
  name: 'direct-core',
  setup(b) {
    b.onResolve({filter: /^@oclif\/core$/}, () => ({path: join(root, 'src', 'cli', 'direct', 'core.ts')}))
  },
}

const DIRECT = join(root, 'dist', 'upsc-direct.cjs')
const direct = await build({
  ...shared,
  stdin: {contents: directEntry, resolveDir: root, sourcefile: 'upsc-direct-entry.ts', loader: 'ts'},
  outfile: DIRECT,
  plugins: [directCore, later(LATER), importMetaUrl, sdkChunks],
  external: [...shared.external, '@oclif/core/package.json'],
})
rewriteImports(DIRECT)
if (process.env.UPSC_DIRECT_META) (await import('node:fs')).writeFileSync(process.env.UPSC_DIRECT_META, JSON.stringify(direct.metafile))
if (result.warnings.length + direct.warnings.length > 0) process.exitCode = 1
