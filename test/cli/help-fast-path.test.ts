// bin/run.js prints `--version`, the root help and every command's and topic's `--help` without oclif
// (dist/help.txt, dist/help/<id>.txt). It may never print anything oclif would not: each is compared
// here with what oclif itself prints for the same arguments (UPSC_NO_FAST_PATH=1). Needs `npm run build`.
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {ROOT as root, runCli} from '../fixtures/run-cli.js'

// @ts-expect-error: a plain ESM build script, no types
import {helpIds} from '../../scripts/render-help.js'

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, {env})

/** Run `work` over `items`, `size` at a time. */
async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work))
}

const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {hidden?: boolean}>}
const ids = helpIds(manifest) as string[]

describe('help fast path', () => {
  it('has a rendered help file for the root, every command and every topic', () => {
    expect(ids.length).toBeGreaterThan(Object.keys(manifest.commands).length)
    for (const id of ids) expect(existsSync(join(root, 'dist', id ? `help/${id}.txt` : 'help.txt')), id).toBe(true)
  })

  it('prints, for every command and topic, exactly what oclif prints for --help', async () => {
    await inBatches(ids, 4, async (id) => {
      const args = [...(id ? id.split(':') : []), '--help']
      const [fast, oclif] = await Promise.all([cli(args), cli(args, {UPSC_NO_FAST_PATH: '1'})])
      expect(oclif.code, id).toBe(0)
      expect(oclif.stdout.length, id).toBeGreaterThan(0)
      expect({stdout: fast.stdout, stderr: fast.stderr, code: fast.code}, `upsc ${args.join(' ')}`).toEqual({
        stdout: oclif.stdout,
        stderr: oclif.stderr,
        code: 0,
      })
      // ...and the fast path answered (the file), not oclif.
      expect(fast.stdout).toBe(readFileSync(join(root, 'dist', id ? `help/${id}.txt` : 'help.txt'), 'utf8'))
    })
  }, 240_000)

  it('the short forms (-h, help, no arguments) and --version match oclif too', async () => {
    for (const args of [['-h'], ['help'], [], ['status', '-h'], ['--version'], ['-v']]) {
      const [fast, oclif] = await Promise.all([cli(args), cli(args, {UPSC_NO_FAST_PATH: '1'})])
      expect(fast, `upsc ${args.join(' ')}`).toEqual(oclif)
    }
  }, 120_000)

  it('leaves help to oclif when colour or a width is forced (what a terminal would get)', async () => {
    for (const env of [{FORCE_COLOR: '1'}, {OCLIF_COLUMNS: '120'}]) {
      const [fast, oclif] = await Promise.all([cli(['history', '--help'], env), cli(['history', '--help'], {...env, UPSC_NO_FAST_PATH: '1'})])
      expect(fast.stdout).toBe(oclif.stdout)
      expect(fast.stdout).not.toBe(readFileSync(join(root, 'dist', 'help', 'history.txt'), 'utf8'))
    }
  }, 120_000)
})
