import {execFileSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'

import {describe, expect, it} from 'vitest'

import {compactScript} from '../../src/remote/bundle.js'
import {
  buildPayload,
  cachedScripts,
  decodePayload,
  ENTRY_SCRIPTS,
  HEADROOM_BYTES,
  INLINE_BUDGET_BYTES,
  MAX_PAYLOAD_BYTES,
  needScriptsLine,
  payloadBytes,
  readScript,
  SCRIPT_CHUNK_CHARS,
  scriptBundle,
  sha256,
} from '../../src/remote/payload.js'

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
    const commands = buildPayload(
      'probe',
      {UPSC_BRANCH: "it's $(id)", UPSC_COUNT: 3, UPSC_FLAG: true, UPSC_SKIP: undefined},
      fakeScripts('say "$UPSC_BRANCH|$UPSC_COUNT|$UPSC_FLAG|${UPSC_SKIP-unset}"'),
    )
    const program = decodePayload(commands)
    expect(program).toContain("export UPSC_BRANCH='it'\\''s $(id)'")
    expect(program).not.toContain('export UPSC_SKIP')
    expect(runPayload(commands)).toBe("it's $(id)|3|1|unset\n")
  })

  it('passes the script exit code through', () => {
    const commands = buildPayload('deploy', {}, fakeScripts('exit 5'))
    expect(() => runPayload(commands)).toThrow(expect.objectContaining({status: 5}))
  })

  it('keeps at least 2 KB of headroom under the limit for every entry, inline or through the script cache', () => {
    // The largest settings a real stage sends: 8 health checks, a token parameter, a 4-word build
    // command, long paths, an SSO role as caller, every per-run setting.
    const settings: Record<string, string | number> = {
      UPSC_STAGE: 'stage2-eu-central-1-blue',
      UPSC_APP_DIR: '/opt/upscpro/upscapp-be-production-mirror',
      UPSC_HOME: '/opt/upscpro/.upsc',
      UPSC_COMPOSE_FILE: 'deploy/compose/docker-compose.production.yml',
      UPSC_COMPOSE_PROJECT: 'upscapp-be-production',
      UPSC_UNITS: 'upscpro-deploy.service upscpro-monitor.timer upscpro-backup.timer',
      UPSC_DISK_MIN_FREE_PERCENT: 10,
      UPSC_BRANCH: 'feature/PLAT-12345-some-long-branch-name-for-a-ticket',
      UPSC_REF: '3a4f2c1b9e0d3a4f2c1b9e0d3a4f2c1b9e0d3a4f',
      UPSC_DEPLOY_ID: 'd-20261201T222222-1a2b3c4d',
      UPSC_CALLER: 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_PlatformEngineerAccess_0123456789abcdef/jane.doe@example.com',
      UPSC_TOOL_VERSION: '1.12.3-beta.4',
      UPSC_TOKEN_PARAMETER: '/upscpro/stage2/github-token',
      UPSC_KEEP_IMAGES: 5,
      UPSC_DOCKER_WAIT_SECONDS: 120,
      UPSC_HEALTH_TIMEOUT_SECONDS: 300,
      UPSC_RETRY_TRIES: 3,
      UPSC_RETRY_BASE_SECONDS: 2,
      UPSC_ROLLBACK_TO: 'd-20261130T101010-9f8e7d6c',
      UPSC_HISTORY_LIMIT: 200,
      UPSC_LOCK_ACTION: 'release',
      UPSC_BUILD_COUNT: 4,
      UPSC_BUILD_1: './scripts/docker-build.sh',
      UPSC_BUILD_2: '--pull',
      UPSC_BUILD_3: '--build-arg=APP_ENV=production',
      UPSC_BUILD_4: '--progress=plain',
      UPSC_EXEC_COUNT: 6,
      UPSC_EXEC_1: 'docker',
      UPSC_EXEC_2: 'compose',
      UPSC_EXEC_3: 'logs',
      UPSC_EXEC_4: '--tail',
      UPSC_EXEC_5: '100',
      UPSC_EXEC_6: 'api',
      UPSC_HC_COUNT: 8,
    }
    for (let i = 1; i <= 8; i++)
      Object.assign(settings, {
        [`UPSC_HC_${i}_NAME`]: `service-${i}-readiness`,
        ...(i % 2
          ? {[`UPSC_HC_${i}_URL`]: `http://localhost:80${i}0/api/v1/health/ready?deep=true`}
          : {[`UPSC_HC_${i}_SERVICE`]: `worker-${i}`, [`UPSC_HC_${i}_PORT`]: 8000 + i, [`UPSC_HC_${i}_PATH`]: '/internal/health/live'}),
        [`UPSC_HC_${i}_EXPECT`]: 200,
      })
    const sizes: Record<string, number> = {}
    for (const name of ENTRY_SCRIPTS) {
      const commands = buildPayload(name, settings)
      sizes[name] = payloadBytes(commands)
      for (const [i, install] of (cachedScripts(commands)?.installs ?? []).entries()) sizes[`${name} install ${i + 1}`] = payloadBytes(install)
    }
    expect(Object.keys(sizes).length).toBeGreaterThan(ENTRY_SCRIPTS.length)
    for (const [name, size] of Object.entries(sizes)) expect(size, name).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES - HEADROOM_BYTES)
    expect(HEADROOM_BYTES).toBeGreaterThanOrEqual(2048)
    // status's probe stays one round trip: its scripts travel inline (status does not install them).
    expect(
      cachedScripts(buildPayload('probe', settings)),
      'probe.sh + lib.sh must travel inline: upsc status sends the probe without the script cache',
    ).toBeUndefined()
  })

  it('refuses a payload over the limit with a clear error', () => {
    // Random text does not compress: it stays over the limit once encoded.
    const huge = Array.from({length: MAX_PAYLOAD_BYTES}, () => String.fromCharCode(33 + Math.floor(Math.random() * 90))).join('')
    expect(() => buildPayload('probe', {UPSC_X: huge}, fakeScripts('true'))).toThrow(/over the 16384-byte limit/)
  })
})

describe('the script cache', () => {
  // A library too random to compress: its bundle cannot travel inline.
  const bigLib = `big() { :; }\n${Array.from({length: 300}, (_, i) => `# ${sha256(String(i)).repeat(2)}\nv${i}=${sha256(`v${i}`)}`).join('\n')}`
  const reader =
    (entry: string, lib = bigLib) =>
    (name: string) =>
      name === 'lib' ? lib : name === 'loader' || name === 'install' ? readScript(name) : entry
  const read = reader('printf "%s\\n" "ran $UPSC_BRANCH"')
  const loader = `${compactScript(readScript('loader'))}\n`
  const bundle = scriptBundle('deploy', read)

  it('sends the settings and the loader when settings + scripts are over the inline budget', () => {
    expect(payloadBytes(buildPayload('deploy', {UPSC_BRANCH: 'main'}, fakeScripts('true')))).toBeLessThanOrEqual(INLINE_BUDGET_BYTES)
    const commands = buildPayload('deploy', {UPSC_BRANCH: "it's", UPSC_HOME: '/srv/up sc'}, read)
    expect(decodePayload(commands)).toBe(`export UPSC_BRANCH='it'\\''s'\nexport UPSC_HOME='/srv/up sc'\nexport UPSC_SCRIPTS_SHA='${sha256(bundle)}'\n${loader}`)
    expect(payloadBytes(commands)).toBeLessThan(2048)
  })

  it('tells an inline payload from a cache-loader one', () => {
    const small = reader('true', 'say() { :; }')
    expect(cachedScripts(buildPayload('deploy', {UPSC_BRANCH: 'main'}, small), small)).toBeUndefined()
    expect(cachedScripts(buildPayload('deploy', {UPSC_BRANCH: 'main'}, read), read)?.sha).toBe(sha256(bundle))
  })

  it('installs the compressed bundle in chunks that carry only UPSC_HOME (as quoted) and their part', () => {
    const scripts = cachedScripts(buildPayload('deploy', {UPSC_BRANCH: 'main', UPSC_CALLER: 'x'.repeat(500), UPSC_HOME: "/srv/it's"}, read), read)!
    const compressed = gzipSync(bundle, {level: 9}).toString('base64')
    const count = Math.ceil(compressed.length / SCRIPT_CHUNK_CHARS)
    expect(count).toBeGreaterThan(1)
    expect(scripts.installs).toHaveLength(count)
    const install = `${compactScript(readScript('install'))}\n`
    scripts.installs.forEach((commands, i) => {
      const part = compressed.slice(i * SCRIPT_CHUNK_CHARS, (i + 1) * SCRIPT_CHUNK_CHARS)
      expect(decodePayload(commands)).toBe(
        `export UPSC_HOME='/srv/it'\\''s'\nexport UPSC_SCRIPTS_SHA='${scripts.sha}'\nexport UPSC_CHUNK_SET='${sha256(compressed).slice(0, 16)}'\nexport UPSC_CHUNK_INDEX='${i + 1}'\nexport UPSC_CHUNK_COUNT='${count}'\nexport UPSC_CHUNK='${part}'\n${install}`,
      )
    })
  })

  it('names the missing bundle in one machine line', () => {
    expect(needScriptsLine('ab'.repeat(32))).toBe(`::upsc need-scripts ${'ab'.repeat(32)}`)
  })
})
