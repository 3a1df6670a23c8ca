// Build step: render, with oclif itself, the help that bin/run.js's fast path prints without loading
// oclif: the root help into dist/help.txt, and each command's and topic's `--help` into
// dist/help/<id>.txt (`lock:status.txt`). Rendered as oclif renders them when output is not a
// terminal (80 columns, no colour), which is the only case the fast path answers; a test compares the
// fast path with oclif for every command (test/cli/help-fast-path.test.ts).
import {execFileSync} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {fileURLToPath, pathToFileURL} from 'node:url'

/** Every command id and topic of the manifest, root first ('' is the root). */
export function helpIds(manifest) {
  const ids = Object.entries(manifest.commands)
    .filter(([, c]) => !c.hidden)
    .map(([id]) => id)
  const topics = new Set(
    ids.flatMap((id) =>
      id
        .split(':')
        .slice(0, -1)
        .map((_, i, parts) => parts.slice(0, i + 1).join(':')),
    ),
  )
  return ['', ...[...topics, ...ids].sort()]
}

const main = import.meta.url === pathToFileURL(process.argv[1] ?? '').href
if (main && process.argv[2] === '--child') {
  // One process renders them all, each through oclif's own run(), which handles --help as the CLI does.
  const {loadBundle} = await import('../bin/load-bundle.cjs')
  const {run} = loadBundle()
  const out = {}
  const write = process.stdout.write.bind(process.stdout)
  for (const id of JSON.parse(process.argv[3])) {
    let text = ''
    process.stdout.write = (chunk) => ((text += chunk), true)
    try {
      // oclif finds upsc's package.json from the package's root (bin/ has a package.json of its own).
      await run([...(id ? id.split(':') : []), '--help'], fileURLToPath(new URL('..', import.meta.url)))
    } finally {
      process.stdout.write = write
    }
    out[id] = text
  }
  write(JSON.stringify(out))
} else if (main) {
  const ids = helpIds(JSON.parse(readFileSync('oclif.manifest.json', 'utf8')))
  const rendered = JSON.parse(
    execFileSync(process.execPath, ['scripts/render-help.js', '--child', JSON.stringify(ids)], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {...process.env, UPSC_NO_FAST_PATH: '1', OCLIF_COLUMNS: '80', NO_COLOR: '1', FORCE_COLOR: '0'},
    }),
  )
  writeFileSync('dist/help.txt', rendered[''])
  mkdirSync('dist/help', {recursive: true})
  for (const id of ids.filter(Boolean)) writeFileSync(`dist/help/${id}.txt`, rendered[id])
}
