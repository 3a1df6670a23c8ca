// exec.sh run for real by bash, exactly as the CLI sends it (settings + gzip/base64 bundle), in a
// temp folder standing for the host (UPSC_ROOT). (shellcheck.test.js checks every script, this one too.)
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {execSettings} from '../../../src/ops/exec.js'
import {buildPayload} from '../../../src/remote/payload.js'

const root = mkdtempSync(join(tmpdir(), 'upsc-exec-'))
const appDir = '/opt/upscpro/upscapp-be'
mkdirSync(join(root, appDir), {recursive: true})
writeFileSync(join(root, appDir, 'a.txt'), 'A')
writeFileSync(join(root, appDir, 'b.txt'), 'B')
const canary = join(root, 'CANARY')

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Run the payload as the agent does: the commands joined into one file, run by bash; stdin left open. */
function runExec(argv: string[], options: {merge?: boolean; appDir?: string; settings?: Record<string, string>} = {}): Promise<Run> {
  const settings = {...execSettings({appDir: options.appDir ?? appDir}, argv, options.merge ?? false), ...options.settings}
  const file = join(mkdtempSync(join(root, 'cmd-')), '_script.sh')
  writeFileSync(file, buildPayload('exec', settings).join('\n'))
  return new Promise((resolve) => {
    const child = spawn('bash', [file], {cwd: root, env: {PATH: process.env.PATH, UPSC_ROOT: root, TMPDIR: root}, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => resolve({code, stdout, stderr}))
  })
}

const tail = (code: number) => `\n::upsc result {"exitCode":${code}}\n`

describe('exec.sh', () => {
  it('passes hostile words to the command verbatim and runs none of them', async () => {
    const words = [
      "it's",
      '"double"',
      `$(touch ${canary})`,
      `\`touch ${canary}\``,
      `; touch ${canary}`,
      `&& touch ${canary} ||`,
      `| touch ${canary}`,
      '$HOME ${PATH} $0 $1 $@',
      'line one\nline two\n',
      '*',
      '*.txt',
      '~',
      '-n',
      '--json',
      '--',
      '',
      ' leading and trailing spaces ',
      'tab\there',
      'back\\slash',
      "'\\''",
      'ünïcödé ✓',
      '%s %d %%',
    ]
    const {code, stdout, stderr} = await runExec(['printf', '<%s>\\n', ...words])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toBe(words.map((w) => `<${w}>\n`).join('') + tail(0))
    expect(existsSync(canary)).toBe(false)
  })

  it('runs in the app dir and passes the exit code through', async () => {
    const {code, stdout} = await runExec(['bash', '-c', 'cat a.txt b.txt; exit 42'])
    expect(code).toBe(42)
    expect(stdout).toBe(`AB${tail(42)}`)
  })

  it('never runs a word as a shell function or option: a leading dash or a lib.sh name is a command name', async () => {
    const dash = await runExec(['-x', 'y'])
    expect(dash.code).toBe(127)
    expect(dash.stderr).toMatch(/-x: command not found/)
    const fn = await runExec(['upsc_path', '/etc'])
    expect(fn.code).toBe(127)
    expect(fn.stderr).toMatch(/upsc_path: command not found/)
    expect(fn.stdout).toBe(tail(127))
  })

  it('gives the command /dev/null as stdin, so that it cannot wait for input', async () => {
    const {code, stdout} = await runExec(['cat'])
    expect(code).toBe(0)
    expect(stdout).toBe(tail(0))
  })

  it('keeps stderr apart, or merges it into stdout in order with UPSC_EXEC_MERGE=1', async () => {
    const argv = ['bash', '-c', 'echo out1; echo err >&2; echo out2']
    expect(await runExec(argv)).toEqual({code: 0, stdout: `out1\nout2\n${tail(0)}`, stderr: 'err\n'})
    expect(await runExec(argv, {merge: true})).toEqual({code: 0, stdout: `out1\nerr\nout2\n${tail(0)}`, stderr: ''})
  })

  it('does not pass its own UPSC_EXEC_* settings on to the command', async () => {
    const {stdout} = await runExec(['env'])
    expect(stdout).not.toContain('UPSC_EXEC_')
    expect(stdout).toContain(`UPSC_APP_DIR=${appDir}`)
  })

  it('fails with exit 1 and says so when the app dir is missing', async () => {
    const {code, stdout, stderr} = await runExec(['true'], {appDir: '/nowhere'})
    expect(code).toBe(1)
    expect(stderr).toBe(`upsc: cannot enter the app dir ${root}/nowhere on this host\n`)
    expect(stdout).toBe(tail(1))
  })

  it('refuses a missing or bad word count with exit 2 and runs nothing', async () => {
    const bad = await runExec([`touch`, canary], {settings: {UPSC_EXEC_COUNT: '2; touch x'}})
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe('upsc: UPSC_EXEC_COUNT must be a number from 1; got "2; touch x"\n')
    const missing = await runExec([`touch`, canary], {settings: {UPSC_EXEC_COUNT: '3'}})
    expect(missing.code).toBe(2)
    expect(missing.stderr).toBe('upsc: UPSC_EXEC_3 is not set\n')
    expect(existsSync(canary)).toBe(false)
  })
})
