#!/usr/bin/env node
// The whole local AWS stand-in in one call: moto + the SSM sandbox + sandbox hosts, each an
// EC2 instance in moto (tag Name) registered as a managed instance with the sandbox.
//
// CLI: node tools/stand-in/stand-in.js [--region R] [--host NAME]...
//      prints the environment to use (shell exports) and runs until Ctrl-C.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {startMoto} from './moto.js'
import {createSandboxHost} from './sandbox-host.js'
import {startSsmSandbox} from './ssm-sandbox.js'
import {cleanupOnExit, quietSdkClient} from './util.js'

/** An AMI moto knows in every region. */
const IMAGE_ID = 'ami-12c6146b'

/**
 * @typedef {Omit<import('./sandbox-host.js').SandboxHostOptions, 'dir'> & {
 *   name?: string,
 *   managed?: boolean,
 *   state?: 'running' | 'stopped',
 *   tags?: Record<string, string>,
 *   instanceType?: string,
 * }} HostSpec
 * `managed: false` = an EC2 instance the SSM sandbox does not know (agent missing);
 * `state: 'stopped'` = a stopped instance (its agent is ConnectionLost).
 */

/**
 * @typedef {object} StandInHost
 * @property {string} instanceId
 * @property {string} name
 * @property {boolean} managed
 * @property {import('./sandbox-host.js').SandboxHost} host
 */

/**
 * Start moto, the SSM sandbox and the hosts.
 * @param {{region?: string, hosts?: HostSpec[], ssm?: Omit<import('./ssm-sandbox.js').SandboxOptions, 'motoUrl' | 'region'>}} [options]
 */
export async function startStandIn({region = 'eu-central-1', hosts = [{name: 'upscpro-stage2-docker'}], ssm = {}} = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'upsc-rig-'))
  const forgetTmp = cleanupOnExit(() => fs.rmSync(tmp, {recursive: true, force: true}))
  /** @type {StandInHost[]} */
  const started = []
  /** @type {Awaited<ReturnType<typeof startMoto>> | undefined} */
  let moto
  /** @type {Awaited<ReturnType<typeof startSsmSandbox>> | undefined} */
  let sandbox
  /** @type {any} */
  let ec2

  /** @type {Promise<void> | undefined} */
  let stopped
  /** Stop everything (idempotent): scripts, fake services, the sandbox, moto, temp files. */
  function stop() {
    stopped ??= stopAll()
    return stopped
  }
  async function stopAll() {
    await sandbox?.stop()
    for (const {host} of started) host.cleanup()
    ec2?.client.destroy()
    await moto?.stop()
    fs.rmSync(tmp, {recursive: true, force: true})
    forgetTmp()
  }

  try {
    moto = await startMoto()
    sandbox = await startSsmSandbox({motoUrl: moto.url, region, ...ssm})
    const m = await import('@aws-sdk/client-ec2')
    const motoUrl = moto.url
    ec2 = {
      m,
      client: quietSdkClient(
        () =>
          new m.EC2Client({
            region,
            endpoint: motoUrl,
            credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
            maxAttempts: 1,
          }),
      ),
    }
    // Isolated from the developer's own AWS config and credentials.
    const configFile = path.join(tmp, 'aws-config')
    const credentialsFile = path.join(tmp, 'aws-credentials')
    fs.writeFileSync(configFile, '')
    fs.writeFileSync(credentialsFile, '')

    const motoRef = moto
    const sandboxRef = sandbox
    let counter = 0

    /**
     * Add one host: a sandbox folder, an EC2 instance in moto, and (if managed) a managed
     * instance in the SSM sandbox.
     * @param {HostSpec} spec
     * @returns {Promise<StandInHost>}
     */
    async function addHost(spec = {}) {
      const {managed = true, state = 'running', tags = {}, instanceType = 't3.medium', ...hostOptions} = spec
      const name = spec.name ?? 'upscpro-stage2-docker'
      counter += 1
      const host = createSandboxHost({...hostOptions, name, dir: path.join(tmp, 'hosts', `${counter}-${name}`)})
      try {
        const result = await ec2.client.send(
          new ec2.m.RunInstancesCommand({
            ImageId: IMAGE_ID,
            MinCount: 1,
            MaxCount: 1,
            InstanceType: instanceType,
            TagSpecifications: [
              {
                ResourceType: 'instance',
                Tags: [{Key: 'Name', Value: name}, ...Object.entries(tags).map(([Key, Value]) => ({Key, Value}))],
              },
            ],
          }),
        )
        const instanceId = result.Instances[0].InstanceId
        if (state === 'stopped') await ec2.client.send(new ec2.m.StopInstancesCommand({InstanceIds: [instanceId]}))
        if (managed) {
          sandboxRef.registerInstance({instanceId, host, computerName: name, pingStatus: state === 'running' ? 'Online' : 'ConnectionLost'})
        }
        const entry = {instanceId, name, managed, host}
        started.push(entry)
        return entry
      } catch (error) {
        host.cleanup()
        throw error
      }
    }

    for (const spec of hosts) await addHost(spec)

    /**
     * Add `count` canned hosts in one RunInstances call: EC2 instances tagged Name=`name`, managed
     * by the SSM sandbox, answering every command with `stdout` after `delayMs` (see ssm-sandbox.js).
     * @param {{count: number, name: string, stdout: string, delayMs?: number}} spec
     */
    async function addCannedHosts({count, name, stdout, delayMs}) {
      const result = await ec2.client.send(
        new ec2.m.RunInstancesCommand({
          ImageId: IMAGE_ID,
          MinCount: count,
          MaxCount: count,
          InstanceType: 't3.micro',
          TagSpecifications: [{ResourceType: 'instance', Tags: [{Key: 'Name', Value: name}]}],
        }),
      )
      return result.Instances.map((/** @type {any} */ i) => {
        sandboxRef.registerInstance({instanceId: i.InstanceId, computerName: name, canned: {stdout, delayMs}})
        return i.InstanceId
      })
    }

    /**
     * Stop or start an instance: EC2 state in moto, and the agent's ping status.
     * @param {string} instanceId
     * @param {'stopped' | 'running'} target
     */
    async function setInstanceState(instanceId, target) {
      const Command = target === 'stopped' ? ec2.m.StopInstancesCommand : ec2.m.StartInstancesCommand
      await ec2.client.send(new Command({InstanceIds: [instanceId]}))
      const entry = started.find((h) => h.instanceId === instanceId)
      if (entry?.managed) sandboxRef.updateInstance(instanceId, {pingStatus: target === 'stopped' ? 'ConnectionLost' : 'Online'})
    }

    return {
      region,
      motoUrl: motoRef.url,
      ssmUrl: sandboxRef.url,
      /** Environment for the CLI (or any AWS SDK / CLI) to talk to the stand-in. */
      env: {
        AWS_ENDPOINT_URL: motoRef.url,
        AWS_ENDPOINT_URL_SSM: sandboxRef.url,
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: configFile,
        AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
      },
      hosts: started,
      /** @param {string} nameOrId */
      host: (nameOrId) => started.find((h) => h.instanceId === nameOrId || h.name === nameOrId),
      addHost,
      addCannedHosts,
      /** @param {string} instanceId */
      stopInstance: (instanceId) => setInstanceState(instanceId, 'stopped'),
      /** @param {string} instanceId */
      startInstance: (instanceId) => setInstanceState(instanceId, 'running'),
      moto: motoRef,
      sandbox: sandboxRef,
      tmpDir: tmp,
      stop,
    }
  } catch (error) {
    await stop().catch(() => {})
    throw error
  }
}

// ------------------------------------------------------------------ CLI

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2)
  const names = args.flatMap((arg, i) => (arg === '--host' ? [args[i + 1]] : []))
  const regionIndex = args.indexOf('--region')
  const standIn = await startStandIn({
    ...(regionIndex >= 0 ? {region: args[regionIndex + 1]} : {}),
    ...(names.length ? {hosts: names.map((name) => ({name}))} : {}),
  })
  for (const [key, value] of Object.entries(standIn.env)) process.stdout.write(`export ${key}='${value}'\n`)
  for (const {instanceId, name, host} of standIn.hosts) process.stdout.write(`# ${name} ${instanceId} ${host.root}\n`)
  process.stdout.write('# stand-in running; Ctrl-C to stop\n')
  const shutdown = () => standIn.stop().then(() => process.exit(0))
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
}
