import {execFileSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {buildPayload, decodePayload, MAX_PAYLOAD_BYTES, payloadBytes, type ScriptName} from '../../src/lib/remote/payload.js'

const fakeScripts = (entry: string) => (name: string) => (name === 'lib' ? 'say() { printf "%s\\n" "$1"; }' : entry)

function runPayload(commands: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'upsc-payload-'))
  const file = join(dir, 'script.sh')
  // The SSM agent joins the commands with newlines into one script.
  writeFileSync(file, commands.join('\n'))
  return execFileSync('bash', [file], {encoding: 'utf8', cwd: dir})
}

describe('buildPayload', () => {
  it('exports settings, then runs lib.sh and the entry script decoded on the host', () => {
    const commands = buildPayload('probe', {UPSC_BRANCH: "it's $(id)", UPSC_COUNT: 3, UPSC_FLAG: true, UPSC_SKIP: undefined}, fakeScripts('say "$UPSC_BRANCH|$UPSC_COUNT|$UPSC_FLAG|${UPSC_SKIP-unset}"'))
    const program = decodePayload(commands)
    expect(program).toContain("export UPSC_BRANCH='it'\\''s $(id)'")
    expect(program).not.toContain('export UPSC_SKIP')
    expect(runPayload(commands)).toBe("it's $(id)|3|1|unset\n")
  })

  it('passes the script exit code through', () => {
    const commands = buildPayload('deploy', {}, fakeScripts('exit 5'))
    expect(() => runPayload(commands)).toThrow(expect.objectContaining({status: 5}))
  })

  it('keeps every real script payload under the size limit', () => {
    // Measures the largest payload the CLI sends, with real scripts and generous settings.
    // A generous real-world stage: 5 health checks, a token parameter, a build command, an SSO role as caller.
    const settings: Record<string, string | number> = {
      UPSC_STAGE: 'stage2',
      UPSC_BRANCH: 'feature/some-long-branch-name-for-a-ticket-1234',
      UPSC_CALLER: 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_PlatformEngineerAccess_0123456789abcdef/jane.doe@example.com',
      UPSC_TOKEN_PARAMETER: '/upscpro/stage2/github-token',
      UPSC_BUILD_COUNT: 2,
      UPSC_BUILD_1: './docker-build.sh',
      UPSC_BUILD_2: '--pull',
      UPSC_HC_COUNT: 5,
    }
    for (let i = 1; i <= 5; i++) Object.assign(settings, {[`UPSC_HC_${i}_NAME`]: `service-${i}`, [`UPSC_HC_${i}_URL`]: `http://localhost:80${i}0/api/v1/health/ready`, [`UPSC_HC_${i}_EXPECT`]: 200})
    const sizes: Record<string, number> = {}
    for (const name of ['probe', 'deploy', 'rollback', 'history', 'lock', 'exec', 'app'] as ScriptName[]) {
      sizes[name] = payloadBytes(buildPayload(name, settings))
    }
    for (const [name, size] of Object.entries(sizes)) expect(size, name).toBeLessThan(MAX_PAYLOAD_BYTES)
  })

  it('refuses a payload over the limit with a clear error', () => {
    // Random text does not compress: it stays over the limit once encoded.
    const huge = Array.from({length: MAX_PAYLOAD_BYTES}, () => String.fromCharCode(33 + Math.floor(Math.random() * 90))).join('')
    expect(() => buildPayload('probe', {UPSC_X: huge}, fakeScripts('true'))).toThrow(/over the 16384-byte limit/)
  })
})
