#!/usr/bin/env node
// `npm run demo`: bring up the local AWS stand-in (moto + the SSM sandbox + one sandbox host),
// write a config for its stage, and run upsc against it as a user would. On a terminal it then
// stays up and prints how to run further commands; elsewhere it stops and cleans up.
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {startStandIn} from '../test/rig/stand-in.js'

const RUN = fileURLToPath(new URL('../bin/run.js', import.meta.url))

const stage = {
  region: 'eu-central-1',
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
]

function run(args, env, cwd) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUN, ...args], {cwd, env: {...process.env, ...env}, stdio: 'inherit'})
    child.on('close', (code) => resolve(code ?? 1))
  })
}

const commandExists = async (name) => (await import('node:fs')).existsSync(new URL(`../dist/commands/${name}.js`, import.meta.url))

console.log('Starting the local AWS stand-in (moto + SSM sandbox + one sandbox host) ...')
const standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker'}]})
const cwd = mkdtempSync(join(tmpdir(), 'upsc-demo-'))
writeFileSync(join(cwd, 'upsc.config.json'), JSON.stringify({defaultStage: 'stage2', stages: {stage2: stage}}, null, 2))
const env = {...standIn.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true'}

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
