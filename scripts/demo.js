#!/usr/bin/env node
// `npm run demo`: bring up the local AWS stand-in (moto + the SSM sandbox + one sandbox host),
// write a config for its stage, and run upsc against it as a user would. On a terminal it then
// stays up and prints how to run further commands; elsewhere it stops and cleans up.
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand} from '@aws-sdk/client-cloudwatch-logs'

import {startStandIn} from '../tools/stand-in/stand-in.js'

const RUN = fileURLToPath(new URL('../bin/run.js', import.meta.url))

const stage = {
  region: 'ap-south-1',
  instances: {tags: {Name: 'upscpro-stage2-docker'}},
  // Sandbox hosts share this machine, so the health check follows the service's published port.
  healthChecks: [{name: 'api', service: 'api', port: 8000, path: '/health', expectStatus: 200}],
  timeouts: {healthSeconds: 15},
  retry: {tries: 3, baseSeconds: 1},
}

/** Each step: the upsc arguments and the exit code the stand-in is expected to give. */
const steps = [
  {args: ['status'], expect: [1], why: 'a fresh host: nothing deployed yet, so services and health fail'},
  {args: ['deploy', '--branch', 'main'], expect: [0], why: 'fetch, build, start and health-check main'},
  {args: ['status'], expect: [0], why: 'the stage is healthy now'},
  {args: ['deploy', '--branch', 'feature-x'], expect: [0], why: 'deploy another branch'},
  {args: ['deploy', '--branch', 'bad-health'], expect: [5], why: 'a branch that fails its health gate: rolled back automatically'},
  {args: ['history'], expect: [0], why: 'every attempt, newest first', optional: true},
  {args: ['rollback', '--yes'], expect: [0], why: 'back to the deployment before the current one, without building', optional: true},
  {args: ['status'], expect: [0], why: 'healthy again'},
  {args: ['exec', '--', 'git', 'log', '-1', '--oneline'], expect: [0], why: 'a one-off command on every host, through Run Command'},
  {args: ['lock', 'status'], expect: [0], why: 'nobody holds the deploy lock'},
  {args: ['logs', '--since', '1h'], expect: [0], why: "the stage's CloudWatch streams, merged in time order (-f keeps following)"},
]

/**
 * What the CloudWatch agent of a bootstrapped host has shipped by now (docs/BOOTSTRAP.md): the
 * user-data log and the deploy log, in the stage's group, one `<instance>/<alias>` stream each.
 * The stand-in has no agent, so the demo writes them, and status shows fresh streams.
 */
async function shipHostLogs(env, instanceId) {
  const logs = new CloudWatchLogsClient({
    region: env.AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL,
    credentials: {accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY},
    maxAttempts: 1,
  })
  const group = '/aws/ec2/upscpro-stage2-docker'
  const now = Date.now()
  const streams = {
    'user-data': ['bootstrap: docker ready', 'bootstrap: cloned upscapp-be', 'bootstrap: units enabled', 'bootstrap finished'],
    deploy: ['upscpro-deploy.service: stack up, health ok'],
  }
  try {
    await logs.send(new CreateLogGroupCommand({logGroupName: group}))
    for (const [alias, lines] of Object.entries(streams)) {
      const stream = `${instanceId}/${alias}`
      await logs.send(new CreateLogStreamCommand({logGroupName: group, logStreamName: stream}))
      const logEvents = lines.map((message, i) => ({timestamp: now - (lines.length - i) * 1000, message}))
      await logs.send(new PutLogEventsCommand({logGroupName: group, logStreamName: stream, logEvents}))
    }
  } finally {
    logs.destroy()
  }
}

function run(args, env, cwd) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUN, ...args], {cwd, env: {...process.env, ...env}, stdio: 'inherit'})
    child.on('close', (code) => resolve(code ?? 1))
  })
}

const commandExists = async (name) => (await import('node:fs')).existsSync(new URL(`../dist/commands/${name}.js`, import.meta.url))

console.log('Starting the local AWS stand-in (moto + SSM sandbox + one sandbox host) ...')
const standIn = await startStandIn({region: 'ap-south-1', hosts: [{name: 'upscpro-stage2-docker'}]})
const cwd = mkdtempSync(join(tmpdir(), 'upsc-demo-'))
writeFileSync(join(cwd, 'upsc.config.json'), JSON.stringify({defaultStage: 'stage2', stages: {stage2: stage}}, null, 2))
const env = {...standIn.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true'}
await shipHostLogs(env, standIn.hosts[0].instanceId)

let failed = 0
try {
  for (const step of steps) {
    if (step.optional && !(await commandExists(step.args[0]))) continue
    console.log(`\n$ upsc ${step.args.join(' ')}    # ${step.why}`)
    const code = await run(step.args, env, cwd)
    if (!step.expect.includes(code)) {
      failed++
      console.log(`!! expected exit ${step.expect.join(' or ')}, got ${code}`)
    }
  }

  console.log(`\nThe stand-in is in ${standIn.tmpDir}; the stage's config is ${join(cwd, 'upsc.config.json')}.`)
  if (process.stdin.isTTY && !process.env.CI) {
    console.log('\nTo run more commands against it, in another terminal:\n')
    for (const [k, v] of Object.entries(env)) console.log(`  export ${k}='${v}'`)
    console.log(`  cd ${cwd}\n  ${RUN} status   # or deploy --branch feature-x, logs, history, ...\n\nPress Ctrl-C to stop the stand-in.`)
    await new Promise((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
  }
} finally {
  await standIn.stop()
  rmSync(cwd, {recursive: true, force: true})
}
console.log(failed === 0 ? '\nDemo finished: every step gave the expected exit code.' : `\nDemo finished with ${failed} unexpected exit code(s).`)
process.exit(failed === 0 ? 0 : 1)
