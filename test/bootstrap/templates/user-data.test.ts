/**
 * The generated user-data, rendered as Terraform renders it, run for real by bash on sandbox hosts
 * that stand for fresh instances (test/fixtures/bootstrap/host.ts): fake package manager, the rig's
 * fake systemctl and docker, a fake CloudWatch agent, and the real AWS CLI against moto for the SSM
 * document of the host scripts and Parameter Store.
 */
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, afterEach, beforeAll, describe, expect, it, vi} from 'vitest'

import {
  BOOTSTRAP_BIN,
  bootstrapEnv,
  type Host,
  freshSandboxHost,
  putAwsResources,
  readHostFile,
  REGION,
  renderedUserData,
  runUserData,
  testStage,
} from '../../fixtures/bootstrap/host.js'
// @ts-expect-error plain JS rig
import {startMoto} from '../../../tools/stand-in/moto.js'
// @ts-expect-error plain JS rig
import {freePort} from '../../../tools/stand-in/util.js'

type SandboxHost = Host & {
  cleanup(): void
  units(): Record<string, {active: boolean; enabled: boolean}>
  buildCount(): number
  headCommit(): string
  commitOf(branch: string): string
  originLog(): {op: string; result: string; tokenSent: boolean}[]
  servicePort(service: string): number | undefined
  killService(service: string): Promise<void>
  setServiceHealth(service: string, status: number): void
  containers(): {service: string; state: string}[]
  dockerDaemon(): {running: boolean}
  passTime(ms: number): Promise<void>
  setDockerState(state: {running?: boolean; readyDelayMs?: number}): Promise<void>
}

const TOKEN = 'ghp_bootstrapTestToken0123456789abcdefABCD'
const HAS_NGINX = spawnSync('bash', ['-c', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v nginx']).status === 0

let moto: {url: string; stop(): Promise<void>; reset(): Promise<void>}
let awsEnv: Record<string, string>
let scratch: string
const hosts: SandboxHost[] = []

beforeAll(async () => {
  moto = await startMoto()
  scratch = mkdtempSync(join(tmpdir(), 'upsc-bootstrap-'))
  writeFileSync(join(scratch, 'aws-config'), '')
  awsEnv = {
    AWS_ENDPOINT_URL: moto.url,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(scratch, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'aws-config'),
  }
})
afterAll(async () => {
  await moto?.stop()
  rmSync(scratch, {recursive: true, force: true})
})
afterEach(async () => {
  for (const host of hosts.splice(0)) host.cleanup()
  await moto.reset()
})

/** A fresh instance (Docker not installed: its daemon starts when the user-data enables it). */
function freshHost(options: Record<string, unknown> = {}): SandboxHost {
  const host = freshSandboxHost<SandboxHost>(options)
  hosts.push(host)
  return host
}

const read = readHostFile
const bootstrapJson = (host: Host) => JSON.parse(read(host, '/opt/upscpro/.upsc/bootstrap.json'))
/** The last line of the user-data log, without its timestamp. */
const lastLogLine = (host: Host) => read(host, '/var/log/user-data.log').trimEnd().split('\n').at(-1)!.replace(/^\S+ /, '')

describe('the bootstrap user-data on a fresh host', () => {
  it('installs everything, deploys the default branch and ends healthy, logging each line with a timestamp', async () => {
    const stage = testStage()
    const host = freshHost()
    putAwsResources(awsEnv, stage, {}, scratch)
    const {code, stdout} = await runUserData(host, renderedUserData(stage), bootstrapEnv(host, awsEnv))
    expect(code, stdout).toBe(0)
    expect(lastLogLine(host)).toMatch(/^upsc bootstrap succeeded in \d+s: main @ [0-9a-f]{12} is deployed and healthy$/)
    const log = read(host, '/var/log/user-data.log')
    for (const line of log.trimEnd().split('\n')) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /)
    for (const step of ['install', 'packages', 'cloudwatch', 'docker', 'checkout', 'units', 'deploy'])
      expect(log).toMatch(new RegExp(`::upsc step ${step} ok `))

    // The app: deployed by deploy.sh, healthy, in the state `upsc deploy` leaves.
    expect(host.headCommit()).toBe(host.commitOf('main'))
    const port = host.servicePort('api')
    const health = await fetch(`http://127.0.0.1:${port}/health`)
    expect(health.status).toBe(200)
    const history = read(host, '/opt/upscpro/.upsc/deployments.jsonl')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(history).toHaveLength(1)
    expect(history[0]).toMatchObject({kind: 'deploy', branch: 'main', outcome: 'succeeded', caller: 'upsc-bootstrap', commit: host.commitOf('main')})
    expect(history[0].id).toMatch(/^bootstrap-\d{8}T\d{6}Z$/)

    const result = bootstrapJson(host)
    expect(result).toMatchObject({
      schema: 1,
      outcome: 'succeeded',
      stage: 'stage2',
      branch: 'main',
      commit: host.commitOf('main'),
      deployId: history[0].id,
      failedStep: null,
      reason: null,
      warnings: [],
      exitCode: 0,
      log: '/var/log/user-data.log',
      toolVersion: expect.any(String),
    })
    expect(result.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)

    // What was installed, and verified.
    const packages = read(host, '/.sandbox/packages/log')
    expect(packages).toContain('dnf install -y -q docker git')
    expect(packages).toMatch(/curl https:\/\/github.com\/docker\/compose\/releases\/download\/v2\.29\.7\/docker-compose-linux-\w+$/m)
    for (const f of ['lib.sh', 'deploy.sh', 'boot.sh', 'monitor.sh', 'upsc-run', 'bootstrap.sh'])
      expect(existsSync(join(host.upscHome, 'bin', f)), f).toBe(true)
    expect(read(host, '/opt/upscpro/.upsc/settings.env')).toContain(`export UPSC_REGION=${REGION} UPSC_BRANCH=main`)
    // The units: installed, enabled, the timer started.
    const units = host.units()
    expect(units['upscpro-deploy.service']).toMatchObject({enabled: true})
    expect(units['upscpro-monitor.timer']).toMatchObject({enabled: true, active: true})
    expect(units['docker.service']).toMatchObject({enabled: true})
    // The CloudWatch agent: configured with the stage's config and running.
    expect(JSON.parse(read(host, '/.sandbox/cwagent/config.json')).logs.logs_collected.files.collect_list[0]).toMatchObject({
      file_path: '/var/log/user-data.log',
      log_group_name: '/aws/ec2/upscpro-stage2-docker',
    })
    expect(read(host, '/.sandbox/cwagent/status').trim()).toBe('running')
    // The deploy's own log, timestamped, for the agent.
    expect(read(host, '/var/log/upscpro/deploy.log')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ::upsc step lock start$/m)
  }, 120_000)

  it('waits for a Docker daemon slow to start', async () => {
    const stage = testStage()
    // The daemon answers only once the bootstrap is waiting for it and the test lets the fake
    // engine's clock pass its readiness delay: no race with how fast the steps before it run.
    const host = freshHost({dockerReadyDelayMs: 10 * 60_000})
    putAwsResources(awsEnv, stage, {}, scratch)
    const running = runUserData(host, renderedUserData(stage), bootstrapEnv(host, awsEnv))
    const waiting = () =>
      existsSync(join(host.root, '/var/log/user-data.log')) && read(host, '/var/log/user-data.log').includes('Waiting for the Docker daemon')
    await vi.waitUntil(() => waiting() && host.dockerDaemon().running, {timeout: 60_000, interval: 100})
    await host.passTime(10 * 60_000)
    const {code} = await running
    expect(code).toBe(0)
    const log = read(host, '/var/log/user-data.log')
    expect(log).toMatch(/Waiting for the Docker daemon \(service active\)[\s\S]*::upsc step docker ok \d+\.\ds server 27\.3\.1/)
    expect(bootstrapJson(host).outcome).toBe('succeeded')
  }, 120_000)

  it('fails at the docker step when the daemon never answers within the bound, and says so last', async () => {
    const stage = testStage({timeouts: {dockerReadySeconds: 2}})
    const host = freshHost({dockerReadyDelayMs: 60_000})
    putAwsResources(awsEnv, stage, {}, scratch)
    const {code} = await runUserData(host, renderedUserData(stage), bootstrapEnv(host, awsEnv))
    expect(code).toBe(1)
    expect(lastLogLine(host)).toMatch(
      /^upsc bootstrap FAILED at step docker \(exit 1\) after \d+s: Docker did not become ready within 2s: Cannot connect to the Docker daemon.*\. Next: see systemctl status docker and journalctl -u docker\.$/,
    )
    expect(bootstrapJson(host)).toMatchObject({
      outcome: 'failed',
      failedStep: 'docker',
      reason: expect.stringMatching(/^Docker did not become ready within 2s/),
      exitCode: 1,
    })
    expect(host.buildCount()).toBe(0)
  }, 120_000)

  it('retries a flaky origin with backoff, then deploys', async () => {
    const stage = testStage({retry: {tries: 3, baseSeconds: 1}})
    const host = freshHost({failFetches: 2})
    putAwsResources(awsEnv, stage, {}, scratch)
    const {code} = await runUserData(host, renderedUserData(stage), bootstrapEnv(host, awsEnv))
    expect(code).toBe(0)
    const log = read(host, '/var/log/user-data.log')
    expect(log).toContain('::upsc warn git fetch failed (attempt 1 of 4); retrying in 1s')
    expect(log).toContain('::upsc warn git fetch failed (attempt 2 of 4); retrying in 2s')
    expect(host.originLog().map((e) => e.result)).toEqual(['network', 'network', 'ok'])
    expect(bootstrapJson(host).outcome).toBe('succeeded')
  }, 120_000)

  it('gives up on an origin that stays unreachable, naming the network', async () => {
    const stage = testStage()
    const host = freshHost({failFetches: 999})
    putAwsResources(awsEnv, stage, {}, scratch)
    const {code} = await runUserData(host, renderedUserData(stage), bootstrapEnv(host, awsEnv))
    expect(code).toBe(1)
    expect(host.originLog()).toHaveLength(4)
    expect(bootstrapJson(host)).toMatchObject({
      outcome: 'failed',
      failedStep: 'deploy',
      reason: expect.stringContaining('cannot reach origin (network unreachable)'),
    })
    expect(lastLogLine(host)).toMatch(
      /^upsc bootstrap FAILED at step deploy .*cannot reach origin \(network unreachable\).* Next: check the instance's outbound access/,
    )
  }, 120_000)

  it('fails without retrying when the token parameter is missing, and says which parameter', async () => {
    const stage = testStage({githubTokenParameter: '/upscpro/stage2/github-token'})
    const host = freshHost({requiredToken: TOKEN})
    putAwsResources(awsEnv, stage, {}, scratch)
    const {code} = await runUserData(host, renderedUserData(stage), bootstrapEnv(host, awsEnv))
    expect(code).toBe(1)
    const result = bootstrapJson(host)
    expect(result).toMatchObject({outcome: 'failed', failedStep: 'deploy'})
    expect(result.reason).toMatch(/could not read the GitHub token from SSM parameter \/upscpro\/stage2\/github-token: .*ParameterNotFound/)
    expect(result.advice).toContain('ssm:GetParameter')
    expect(host.originLog()).toEqual([])
    // Everything but the deploy is in place: a reboot or `upsc deploy` finishes it.
    expect(host.units()['upscpro-deploy.service']).toMatchObject({enabled: true})
  }, 120_000)

  it('clones a private origin with the token from Parameter Store, which never reaches a log, argv or .git/config', async () => {
    const stage = testStage({githubTokenParameter: '/upscpro/stage2/github-token'})
    const host = freshHost({requiredToken: TOKEN})
    putAwsResources(awsEnv, stage, {'/upscpro/stage2/github-token': TOKEN}, scratch)
    const {code, stdout, stderr} = await runUserData(host, renderedUserData(stage), bootstrapEnv(host, awsEnv))
    expect(code).toBe(0)
    expect(host.originLog()).toEqual([expect.objectContaining({op: 'fetch', result: 'ok', tokenSent: true})])
    for (const text of [
      stdout,
      stderr,
      read(host, '/var/log/user-data.log'),
      read(host, '/var/log/upscpro/deploy.log'),
      read(host, '/opt/upscpro/upscapp-be/.git/config'),
      read(host, '/opt/upscpro/.upsc/settings.env'),
      read(host, '/opt/upscpro/.upsc/bootstrap.json'),
    ])
      expect(text).not.toContain(TOKEN)
  }, 120_000)

  it("writes the app's .env from Parameter Store, kept out of git and through the deploy's git clean", async () => {
    const stage = testStage({envParameter: '/upscpro/stage2/env'})
    const host = freshHost()
    putAwsResources(awsEnv, stage, {'/upscpro/stage2/env': 'DATABASE_URL=postgres://db/app\nSECRET_KEY=it\'s "secret"'}, scratch)
    const {code} = await runUserData(host, renderedUserData(stage), bootstrapEnv(host, awsEnv))
    expect(code).toBe(0)
    expect(read(host, '/opt/upscpro/upscapp-be/.env')).toBe('DATABASE_URL=postgres://db/app\nSECRET_KEY=it\'s "secret"\n')
    expect(read(host, '/opt/upscpro/upscapp-be/.git/info/exclude')).toMatch(/^\/\.env$/m)
    const {stdout} = await host.run('git status --porcelain --ignored', {env: bootstrapEnv(host, awsEnv)})
    expect(stdout.trim()).toBe('!! .env')
    expect(read(host, '/var/log/user-data.log')).not.toContain('postgres://db/app')
  }, 120_000)

  it('stops at the checkout step when the .env parameter is missing (not retried)', async () => {
    const stage = testStage({envParameter: '/upscpro/stage2/env', retry: {tries: 3, baseSeconds: 1}})
    const host = freshHost()
    putAwsResources(awsEnv, stage, {}, scratch)
    const {code} = await runUserData(host, renderedUserData(stage), bootstrapEnv(host, awsEnv))
    expect(code).toBe(1)
    const log = read(host, '/var/log/user-data.log')
    expect(log).not.toContain('retrying')
    expect(bootstrapJson(host)).toMatchObject({
      failedStep: 'checkout',
      reason: expect.stringMatching(/^could not read the app's \.env from SSM parameter \/upscpro\/stage2\/env in eu-central-1: .*ParameterNotFound/),
    })
    expect(host.buildCount()).toBe(0)
  }, 120_000)

  it('retries the package install when the mirrors cannot be reached', async () => {
    const stage = testStage()
    const host = freshHost()
    mkdirSync(join(host.root, '.sandbox/packages'), {recursive: true})
    writeFileSync(join(host.root, '.sandbox/packages/fail-next'), '2')
    putAwsResources(awsEnv, stage, {}, scratch)
    const {code} = await runUserData(host, renderedUserData(stage), bootstrapEnv(host, awsEnv))
    expect(code).toBe(0)
    const log = read(host, '/var/log/user-data.log')
    expect(log).toContain("Curl error (6): Couldn't resolve host name")
    expect(log).toContain('::upsc warn package install failed (attempt 2 of 4); retrying in 0s')
  }, 120_000)

  it('refuses a Compose plugin download whose sha256 does not match its release file', async () => {
    const stage = testStage()
    const host = freshHost()
    mkdirSync(join(host.root, '.sandbox/packages'), {recursive: true})
    writeFileSync(join(host.root, '.sandbox/packages/bad-compose-sha256'), '')
    putAwsResources(awsEnv, stage, {}, scratch)
    const {code} = await runUserData(host, renderedUserData(stage), bootstrapEnv(host, awsEnv))
    expect(code).toBe(1)
    expect(read(host, '/var/log/user-data.log')).toMatch(
      /the sha256 of https:\/\/github\.com\/docker\/compose\/releases\/download\/v2\.29\.7\/docker-compose-linux-\w+ does not match its \.sha256 file/,
    )
    expect(bootstrapJson(host)).toMatchObject({failedStep: 'packages', reason: 'could not install the Docker Compose plugin (packages, or release v2.29.7)'})
    expect(existsSync(join(host.root, 'usr/local/lib/docker/cli-plugins/docker-compose'))).toBe(false)
  }, 120_000)

  it('refuses host scripts whose sha256 is not the one it was generated with', async () => {
    const stage = testStage()
    const host = freshHost()
    // The document of another upsc version: other scripts than the user-data was generated with.
    putAwsResources(awsEnv, stage, {}, scratch, '0.0.1-other')
    const {code} = await runUserData(host, renderedUserData(stage), bootstrapEnv(host, awsEnv))
    expect(code).toBe(1)
    expect(bootstrapJson(host)).toMatchObject({
      outcome: 'failed',
      failedStep: 'install',
      reason: expect.stringContaining('holds other host scripts than this user-data expects (sha256)'),
    })
    expect(existsSync(join(host.upscHome, 'bin/lib.sh'))).toBe(false)
  }, 120_000)

  it('retries reading a missing host scripts document, then fails naming it', async () => {
    const stage = testStage()
    const host = freshHost()
    const {code} = await runUserData(host, renderedUserData(stage), bootstrapEnv(host, awsEnv))
    expect(code).toBe(1)
    const log = read(host, '/var/log/user-data.log')
    expect(log).toMatch(/reading SSM document upsc-stage2-host-scripts failed \(attempt 3 of 4\): .*InvalidDocument/)
    expect(bootstrapJson(host)).toMatchObject({
      outcome: 'failed',
      failedStep: 'install',
      reason: expect.stringMatching(/^could not get the upsc host scripts from SSM document upsc-stage2-host-scripts in eu-central-1: /),
    })
    expect(lastLogLine(host)).toMatch(/^upsc bootstrap FAILED at step install .* Next: create the document from the upsc-host-scripts\.json/)
  }, 120_000)

  it("reports a first deploy that fails its health gate, with the deploy's reason", async () => {
    const stage = testStage({timeouts: {healthSeconds: 2, dockerReadySeconds: 20}})
    const host = freshHost()
    putAwsResources(awsEnv, stage, {}, scratch)
    const {code} = await runUserData(host, renderedUserData(stage, {branch: 'bad-health'}), bootstrapEnv(host, awsEnv))
    expect(code).toBe(1)
    const result = bootstrapJson(host)
    expect(result).toMatchObject({outcome: 'failed', failedStep: 'deploy', branch: 'bad-health', commit: host.commitOf('bad-health')})
    expect(result.reason).toMatch(
      /^the first deploy of bad-health failed \(deploy\.sh exit 1\): health checks failed after 2s: api http:\/\/127\.0\.0\.1:\d+\/health: status 500, expected 200/,
    )
    expect(result.advice).toContain('upsc deploy --branch bad-health')
  }, 120_000)

  it('keeps going without the CloudWatch agent, with a warning in the result', async () => {
    const stage = testStage()
    const host = freshHost()
    mkdirSync(join(host.root, '.sandbox/cwagent'), {recursive: true})
    writeFileSync(join(host.root, '.sandbox/cwagent/fail'), '')
    putAwsResources(awsEnv, stage, {}, scratch)
    const {code} = await runUserData(host, renderedUserData(stage), bootstrapEnv(host, awsEnv))
    expect(code).toBe(0)
    expect(bootstrapJson(host)).toMatchObject({
      outcome: 'succeeded',
      warnings: ['the CloudWatch agent could not be installed or started: the logs stay on the host (see above)'],
    })
  }, 120_000)

  it("runs on apt-get hosts too (Ubuntu/Debian packages, the Compose plugin package, the agent's .deb)", async () => {
    const stage = testStage()
    const host = freshHost()
    const bin = join(host.root, '.sandbox/apt-bin')
    mkdirSync(bin, {recursive: true})
    for (const tool of ['apt-get', 'dpkg', 'curl', 'systemctl']) symlinkSync(join(BOOTSTRAP_BIN, tool), join(bin, tool))
    putAwsResources(awsEnv, stage, {}, scratch)
    const {code} = await runUserData(host, renderedUserData(stage), bootstrapEnv(host, awsEnv, {}, bin))
    expect(code).toBe(0)
    const packages = read(host, '/.sandbox/packages/log')
    expect(packages).toContain('apt-get install -y -q docker.io git curl')
    expect(packages).toContain('apt-get install -y -q docker-compose-v2')
    expect(packages).toContain('dpkg -i -E')
    expect(read(host, '/.sandbox/cwagent/status').trim()).toBe('running')
    expect(bootstrapJson(host).outcome).toBe('succeeded')
  }, 120_000)

  it('can run again on a bootstrapped host: the checkout is kept and the deploy runs again', async () => {
    const stage = testStage()
    const host = freshHost()
    putAwsResources(awsEnv, stage, {}, scratch)
    const env = bootstrapEnv(host, awsEnv)
    expect((await runUserData(host, renderedUserData(stage), env)).code).toBe(0)
    const again = await host.run(`bash ${join(host.upscHome, 'bin/bootstrap.sh')}`, {cwd: host.root, env})
    expect(again.code).toBe(0)
    expect(read(host, '/var/log/user-data.log')).toContain('is already a checkout: kept')
    expect(read(host, '/opt/upscpro/.upsc/deployments.jsonl').trim().split('\n')).toHaveLength(2)
  }, 120_000)
})

describe("the installed units' scripts on a bootstrapped host", () => {
  /** A host bootstrapped from scratch, and the environment its units would run with. */
  async function bootstrapped(stage = testStage()) {
    const host = freshHost()
    putAwsResources(awsEnv, stage, {}, scratch)
    const env = bootstrapEnv(host, awsEnv, {UPSC_MONITOR_GRACE_SECONDS: '0'})
    const {code, stdout} = await runUserData(host, renderedUserData(stage), env)
    expect(code, stdout).toBe(0)
    const unit = (name: string) => host.run(`bash ${join(host.upscHome, 'bin/upsc-run')} ${name}`, {cwd: host.root, env})
    return {host, env, unit}
  }
  const monitorJson = (host: Host) => JSON.parse(read(host, '/opt/upscpro/.upsc/monitor.json'))

  // blueGreen: the user-data installs nginx and its first deploy puts the api behind it; the units
  // keep it serving (monitor starts a dead proxy again, boot brings the live colour back).
  async function bootstrappedBlueGreen() {
    const port = await freePort()
    const stage = testStage({deploy: {strategy: 'blueGreen', services: [{name: 'api', port: 8000, publicPort: port}], listenHost: '127.0.0.1'}})
    return {port, ...(await bootstrapped(stage))}
  }
  const viaProxy = async (port: number) => {
    const response = await fetch(`http://127.0.0.1:${port}/version`, {signal: AbortSignal.timeout(3000)})
    return {status: response.status, body: (await response.text()).trim(), colour: response.headers.get('x-upsc-colour')}
  }
  const killProxy = (host: Host) => process.kill(-Number(read(host, '/opt/upscpro/.upsc/proxy/nginx.pid')), 'SIGKILL')

  it.skipIf(!HAS_NGINX)(
    'blueGreen: installs nginx and deploys the default branch into the blue colour behind it (needs nginx; .ci/run installs it)',
    async () => {
      const {host, port} = await bootstrappedBlueGreen()
      expect(read(host, '/.sandbox/packages/log')).toContain('dnf install -y -q docker git nginx')
      expect(await viaProxy(port)).toEqual({status: 200, body: 'main', colour: 'blue'})
      expect(read(host, '/opt/upscpro/.upsc/deployments.jsonl')).toContain('"colour":"blue"')
    },
    180_000,
  )

  it.skipIf(!HAS_NGINX)(
    'blueGreen: monitor starts a dead proxy again on the live colour; boot brings the colour and the proxy back after a reboot (needs nginx; .ci/run installs it)',
    async () => {
      const {host, port, unit} = await bootstrappedBlueGreen()
      killProxy(host)
      await expect(viaProxy(port)).rejects.toThrow()
      const monitor = await unit('monitor')
      expect(monitor.code, monitor.stdout).toBe(0)
      expect(JSON.parse(read(host, '/opt/upscpro/.upsc/monitor.json')), monitor.stdout).toMatchObject({outcome: 'recovered', restarted: ['proxy']})
      expect(await viaProxy(port)).toEqual({status: 200, body: 'main', colour: 'blue'})

      // A reboot: the daemon restarts without the containers, and nginx is gone.
      killProxy(host)
      await host.setDockerState({running: false})
      await host.setDockerState({running: true})
      const builds = host.buildCount()
      const boot = await unit('boot')
      expect(boot.code, boot.stdout).toBe(0)
      expect(boot.stdout).toMatch(/::upsc result \{"schema":1,"kind":"boot",.*"outcome":"succeeded"/)
      expect(host.buildCount()).toBe(builds)
      expect(await viaProxy(port)).toEqual({status: 200, body: 'main', colour: 'blue'})
      expect(host.containers().find((c) => c.service === 'worker')?.state).toBe('running')
    },
    180_000,
  )

  it('monitor: healthy stack, nothing restarted', async () => {
    const {host, unit} = await bootstrapped()
    const {code} = await unit('monitor')
    expect(code).toBe(0)
    expect(monitorJson(host)).toMatchObject({
      schema: 1,
      outcome: 'healthy',
      restarted: [],
      restarts: {},
      totalRestarts: 0,
      healthChecks: [expect.objectContaining({name: 'api', ok: true})],
    })
    expect(read(host, '/var/log/upscpro/monitor.log')).toMatch(/^\S+Z Monitor: healthy$/m)
  }, 120_000)

  it('monitor: restarts a crashed service, counts it, and the stack is healthy again', async () => {
    const {host, unit} = await bootstrapped()
    await host.killService('worker')
    expect((await unit('monitor')).code).toBe(0)
    expect(monitorJson(host)).toMatchObject({outcome: 'recovered', restarted: ['worker'], restarts: {worker: 1}, totalRestarts: 1})
    expect(host.containers().find((c) => c.service === 'worker')?.state).toBe('running')
    // The count persists across runs.
    await host.killService('worker')
    await unit('monitor')
    expect(monitorJson(host)).toMatchObject({outcome: 'recovered', restarts: {worker: 2}, totalRestarts: 2})
  }, 120_000)

  it('monitor: a service that stays unhealthy after its restart exits 1 with the reason', async () => {
    const {host, unit} = await bootstrapped(testStage({timeouts: {healthSeconds: 2, dockerReadySeconds: 20}}))
    host.setServiceHealth('api', 503)
    const {code} = await unit('monitor')
    expect(code).toBe(1)
    const result = monitorJson(host)
    expect(result).toMatchObject({outcome: 'unhealthy', restarted: ['api'], restarts: {api: 1}})
    expect(result.detail).toMatch(
      /^restarted api; still failing: health checks failed after 2s: api http:\/\/127\.0\.0\.1:\d+\/health: status 503, expected 200/,
    )
  }, 120_000)

  it('monitor: prunes when free disk is below minFreeDiskPercent and prune.onLowDisk is set', async () => {
    // 99%: the sandbox's disk is always "low", so the prune runs.
    const {host, unit} = await bootstrapped(testStage({minFreeDiskPercent: 99, prune: {onLowDisk: true, buildCacheKeep: '0B'}}))
    await host.run('docker compose stop worker')
    const {code, stdout} = await unit('monitor')
    expect(code, stdout).toBe(0)
    const log = read(host, '/var/log/upscpro/monitor.log')
    expect(log).toMatch(/Free disk below 99%: pruning/)
    expect(log).toMatch(/Prune: \{"dryRun":false,"stoppedContainers":1,/)
    expect(host.container('worker')).toBeUndefined()
    // The monitor then sees a service gone and brings it back.
    expect(host.container('api').state).toBe('running')
  }, 120_000)

  it('monitor: first repairs a deploy that died holding the lock (recorded interrupted, checkout back on what runs)', async () => {
    const {host, unit} = await bootstrapped()
    const running = host.headCommit()
    // As a deploy SIGKILLed after its checkout: the checkout moved, its lock.json names a dead pid.
    const moved = await host.run('git -c user.name=x -c user.email=x@x commit -q --allow-empty -m half-deployed && git rev-parse HEAD', {
      cwd: host.hostPath('/opt/upscpro/upscapp-be'),
    })
    expect(moved.stdout.trim()).not.toBe(running)
    writeFileSync(
      host.hostPath('/opt/upscpro/.upsc/lock.json'),
      '{"kind":"deploy","id":"killed-1","caller":null,"pid":999999999,"since":"2026-12-01T00:00:00Z","branch":"feature-x","commandId":null}\n',
    )
    expect((await unit('monitor')).code).toBe(0)
    expect(host.headCommit()).toBe(running)
    expect(existsSync(host.hostPath('/opt/upscpro/.upsc/lock.json'))).toBe(false)
    const records = read(host, '/opt/upscpro/.upsc/deployments.jsonl')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(records.at(-1)).toMatchObject({id: 'killed-1', kind: 'deploy', branch: 'feature-x', outcome: 'interrupted', previousCommit: running})
    expect(monitorJson(host)).toMatchObject({outcome: 'healthy'})
  }, 120_000)

  it('boot: after a reboot (daemon restarted, containers gone) starts the same version again without building', async () => {
    const {host, unit} = await bootstrapped()
    const builds = host.buildCount()
    const commit = host.headCommit()
    await host.setDockerState({running: false})
    await host.setDockerState({running: true})
    // The daemon's stop killed them: both still listed, neither running.
    expect(
      host
        .containers()
        .map((c) => `${c.service}:${c.state}`)
        .sort(),
    ).toEqual(['api:exited', 'worker:exited'])
    const {code, stdout} = await unit('boot')
    expect(code, stdout).toBe(0)
    expect(stdout).toMatch(/^::upsc result \{"schema":1,"kind":"boot","id":"boot-[^"]+","outcome":"succeeded","exitCode":0,/m)
    expect(host.buildCount()).toBe(builds)
    expect(host.headCommit()).toBe(commit)
    expect((await fetch(`http://127.0.0.1:${host.servicePort('api')}/health`)).status).toBe(200)
  }, 120_000)

  it('boot: runs the whole bootstrap again while it has not succeeded (a fix, then a reboot)', async () => {
    const stage = testStage({githubTokenParameter: '/upscpro/stage2/github-token'})
    const host = freshHost({requiredToken: TOKEN})
    putAwsResources(awsEnv, stage, {}, scratch)
    const env = bootstrapEnv(host, awsEnv)
    expect((await runUserData(host, renderedUserData(stage), env)).code).toBe(1)
    putAwsResources(awsEnv, stage, {'/upscpro/stage2/github-token': TOKEN}, scratch)
    const {code} = await host.run(`bash ${join(host.upscHome, 'bin/upsc-run')} boot`, {cwd: host.root, env})
    expect(code).toBe(0)
    expect(bootstrapJson(host)).toMatchObject({outcome: 'succeeded', commit: host.commitOf('main')})
    expect(read(host, '/var/log/upscpro/boot.log')).toContain('The bootstrap has not succeeded on this host: running it again')
  }, 120_000)
})
