#!/usr/bin/env node
// The SSM sandbox: an HTTP server speaking the SSM JSON protocol, standing in for the SSM
// service and its agent on the sandbox hosts (moto's SSM executes nothing).
//
// Answered here: SendCommand (runs AWS-RunShellScript with bash on the sandbox host),
// GetCommandInvocation, ListCommandInvocations, ListCommands, CancelCommand,
// DescribeInstanceInformation, StartSession, TerminateSession, DescribeSessions.
// Every other action is forwarded unchanged to moto (Parameter Store, ...).
//
// Control API (for tests and other processes): see handleControl() and tools/stand-in/README.md.
// CLI: node tools/stand-in/ssm-sandbox.js --moto URL [--region R] [--port P]
import {spawn} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {findProcesses, killGroup, killGroupOnExit, quietSdkClient, sleep} from './util.js'

const ACCOUNT_ID = '123456789012'
const MAX_STDOUT = 24_000
const MAX_STDERR = 8_000
const PLUGIN_OUTPUT_CAPACITY = 2_500
/** Exit code the agent reports for a process it killed (timeout or cancel): 128 + SIGKILL. */
const STOPPED_PREEMPTIVELY = 137
const TERMINAL = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled'])

class SsmError extends Error {
  /** @param {string} code @param {string} message @param {number} [status] */
  constructor(code, message, status = 400) {
    super(message)
    this.code = code
    this.status = status
  }
}

/**
 * @typedef {object} InstanceRecord
 * @property {string} instanceId
 * @property {{root: string, env: Record<string, string>}} host  the sandbox host (only root and env are used)
 * @property {'Online' | 'ConnectionLost' | 'Inactive'} pingStatus
 * @property {string} agentVersion
 * @property {string} platformName
 * @property {string} platformVersion
 * @property {string} computerName
 * @property {string} ipAddress
 * @property {number} lastPing   epoch ms (frozen once the instance goes offline)
 */

/**
 * @typedef {object} Invocation
 * @property {string} commandId
 * @property {string} instanceId
 * @property {string} instanceName
 * @property {string} status
 * @property {string} statusDetails
 * @property {number} responseCode
 * @property {string} stdout
 * @property {string} stderr
 * @property {number | null} startedAt
 * @property {number | null} endedAt
 * @property {number} visibleAt   GetCommandInvocation answers InvocationDoesNotExist before this
 * @property {import('node:child_process').ChildProcess | null} child
 * @property {number | null} [pgid]   process group of the script (its bash pid)
 * @property {'cancel' | 'timeout' | null} stopReason
 * @property {Promise<void> | null} done
 */

/**
 * @typedef {object} SandboxOptions
 * @property {string} motoUrl
 * @property {string} [region]
 * @property {number} [port]                       0 = any free port
 * @property {number} [invocationVisibleDelayMs]   the InvocationDoesNotExist race window (default 100)
 * @property {number} [pendingDelayMs]             time invocations stay Pending before running (default 0)
 * @property {number} [cloudWatchFlushMs]          how often output is shipped to CloudWatch (default 200)
 */

/**
 * Start the SSM sandbox.
 * @param {SandboxOptions} options
 */
export async function startSsmSandbox({
  motoUrl,
  region = 'eu-central-1',
  port = 0,
  invocationVisibleDelayMs = 100,
  pendingDelayMs = 0,
  cloudWatchFlushMs = 200,
}) {
  if (!motoUrl) throw new Error('startSsmSandbox: motoUrl is required')
  /** @type {Map<string, InstanceRecord>} */
  const instances = new Map()
  /** @type {Map<string, any>} */
  const commands = new Map()
  /** @type {Map<string, any>} */
  const sessions = new Map()
  /** @type {Record<string, number>} */
  let counts = {}
  /** @type {string[]} problems the sandbox hit (e.g. CloudWatch upload errors), for debugging */
  const problems = []
  let url = ''
  let stopping = false

  // AWS SDK clients against moto, created on first use (importing them costs time).
  /** @type {Promise<any> | undefined} */ let ec2Client
  /** @type {Promise<any> | undefined} */ let logsModule
  const clientConfig = () => ({
    region,
    endpoint: motoUrl,
    credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
    maxAttempts: 2,
  })
  const ec2 = () => (ec2Client ??= import('@aws-sdk/client-ec2').then((m) => ({m, client: quietSdkClient(() => new m.EC2Client(clientConfig()))})))
  const logs = () =>
    (logsModule ??= import('@aws-sdk/client-cloudwatch-logs').then((m) => ({m, client: quietSdkClient(() => new m.CloudWatchLogsClient(clientConfig()))})))

  // ------------------------------------------------------------------ registry

  /**
   * @param {{instanceId: string, host: {root: string, env: Record<string, string>}, pingStatus?: InstanceRecord['pingStatus'], agentVersion?: string, platformName?: string, platformVersion?: string, computerName?: string, ipAddress?: string}} info
   */
  function registerInstance(info) {
    if (!info.instanceId || ((!info.host?.root || !info.host?.env) && !info.canned))
      throw new Error('registerInstance needs instanceId and host {root, env} (or canned)')
    const n = instances.size + 10
    instances.set(info.instanceId, {
      instanceId: info.instanceId,
      host: info.host ? {root: info.host.root, env: info.host.env} : null,
      // A canned host runs nothing: every command "succeeds" after delayMs printing stdout. For
      // fleet benchmarks, where 100 real probes would measure this 2-core machine, not upsc.
      canned: info.canned ?? null,
      pingStatus: info.pingStatus ?? 'Online',
      agentVersion: info.agentVersion ?? '3.3.1142.0',
      platformName: info.platformName ?? 'Ubuntu',
      platformVersion: info.platformVersion ?? '22.04',
      computerName: info.computerName ?? `ip-10-0-1-${n}.${region}.compute.internal`,
      ipAddress: info.ipAddress ?? `10.0.1.${n}`,
      lastPing: Date.now(),
    })
  }

  /** @param {string} instanceId @param {Partial<InstanceRecord>} patch */
  function updateInstance(instanceId, patch) {
    const record = instances.get(instanceId)
    if (!record) throw new Error(`unknown instance ${instanceId}`)
    const wasOnline = record.pingStatus === 'Online'
    Object.assign(record, patch)
    if (!wasOnline && record.pingStatus === 'Online') record.lastPing = Date.now()
    if (wasOnline && record.pingStatus !== 'Online') record.lastPing = Date.now()
  }

  /**
   * The instance role, as the host's tools see it: a shared config and credentials file in the
   * host's HOME (the AWS CLI reads them; on EC2 the same tools would ask IMDS). Endpoints point at
   * moto and at this sandbox for SSM. No region: AWS CLI v1 finds none on a real host either.
   * @param {string} home
   */
  function writeInstanceProfile(home) {
    const dir = path.join(home, '.aws')
    const config = `[default]\nendpoint_url = ${motoUrl}\nservices = upsc-stand-in\n\n[services upsc-stand-in]\nssm =\n  endpoint_url = ${url}\n`
    const file = path.join(dir, 'config')
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === config) return
    fs.mkdirSync(dir, {recursive: true, mode: 0o700})
    fs.writeFileSync(path.join(dir, 'credentials'), '[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n', {mode: 0o600})
    fs.writeFileSync(file, config, {mode: 0o600})
  }

  /** @param {InstanceRecord} record */
  const lastPing = (record) => (record.pingStatus === 'Online' ? Date.now() : record.lastPing)

  // ------------------------------------------------------------------ SendCommand

  /** @param {string | undefined} value @param {boolean} allowZero */
  function validLimit(value, allowZero) {
    if (value === undefined) return true
    return allowZero ? /^([1-9]\d*|0|[1-9]\d?%|0%|100%)$/.test(value) : /^([1-9]\d*|[1-9]\d?%|100%)$/.test(value)
  }

  /** "n" or "n%" of total. @param {string} value @param {number} total @param {number} min */
  function resolveLimit(value, total, min) {
    if (value.endsWith('%')) return Math.max(min, Math.floor((Number(value.slice(0, -1)) / 100) * total))
    return Math.max(min, Number(value))
  }

  /**
   * Instance ids selected by Targets, via moto's EC2 (tags are on the EC2 instances).
   * @param {{Key: string, Values: string[]}[]} targets
   */
  async function resolveTargets(targets) {
    const filters = []
    /** @type {string[] | undefined} */
    let ids
    for (const {Key, Values} of targets) {
      if (Key === 'InstanceIds') ids = Values
      else if (Key.startsWith('tag:')) filters.push({Name: Key, Values})
      else if (Key === 'tag-key') filters.push({Name: 'tag-key', Values})
      else throw new SsmError('InvalidTarget', `Target key ${Key} is not supported by the sandbox`)
    }
    if (ids && filters.length === 0) return ids
    const {m, client} = await ec2()
    /** @type {string[]} */
    const found = []
    /** @type {string | undefined} */
    let NextToken
    do {
      /** @type {import('@aws-sdk/client-ec2').DescribeInstancesCommandOutput} */
      const result = await client.send(new m.DescribeInstancesCommand({Filters: filters, ...(ids ? {InstanceIds: ids} : {}), NextToken}))
      for (const reservation of result.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          if (instance.InstanceId && instance.State?.Name !== 'terminated') found.push(instance.InstanceId)
        }
      }
      NextToken = result.NextToken
    } while (NextToken)
    return found
  }

  /** @param {any} input */
  async function sendCommand(input) {
    if (input.DocumentName !== 'AWS-RunShellScript') {
      throw new SsmError('InvalidDocument', `Document ${input.DocumentName} is not supported by the sandbox (only AWS-RunShellScript)`)
    }
    const parameters = input.Parameters ?? {}
    const lines = parameters.commands
    if (!Array.isArray(lines) || lines.length === 0) throw new SsmError('InvalidParameters', 'Parameter "commands" is required.')
    const hasIds = Array.isArray(input.InstanceIds) && input.InstanceIds.length > 0
    const hasTargets = Array.isArray(input.Targets) && input.Targets.length > 0
    if (hasIds === hasTargets) throw new SsmError('ValidationException', 'Specify either InstanceIds or Targets.')
    if (hasIds && input.InstanceIds.length > 50) {
      throw new SsmError(
        'ValidationException',
        `1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50`,
      )
    }
    if (!validLimit(input.MaxConcurrency, false)) throw new SsmError('ValidationException', `Invalid MaxConcurrency: ${input.MaxConcurrency}`)
    if (!validLimit(input.MaxErrors, true)) throw new SsmError('ValidationException', `Invalid MaxErrors: ${input.MaxErrors}`)

    /** @type {string[]} */ let runnable = []
    /** @type {string[]} */ let undeliverable = []
    if (hasIds) {
      const invalid = input.InstanceIds.filter((/** @type {string} */ id) => instances.get(id)?.pingStatus !== 'Online')
      if (invalid.length) throw new SsmError('InvalidInstanceId', `Instances [[${invalid.join(', ')}]] not in a valid state for account ${ACCOUNT_ID}`)
      runnable = [...new Set(/** @type {string[]} */ (input.InstanceIds))]
    } else {
      const ids = await resolveTargets(input.Targets)
      // Only managed instances are targeted; offline ones cannot be delivered to.
      const managed = ids.filter((id) => instances.has(id))
      runnable = managed.filter((id) => instances.get(id)?.pingStatus === 'Online')
      undeliverable = managed.filter((id) => instances.get(id)?.pingStatus !== 'Online')
    }

    const commandId = crypto.randomUUID()
    const now = Date.now()
    const cloudWatch = input.CloudWatchOutputConfig?.CloudWatchOutputEnabled
      ? {CloudWatchOutputEnabled: true, CloudWatchLogGroupName: input.CloudWatchOutputConfig.CloudWatchLogGroupName || `/aws/ssm/${input.DocumentName}`}
      : {CloudWatchOutputEnabled: false, CloudWatchLogGroupName: ''}
    const command = {
      commandId,
      documentName: input.DocumentName,
      comment: input.Comment ?? '',
      parameters: {
        commands: lines,
        ...(parameters.workingDirectory ? {workingDirectory: parameters.workingDirectory} : {}),
        ...(parameters.executionTimeout ? {executionTimeout: parameters.executionTimeout} : {}),
      },
      script: lines.join('\n'),
      workingDirectory: String(parameters.workingDirectory?.[0] ?? ''),
      executionTimeoutS: Number(parameters.executionTimeout?.[0] ?? 3600),
      instanceIds: hasIds ? input.InstanceIds : [],
      targets: hasTargets ? input.Targets : [],
      requestedAt: now,
      timeoutSeconds: Number(input.TimeoutSeconds ?? 3600),
      maxConcurrency: input.MaxConcurrency ?? '50',
      maxErrors: input.MaxErrors ?? '0',
      cloudWatch,
      cancelled: false,
      /** @type {Promise<unknown> | null} resolves when every invocation is over */
      finished: null,
      /** @type {Map<string, Invocation>} */
      invocations: new Map(),
    }
    for (const instanceId of [...runnable, ...undeliverable]) {
      const undelivered = undeliverable.includes(instanceId)
      command.invocations.set(instanceId, {
        commandId,
        instanceId,
        instanceName: instances.get(instanceId)?.computerName ?? '',
        status: undelivered ? 'Failed' : 'Pending',
        statusDetails: undelivered ? 'Undeliverable' : 'Pending',
        responseCode: -1,
        stdout: '',
        stderr: '',
        startedAt: null,
        endedAt: undelivered ? now : null,
        visibleAt: now + invocationVisibleDelayMs,
        child: null,
        stopReason: null,
        done: null,
      })
    }
    commands.set(commandId, command)
    const view = commandView(command)
    // Runs in the background; SendCommand answers at once, with everything still Pending.
    command.finished = schedule(command).catch((error) => problems.push(`schedule ${commandId}: ${error.stack}`))
    return {Command: view}
  }

  /**
   * Run the invocations with at most MaxConcurrency at a time. Once the errors exceed
   * MaxErrors, invocations not yet started end as Cancelled / StatusDetails "Terminated".
   * @param {any} command
   */
  async function schedule(command) {
    // At least one turn of the event loop, so the SendCommand answer leaves first.
    await sleep(pendingDelayMs)
    /** @type {Invocation[]} */
    const queue = [...command.invocations.values()].filter((inv) => inv.status === 'Pending')
    const total = command.invocations.size
    const concurrency = resolveLimit(command.maxConcurrency, total, 1)
    const maxErrors = resolveLimit(command.maxErrors, total, 0)
    let errors = 0
    /** @type {Set<Promise<void>>} */
    const running = new Set()
    for (const invocation of queue) {
      while (running.size >= concurrency) await Promise.race(running)
      if (invocation.status !== 'Pending') continue // cancelled meanwhile
      if (errors > maxErrors || stopping) {
        finish(invocation, 'Cancelled', 'Terminated', -1)
        continue
      }
      if (Date.now() - command.requestedAt > command.timeoutSeconds * 1000) {
        finish(invocation, 'TimedOut', 'Delivery Timed Out', -1)
        continue
      }
      const run = runInvocation(command, invocation).then(() => {
        running.delete(run)
        if (invocation.status === 'Failed' || invocation.status === 'TimedOut') errors += 1
      })
      running.add(run)
    }
    await Promise.all(running)
  }

  /**
   * @param {Invocation} invocation
   * @param {string} status
   * @param {string} details
   * @param {number} code
   */
  function finish(invocation, status, details, code) {
    invocation.status = status
    invocation.statusDetails = details
    invocation.responseCode = code
    invocation.endedAt = Date.now()
  }

  /**
   * A canned host's invocation: a fixed answer after a fixed delay (stdout also shipped to
   * CloudWatch when asked, like a real one).
   * @param {any} command
   * @param {Invocation} invocation
   * @param {{stdout: string, delayMs?: number}} canned
   */
  async function runCanned(command, invocation, canned) {
    invocation.status = 'InProgress'
    invocation.statusDetails = 'InProgress'
    invocation.startedAt = Date.now()
    await sleep(canned.delayMs ?? 50)
    invocation.stdout = canned.stdout
    if (command.cloudWatch.CloudWatchOutputEnabled) {
      const shipper = createShipper(command.cloudWatch.CloudWatchLogGroupName, `${command.commandId}/${invocation.instanceId}/aws-runShellScript`)
      shipper.write('stdout', canned.stdout)
      await shipper.close()
    }
    finish(invocation, 'Success', 'Success', 0)
  }

  /**
   * Run one invocation: the commands as a bash script on the host, in its own process group.
   * @param {any} command
   * @param {Invocation} invocation
   */
  function runInvocation(command, invocation) {
    const instance = /** @type {InstanceRecord} */ (instances.get(invocation.instanceId))
    if (instance.canned) return runCanned(command, invocation, instance.canned)
    const {root, env: hostEnv} = instance.host
    // Where the agent writes the commands: the orchestration folder named by the command id
    // (agent/plugins/runscript/runscript.go: <orchestration>/<command-id>/awsrunShellScript/0.awsrunShellScript/_script.sh).
    const scriptDir = path.join(
      root,
      'var/lib/amazon/ssm',
      invocation.instanceId,
      'document/orchestration',
      command.commandId,
      'awsrunShellScript/0.awsrunShellScript',
    )
    fs.mkdirSync(scriptDir, {recursive: true})
    const scriptFile = path.join(scriptDir, '_script.sh')
    fs.writeFileSync(scriptFile, `${command.script}\n`, {mode: 0o755})
    writeInstanceProfile(hostEnv.HOME || path.join(root, 'home'))
    invocation.status = 'InProgress'
    invocation.statusDetails = 'InProgress'
    invocation.startedAt = Date.now()

    const cwd = command.workingDirectory ? path.join(root, command.workingDirectory) : scriptDir
    if (!fs.existsSync(cwd)) {
      // What the agent reports when it cannot chdir into workingDirectory.
      invocation.stderr = `failed to run commands: chdir ${command.workingDirectory}: no such file or directory`
      finish(invocation, 'Failed', 'Failed', 1)
      return Promise.resolve()
    }

    const shipper = command.cloudWatch.CloudWatchOutputEnabled
      ? createShipper(command.cloudWatch.CloudWatchLogGroupName, `${command.commandId}/${invocation.instanceId}/aws-runShellScript`)
      : null
    // The agent runs `sh -c <script path>` (runshellscript.go) with its own environment plus
    // these two (agent/executers): no AWS_REGION, no credentials.
    const child = spawn('sh', ['-c', scriptFile], {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {...hostEnv, AWS_SSM_INSTANCE_ID: invocation.instanceId, AWS_SSM_REGION_NAME: region},
    })
    invocation.child = child
    invocation.pgid = child.pid ?? null
    const forget = killGroupOnExit(/** @type {number} */ (child.pid))
    child.stdout?.setEncoding('utf8')
    child.stderr?.setEncoding('utf8')
    child.stdout?.on('data', (/** @type {string} */ chunk) => {
      invocation.stdout += chunk
      shipper?.write('stdout', chunk)
    })
    child.stderr?.on('data', (/** @type {string} */ chunk) => {
      invocation.stderr += chunk
      shipper?.write('stderr', chunk)
    })
    const timer = setTimeout(() => {
      invocation.stopReason = 'timeout'
      killGroup(/** @type {number} */ (child.pid), 'SIGKILL')
    }, command.executionTimeoutS * 1000)

    invocation.done = new Promise((resolve) => {
      let exit = /** @type {{code: number | null, signal: string | null} | null} */ (null)
      let settled = false
      const settle = async () => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        forget()
        // After a kill, background jobs may still hold the group: the run is over, kill them too.
        if (invocation.stopReason) killGroup(/** @type {number} */ (child.pid), 'SIGKILL')
        // The agent reports the plugin over only once it has seen the upload complete (createShipper).
        await shipper?.close()
        const code = exit?.code ?? (exit?.signal ? 128 + (os.constants.signals[/** @type {NodeJS.Signals} */ (exit.signal)] ?? 9) : 1)
        if (invocation.stopReason === 'timeout') finish(invocation, 'TimedOut', 'Execution Timed Out', STOPPED_PREEMPTIVELY)
        else if (invocation.stopReason === 'cancel') finish(invocation, 'Cancelled', 'Cancelled', STOPPED_PREEMPTIVELY)
        else if (code === 0) finish(invocation, 'Success', 'Success', 0)
        else finish(invocation, 'Failed', 'Failed', code)
        invocation.child = null
        resolve(undefined)
      }
      child.on('error', (error) => {
        invocation.stderr += `failed to run commands: ${error.message}`
        exit = {code: 1, signal: null}
        settle()
      })
      child.on('exit', (code, signal) => {
        exit = {code, signal}
        // Let the pipes drain, but a background job holding them must not block the result.
        const grace = setTimeout(settle, 300)
        child.on('close', () => {
          clearTimeout(grace)
          settle()
        })
      })
    })
    return invocation.done
  }

  // ------------------------------------------------------------------ CloudWatch shipping

  /**
   * Ship an invocation's output to moto's CloudWatch Logs, line by line, in batches every
   * cloudWatchFlushMs, like the agent. Streams: <prefix>/stdout and <prefix>/stderr. The
   * invocation turns final one interval after the last batch: the agent's uploader sees the end of
   * the file at its next tick, and the plugin waits for that (amazon-ssm-agent
   * iohandler/iomodule/fileS3.go `Read`, cloudwatchlogspublisher `StreamData`, UploadFrequency 1 s).
   * @param {string} group
   * @param {string} prefix
   */
  function createShipper(group, prefix) {
    /** @type {Record<string, {partial: string, events: {timestamp: number, message: string}[], created: boolean}>} */
    const streams = {stdout: {partial: '', events: [], created: false}, stderr: {partial: '', events: [], created: false}}
    let chain = Promise.resolve()
    const interval = setInterval(() => (chain = chain.then(flush)), cloudWatchFlushMs)

    /** @param {'stdout' | 'stderr'} kind @param {string} chunk */
    function write(kind, chunk) {
      const stream = streams[kind]
      const parts = (stream.partial + chunk).split('\n')
      stream.partial = /** @type {string} */ (parts.pop())
      const timestamp = Date.now()
      for (const line of parts) if (line.length) stream.events.push({timestamp, message: line})
    }

    async function flush() {
      for (const [kind, stream] of Object.entries(streams)) {
        if (stream.events.length === 0) continue
        const events = stream.events.splice(0)
        const name = `${prefix}/${kind}`
        try {
          await putEvents(group, name, stream, events)
        } catch (error) {
          problems.push(`CloudWatch ${group} ${name}: ${/** @type {Error} */ (error).message}`)
        }
      }
    }

    async function close() {
      clearInterval(interval)
      for (const stream of Object.values(streams)) {
        if (stream.partial) stream.events.push({timestamp: Date.now(), message: stream.partial})
        stream.partial = ''
      }
      chain = chain.then(flush)
      await chain
      // The uploader sees the end of the file at its next tick: close resolves then.
      await sleep(cloudWatchFlushMs)
    }

    return {write, close}
  }

  /**
   * @param {string} group
   * @param {string} streamName
   * @param {{created: boolean}} stream
   * @param {{timestamp: number, message: string}[]} events
   */
  async function putEvents(group, streamName, stream, events) {
    const {m, client} = await logs()
    const ensure = async () => {
      for (const create of [
        () => new m.CreateLogGroupCommand({logGroupName: group}),
        () => new m.CreateLogStreamCommand({logGroupName: group, logStreamName: streamName}),
      ]) {
        try {
          await client.send(create())
        } catch (error) {
          if (/** @type {Error} */ (error).name !== 'ResourceAlreadyExistsException') throw error
        }
      }
      stream.created = true
    }
    if (!stream.created) await ensure()
    for (let i = 0; i < events.length; i += 5000) {
      const batch = events.slice(i, i + 5000)
      const put = () => client.send(new m.PutLogEventsCommand({logGroupName: group, logStreamName: streamName, logEvents: batch}))
      try {
        await put()
      } catch (error) {
        // The group may have been wiped (moto reset): recreate once.
        if (/** @type {Error} */ (error).name !== 'ResourceNotFoundException') throw error
        await ensure()
        await put()
      }
    }
  }

  // ------------------------------------------------------------------ views

  /** @param {number | null} ms */
  const epoch = (ms) => (ms ? ms / 1000 : undefined)

  /** @param {any} command */
  function commandStatus(command) {
    const invocations = [...command.invocations.values()]
    const total = invocations.length
    const errors =
      invocations.filter((inv) => inv.status === 'Failed' && inv.statusDetails !== 'Undeliverable').length +
      invocations.filter((inv) => inv.statusDetails === 'Execution Timed Out').length
    const active = invocations.filter((inv) => !TERMINAL.has(inv.status))
    if (active.length) {
      if (command.cancelled) return ['Cancelling', 'Cancelling']
      return invocations.every((inv) => inv.status === 'Pending') ? ['Pending', 'Pending'] : ['InProgress', 'InProgress']
    }
    if (command.cancelled) return ['Cancelled', 'Canceled']
    if (total === 0) return ['Success', command.targets.length ? 'No Instances In Tag' : 'Success']
    if (invocations.every((inv) => inv.status === 'Success')) return ['Success', 'Success']
    if (invocations.every((inv) => inv.statusDetails === 'Delivery Timed Out')) return ['TimedOut', 'Delivery Timed Out']
    if (invocations.every((inv) => inv.statusDetails === 'Execution Timed Out')) return ['TimedOut', 'Execution Timed Out']
    if (errors <= resolveLimit(command.maxErrors, total, 0)) return ['Success', 'Incomplete']
    return ['Failed', 'Failed']
  }

  /** @param {any} command */
  function commandView(command) {
    const invocations = [...command.invocations.values()]
    const [Status, StatusDetails] = commandStatus(command)
    return {
      CommandId: command.commandId,
      DocumentName: command.documentName,
      DocumentVersion: '$DEFAULT',
      Comment: command.comment,
      ExpiresAfter: epoch(command.requestedAt + (command.timeoutSeconds + command.executionTimeoutS) * 1000),
      Parameters: command.parameters,
      InstanceIds: command.instanceIds,
      Targets: command.targets,
      RequestedDateTime: epoch(command.requestedAt),
      Status,
      StatusDetails,
      OutputS3Region: region,
      OutputS3BucketName: '',
      OutputS3KeyPrefix: '',
      MaxConcurrency: command.maxConcurrency,
      MaxErrors: command.maxErrors,
      TargetCount: invocations.length,
      CompletedCount: invocations.filter((inv) => TERMINAL.has(inv.status)).length,
      ErrorCount: invocations.filter((inv) => inv.status === 'Failed' || inv.statusDetails === 'Execution Timed Out').length,
      DeliveryTimedOutCount: invocations.filter((inv) => inv.statusDetails === 'Delivery Timed Out').length,
      ServiceRole: '',
      NotificationConfig: {NotificationArn: '', NotificationEvents: [], NotificationType: ''},
      CloudWatchOutputConfig: command.cloudWatch,
      TimeoutSeconds: command.timeoutSeconds,
    }
  }

  /**
   * The plugin Output of ListCommandInvocations: stdout and stderr cut like the agent does.
   * @param {string} stdout
   * @param {string} stderr
   */
  function pluginOutput(stdout, stderr) {
    const truncOut = '\n---Output truncated---'
    const truncErr = '\n---Error truncated----'
    const title = stderr.length ? '\n----------ERROR-------\n' : ''
    const space = PLUGIN_OUTPUT_CAPACITY - title.length
    if (stdout.length + stderr.length < space) return `${stdout}${title}${stderr}`
    if (stdout.length > space / 2 && stderr.length > space / 2) {
      const half = Math.floor((space - truncErr.length - truncOut.length) / 2)
      return `${stdout.slice(0, half)}${truncOut}${title}${stderr.slice(0, half)}${truncErr}`
    }
    if (stdout.length < space / 2) return `${stdout}${title}${stderr.slice(0, space - truncErr.length - stdout.length)}${truncErr}`
    return `${stdout.slice(0, space - truncOut.length - stderr.length)}${truncOut}${title}${stderr}`
  }

  /** @param {any} command @param {Invocation} inv @param {boolean} details */
  function invocationListView(command, inv, details) {
    return {
      CommandId: command.commandId,
      InstanceId: inv.instanceId,
      InstanceName: inv.instanceName,
      Comment: command.comment,
      DocumentName: command.documentName,
      DocumentVersion: '$DEFAULT',
      RequestedDateTime: epoch(command.requestedAt),
      Status: inv.status,
      StatusDetails: inv.statusDetails,
      TraceOutput: '',
      StandardOutputUrl: '',
      StandardErrorUrl: '',
      CommandPlugins: details
        ? [
            {
              Name: 'aws:runShellScript',
              Status: inv.status,
              StatusDetails: inv.statusDetails,
              ResponseCode: inv.responseCode,
              ResponseStartDateTime: epoch(inv.startedAt),
              ResponseFinishDateTime: epoch(inv.endedAt),
              Output: pluginOutput(inv.stdout, inv.stderr),
              StandardOutputUrl: '',
              StandardErrorUrl: '',
              OutputS3Region: region,
              OutputS3BucketName: '',
              OutputS3KeyPrefix: '',
            },
          ]
        : [],
      ServiceRole: '',
      NotificationConfig: {NotificationArn: '', NotificationEvents: [], NotificationType: ''},
      CloudWatchOutputConfig: command.cloudWatch,
    }
  }

  /**
   * Page a list with MaxResults / NextToken (the token is the next offset).
   * @template T
   * @param {T[]} items
   * @param {any} input
   * @param {number} defaultMax
   */
  function page(items, input, defaultMax) {
    const start = input.NextToken ? Number(Buffer.from(input.NextToken, 'base64').toString('utf8')) : 0
    const max = input.MaxResults ?? defaultMax
    const slice = items.slice(start, start + max)
    const next = start + max < items.length ? Buffer.from(String(start + max)).toString('base64') : undefined
    return {slice, next}
  }

  // ------------------------------------------------------------------ actions

  /** @type {Record<string, (input: any) => Promise<any> | any>} */
  const actions = {
    SendCommand: sendCommand,

    GetCommandInvocation(input) {
      const command = commands.get(input.CommandId)
      const inv = command?.invocations.get(input.InstanceId)
      if (!command || !inv || Date.now() < inv.visibleAt) throw new SsmError('InvocationDoesNotExist', '')
      if (input.PluginName && input.PluginName !== 'aws:runShellScript') throw new SsmError('InvalidPluginName', '')
      return {
        CommandId: command.commandId,
        InstanceId: inv.instanceId,
        Comment: command.comment,
        DocumentName: command.documentName,
        DocumentVersion: '$DEFAULT',
        PluginName: 'aws:runShellScript',
        ResponseCode: inv.responseCode,
        ExecutionStartDateTime: inv.startedAt ? new Date(inv.startedAt).toISOString() : '',
        ExecutionElapsedTime: inv.startedAt ? elapsed((inv.endedAt ?? Date.now()) - inv.startedAt) : '',
        ExecutionEndDateTime: inv.endedAt && inv.startedAt ? new Date(inv.endedAt).toISOString() : '',
        Status: inv.status,
        StatusDetails: inv.statusDetails,
        // The service returns output only once the invocation is over.
        StandardOutputContent: TERMINAL.has(inv.status) ? inv.stdout.slice(0, MAX_STDOUT) : '',
        StandardOutputUrl: '',
        StandardErrorContent: TERMINAL.has(inv.status) ? inv.stderr.slice(0, MAX_STDERR) : '',
        StandardErrorUrl: '',
        CloudWatchOutputConfig: command.cloudWatch,
      }
    },

    ListCommandInvocations(input) {
      const selected = input.CommandId ? [commands.get(input.CommandId)].filter(Boolean) : [...commands.values()].reverse()
      if (input.CommandId && selected.length === 0) throw new SsmError('InvalidCommandId', '')
      const rows = selected.flatMap((command) =>
        [...command.invocations.values()]
          .filter((inv) => !input.InstanceId || inv.instanceId === input.InstanceId)
          .map((inv) => invocationListView(command, inv, Boolean(input.Details))),
      )
      const {slice, next} = page(rows, input, 50)
      return {CommandInvocations: slice, ...(next ? {NextToken: next} : {})}
    },

    ListCommands(input) {
      let selected = [...commands.values()].reverse()
      if (input.CommandId) {
        selected = selected.filter((command) => command.commandId === input.CommandId)
        if (selected.length === 0) throw new SsmError('InvalidCommandId', '')
      }
      if (input.InstanceId) selected = selected.filter((command) => command.invocations.has(input.InstanceId))
      const {slice, next} = page(selected.map(commandView), input, 50)
      return {Commands: slice, ...(next ? {NextToken: next} : {})}
    },

    CancelCommand(input) {
      const command = commands.get(input.CommandId)
      if (!command) throw new SsmError('InvalidCommandId', '')
      const targets = input.InstanceIds?.length ? input.InstanceIds : [...command.invocations.keys()]
      if (!input.InstanceIds?.length) command.cancelled = true
      for (const instanceId of targets) {
        const inv = command.invocations.get(instanceId)
        if (!inv || TERMINAL.has(inv.status)) continue
        if (inv.status === 'Pending') {
          finish(inv, 'Cancelled', 'Cancelled', -1)
        } else if (inv.child?.pid) {
          inv.status = 'Cancelling'
          inv.statusDetails = 'Cancelling'
          inv.stopReason = 'cancel'
          killGroup(inv.child.pid, 'SIGKILL')
        }
      }
      return {}
    },

    DescribeInstanceInformation(input) {
      if (input.MaxResults !== undefined && (input.MaxResults < 5 || input.MaxResults > 50)) {
        throw new SsmError(
          'ValidationException',
          `1 validation error detected: Value '${input.MaxResults}' at 'maxResults' failed to satisfy constraint: Member must have value between 5 and 50`,
        )
      }
      /** @type {{key: string, values: string[]}[]} */
      const filters = [
        ...(input.Filters ?? []).map((/** @type {any} */ f) => ({key: f.Key, values: f.Values})),
        ...(input.InstanceInformationFilterList ?? []).map((/** @type {any} */ f) => ({key: f.key, values: f.valueSet})),
      ]
      let records = [...instances.values()]
      for (const {key, values} of filters) {
        if (key === 'InstanceIds') records = records.filter((r) => values.includes(r.instanceId))
        else if (key === 'PingStatus') records = records.filter((r) => values.includes(r.pingStatus))
        else if (key === 'PlatformTypes') records = records.filter(() => values.includes('Linux'))
        else if (key === 'ResourceType') records = records.filter(() => values.includes('EC2Instance'))
        else if (key === 'AgentVersion') records = records.filter((r) => values.includes(r.agentVersion))
        else throw new SsmError('InvalidFilterKey', `Filter key ${key} is not supported by the sandbox`)
      }
      const {slice, next} = page(records, input, 50)
      return {
        InstanceInformationList: slice.map((r) => ({
          InstanceId: r.instanceId,
          PingStatus: r.pingStatus,
          LastPingDateTime: epoch(lastPing(r)),
          AgentVersion: r.agentVersion,
          IsLatestVersion: true,
          PlatformType: 'Linux',
          PlatformName: r.platformName,
          PlatformVersion: r.platformVersion,
          ResourceType: 'EC2Instance',
          IPAddress: r.ipAddress,
          ComputerName: r.computerName,
          AssociationStatus: 'Success',
          SourceId: r.instanceId,
          SourceType: 'AWS::EC2::Instance',
        })),
        ...(next ? {NextToken: next} : {}),
      }
    },

    StartSession(input) {
      const record = instances.get(input.Target)
      if (record?.pingStatus !== 'Online') throw new SsmError('TargetNotConnected', `${input.Target} is not connected.`)
      const sessionId = `upsc-${crypto.randomBytes(9).toString('hex')}`
      const session = {
        SessionId: sessionId,
        Target: input.Target,
        DocumentName: input.DocumentName ?? 'SSM-SessionManagerRunShell',
        Parameters: input.Parameters ?? {},
        Reason: input.Reason ?? '',
        Owner: `arn:aws:iam::${ACCOUNT_ID}:user/testing`,
        Status: 'Connected',
        StartDate: Date.now(),
        EndDate: /** @type {number | null} */ (null),
      }
      sessions.set(sessionId, session)
      return {
        SessionId: sessionId,
        TokenValue: crypto.randomBytes(48).toString('base64'),
        StreamUrl: `wss://ssmmessages.${region}.amazonaws.com/v1/data-channel/${sessionId}?role=publish_subscribe&cell-number=AAEAAQ`,
      }
    },

    TerminateSession(input) {
      const session = sessions.get(input.SessionId)
      if (session && session.Status !== 'Terminated') {
        session.Status = 'Terminated'
        session.EndDate = Date.now()
      }
      return {SessionId: input.SessionId}
    },

    DescribeSessions(input) {
      const active = input.State === 'Active'
      const rows = [...sessions.values()]
        .filter((s) => (active ? s.Status !== 'Terminated' : s.Status === 'Terminated'))
        .map((s) => ({...s, StartDate: epoch(s.StartDate), EndDate: epoch(s.EndDate)}))
      const {slice, next} = page(rows, input, 20)
      return {Sessions: slice, ...(next ? {NextToken: next} : {})}
    },
  }

  // ------------------------------------------------------------------ HTTP

  /** @param {http.IncomingMessage} req */
  function readBody(req) {
    return new Promise((resolve, reject) => {
      /** @type {Buffer[]} */
      const chunks = []
      req.on('data', (chunk) => chunks.push(chunk))
      req.on('end', () => resolve(Buffer.concat(chunks)))
      req.on('error', reject)
    })
  }

  /** @param {http.ServerResponse} res @param {number} status @param {unknown} body @param {Record<string, string>} [headers] */
  function sendJson(res, status, body, headers = {}) {
    const text = JSON.stringify(body)
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': crypto.randomUUID(),
      ...headers,
    })
    res.end(text)
  }

  /** @param {http.ServerResponse} res @param {SsmError} error */
  function sendError(res, error) {
    sendJson(res, error.status, {__type: error.code, message: error.message}, {'x-amzn-errortype': error.code})
  }

  /** @param {string} action */
  const count = (action) => (counts[action] = (counts[action] ?? 0) + 1)

  /**
   * Faults to answer instead of the real thing, for tests of what the CLI does under them:
   * `{action, error, count, after?}` answers the next `count` requests of `action` (after `after`
   * more pass) with `error`: an AWS error code (HTTP 400 with its `__type`, as the JSON protocol
   * sends ThrottlingException or ExpiredTokenException) or `'reset'` (the connection is dropped).
   * @type {{action: string, error: string, count: number, after: number}[]}
   */
  let faults = []
  /** @param {{action: string, error: string, count?: number, after?: number}} fault */
  const injectFault = (fault) => faults.push({count: 1, after: 0, ...fault})
  /** The fault this request of `action` meets, if any. @param {string} action */
  function takeFault(action) {
    const fault = faults.find((f) => f.action === action && f.count > 0)
    if (!fault) return undefined
    if (fault.after > 0) return void fault.after--
    fault.count--
    return fault.error
  }

  /**
   * Pass a request to moto unchanged and relay its answer.
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   * @param {Buffer} body
   */
  async function forward(req, res, body) {
    /** @type {Record<string, string>} */
    const headers = {}
    for (const [name, value] of Object.entries(req.headers)) {
      if (['host', 'connection', 'content-length', 'transfer-encoding', 'expect'].includes(name) || value === undefined) continue
      headers[name] = Array.isArray(value) ? value.join(', ') : value
    }
    const response = await fetch(`${motoUrl}${req.url}`, {
      method: req.method,
      headers,
      body: ['GET', 'HEAD'].includes(req.method ?? 'GET') ? undefined : new Uint8Array(body),
    })
    const payload = Buffer.from(await response.arrayBuffer())
    /** @type {Record<string, string>} */
    const out = {}
    response.headers.forEach((value, name) => {
      if (!['content-encoding', 'transfer-encoding', 'content-length', 'connection'].includes(name)) out[name] = value
    })
    out['content-length'] = String(payload.length)
    res.writeHead(response.status, out)
    res.end(payload)
  }

  /**
   * The control API used by tests and other processes (e.g. the demo).
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   * @param {URL} reqUrl
   */
  async function handleControl(req, res, reqUrl) {
    const route = `${req.method} ${reqUrl.pathname}`
    const body = await readBody(req)
    const input = body.length ? JSON.parse(body.toString('utf8')) : {}
    const reply = (/** @type {number} */ status, /** @type {unknown} */ value) => {
      const text = JSON.stringify(value)
      res.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text)})
      res.end(text)
    }
    const instanceMatch = /^PATCH \/_sandbox\/instances\/([^/]+)$/.exec(route)
    if (route === 'GET /_sandbox/health') return reply(200, {ok: true})
    if (route === 'GET /_sandbox/counts') return reply(200, {...counts})
    if (route === 'POST /_sandbox/counts/reset') return reply(200, ((counts = {}), {}))
    if (route === 'GET /_sandbox/instances') return reply(200, [...instances.values()])
    if (route === 'POST /_sandbox/instances') return reply(201, (registerInstance(input), {instanceId: input.instanceId}))
    if (instanceMatch) return reply(200, (updateInstance(decodeURIComponent(instanceMatch[1]), input), {}))
    if (route === 'GET /_sandbox/sessions') return reply(200, [...sessions.values()])
    if (route === 'GET /_sandbox/commands') return reply(200, listCommandsRaw())
    if (route === 'GET /_sandbox/problems') return reply(200, problems)
    if (route === 'POST /_sandbox/faults') return reply(200, (injectFault(input), {}))
    if (route === 'DELETE /_sandbox/faults') return reply(200, ((faults = []), {}))
    return reply(404, {error: `no route ${route}`})
  }

  function listCommandsRaw() {
    return [...commands.values()].map((command) => ({
      commandId: command.commandId,
      comment: command.comment,
      status: commandStatus(command)[0],
      script: command.script,
      invocations: [...command.invocations.values()].map((inv) => ({
        instanceId: inv.instanceId,
        status: inv.status,
        statusDetails: inv.statusDetails,
        responseCode: inv.responseCode,
        startedAt: inv.startedAt,
        endedAt: inv.endedAt,
      })),
    }))
  }

  const server = http.createServer(async (req, res) => {
    try {
      const reqUrl = new URL(req.url ?? '/', 'http://sandbox')
      if (reqUrl.pathname.startsWith('/_sandbox/')) return await handleControl(req, res, reqUrl)
      const target = String(req.headers['x-amz-target'] ?? '')
      const action = target.startsWith('AmazonSSM.') ? target.slice('AmazonSSM.'.length) : ''
      count(action || `${req.method} ${reqUrl.pathname}`)
      const fault = takeFault(action)
      if (fault === 'reset') return req.socket.destroy()
      if (fault)
        throw new SsmError(
          fault,
          fault === 'ThrottlingException'
            ? 'Rate exceeded'
            : fault === 'ExpiredTokenException'
              ? 'The security token included in the request is expired'
              : fault,
        )
      const handler = Object.hasOwn(actions, action) ? actions[action] : undefined
      const body = await readBody(req)
      if (!handler) return await forward(req, res, body)
      let input
      try {
        input = body.length ? JSON.parse(body.toString('utf8')) : {}
      } catch {
        throw new SsmError('SerializationException', 'Request body is not valid JSON')
      }
      sendJson(res, 200, await handler(input))
    } catch (error) {
      if (res.headersSent) return res.destroy()
      if (error instanceof SsmError) return sendError(res, error)
      problems.push(String(/** @type {Error} */ (error).stack))
      sendError(res, new SsmError('InternalServerError', String(/** @type {Error} */ (error).message), 500))
    }
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(undefined))
  })
  const actualPort = /** @type {import('node:net').AddressInfo} */ (server.address()).port
  url = `http://127.0.0.1:${actualPort}`

  return {
    url,
    port: actualPort,
    region,
    registerInstance,
    updateInstance,
    /** @param {string} instanceId */
    unregisterInstance: (instanceId) => instances.delete(instanceId),
    /** Requests per action, forwarded ones included. @returns {Record<string, number>} */
    requestCounts: () => ({...counts}),
    resetCounts: () => {
      counts = {}
    },
    /** Sessions started: [{SessionId, Target, Status: 'Connected'|'Terminated', ...}]. */
    sessions: () => [...sessions.values()].map((s) => ({...s})),
    /** Commands with their invocations (raw, for assertions). */
    commands: listCommandsRaw,
    /** Wait until every invocation of a command is over. @param {string} commandId */
    async waitForCommand(commandId) {
      await commands.get(commandId)?.finished
    },
    injectFault,
    clearFaults: () => {
      faults = []
    },
    /** Faults not yet used up. */
    pendingFaults: () => faults.filter((f) => f.count > 0).map((f) => ({...f})),
    /** Problems hit in the background (CloudWatch upload errors, ...). */
    problems: () => [...problems],
    /** Kill running scripts (their process groups) and close the server. */
    async stop() {
      stopping = true
      const running = [...commands.values()].flatMap((command) => [...command.invocations.values()]).filter((inv) => inv.child?.pid)
      for (const inv of running) {
        inv.stopReason = 'cancel'
        killGroup(/** @type {number} */ (inv.child?.pid), 'SIGKILL')
      }
      await Promise.all(running.map((inv) => inv.done))
      await Promise.all([...commands.values()].map((command) => command.finished))
      // Background jobs the scripts left behind (same process group, started by us).
      const groups = new Set([...commands.values()].flatMap((command) => [...command.invocations.values()].map((inv) => inv.pgid)).filter(Boolean))
      for (const pid of findProcesses((proc) => groups.has(proc.pgid()) && proc.environ().includes('AWS_SSM_INSTANCE_ID='))) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          /* gone */
        }
      }
      server.closeAllConnections()
      await new Promise((resolve) => server.close(() => resolve(undefined)))
      for (const client of [await ec2Client, await logsModule]) client?.client.destroy()
    },
  }
}

/** "PT12.345S", the ExecutionElapsedTime format. @param {number} ms */
function elapsed(ms) {
  return `PT${(ms / 1000).toFixed(3)}S`
}

// ------------------------------------------------------------------ CLI

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2)
  const arg = (/** @type {string} */ name) => {
    const i = args.indexOf(name)
    return i >= 0 ? args[i + 1] : undefined
  }
  const motoUrl = arg('--moto')
  if (!motoUrl) {
    process.stderr.write('usage: node tools/stand-in/ssm-sandbox.js --moto URL [--region R] [--port P]\n')
    process.exit(2)
  }
  const sandbox = await startSsmSandbox({motoUrl, region: arg('--region'), port: Number(arg('--port') ?? 0)})
  process.stdout.write(`${JSON.stringify({url: sandbox.url, port: sandbox.port})}\n`)
  const shutdown = () => sandbox.stop().then(() => process.exit(0))
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
}
