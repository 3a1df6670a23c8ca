// The CloudWatch agent of one sandbox host, as far as upsc uses it: the `logs.logs_collected.files`
// section of an agent config (the one `upsc bootstrap cloudwatch-agent` generates). Each
// `collect_list` entry's file (host path under the host's root; `*` globs in any segment) is tailed
// and its new lines put into moto's CloudWatch Logs, group `log_group_name`, stream
// `log_stream_name` with `{instance_id}` / `{hostname}` filled in; group and stream are created when
// missing. As the agent does (amazon-cloudwatch-agent, plugins/inputs/logfile): a file is read from
// its start the first time it is seen (no state file yet), the whole line is the message, the event
// time comes from `timestamp_format` at the start of the line (else the time it was read), empty
// lines are dropped, and events are flushed every `force_flush_interval` seconds (here
// `flushMs`, default 200 ms, so that tests do not wait 5 s).
import fs from 'node:fs'
import path from 'node:path'
import {quietSdkClient, whenRigGone} from './util.js'

/** The agent's strftime-like formats upsc uses -> a regexp on the start of a line. */
const FORMATS = {'%Y-%m-%dT%H:%M:%SZ': /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z/}

/**
 * `createGroup: false` (the fake docker's awslogs driver without `awslogs-create-group`): a missing
 * group is an error, as the driver has it.
 * @param {{root: string, config: any, instanceId: string, hostname?: string, motoUrl: string, region: string, flushMs?: number, createGroup?: boolean}} options
 */
export function startCloudWatchAgent({root, config, instanceId, hostname = 'ip-10-0-0-1', motoUrl, region, flushMs = 200, createGroup = true}) {
  const entries = config?.logs?.logs_collected?.files?.collect_list ?? []
  /** @type {Map<string, {offset: number, partial: string}>} */
  const files = new Map()
  const created = new Set()
  const problems = []
  let clientPromise
  const logs = () =>
    (clientPromise ??= import('@aws-sdk/client-cloudwatch-logs').then((m) => ({
      m,
      client: quietSdkClient(
        () => new m.CloudWatchLogsClient({region, endpoint: motoUrl, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}, maxAttempts: 2}),
      ),
    })))

  /** Host paths matching a file_path with `*` segments. */
  function expand(pattern) {
    let found = [root]
    for (const segment of pattern.split('/').filter(Boolean)) {
      const next = []
      for (const dir of found) {
        if (!segment.includes('*')) {
          next.push(path.join(dir, segment))
          continue
        }
        const re = new RegExp(
          `^${segment
            .split('*')
            .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
            .join('.*')}$`,
        )
        try {
          for (const name of fs.readdirSync(dir)) if (re.test(name)) next.push(path.join(dir, name))
        } catch {
          // not there (yet)
        }
      }
      found = next
    }
    return found.filter((f) => {
      try {
        return fs.statSync(f).isFile()
      } catch {
        return false
      }
    })
  }

  /** New complete lines of a file since the last read. */
  function readNew(file) {
    const state = files.get(file) ?? {offset: 0, partial: ''}
    files.set(file, state)
    const size = fs.statSync(file).size
    if (size < state.offset) Object.assign(state, {offset: 0, partial: ''}) // truncated or rotated
    if (size === state.offset) return []
    const fd = fs.openSync(file, 'r')
    try {
      const buffer = Buffer.alloc(size - state.offset)
      fs.readSync(fd, buffer, 0, buffer.length, state.offset)
      state.offset = size
      const parts = (state.partial + buffer.toString('utf8')).split('\n')
      state.partial = parts.pop() ?? ''
      return parts
    } finally {
      fs.closeSync(fd)
    }
  }

  function eventTime(line, format) {
    const m = format && FORMATS[format]?.exec(line)
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : Date.now()
  }

  async function put(group, stream, events) {
    const {m, client} = await logs()
    const key = `${group}\n${stream}`
    const ensure = async () => {
      const creates = [
        () => new m.CreateLogGroupCommand({logGroupName: group}),
        () => new m.CreateLogStreamCommand({logGroupName: group, logStreamName: stream}),
      ]
      for (const create of createGroup ? creates : creates.slice(1)) {
        try {
          await client.send(create())
        } catch (error) {
          if (error.name !== 'ResourceAlreadyExistsException') throw error
        }
      }
      created.add(key)
    }
    if (!created.has(key)) await ensure()
    // PutLogEvents wants the events of a batch in time order.
    events.sort((a, b) => a.timestamp - b.timestamp)
    for (let i = 0; i < events.length; i += 5000) {
      const batch = events.slice(i, i + 5000)
      const send = () => client.send(new m.PutLogEventsCommand({logGroupName: group, logStreamName: stream, logEvents: batch}))
      try {
        await send()
      } catch (error) {
        if (error.name !== 'ResourceNotFoundException') throw error
        await ensure()
        await send()
      }
    }
  }

  async function flush() {
    for (const entry of entries) {
      const stream = entry.log_stream_name.replaceAll('{instance_id}', instanceId).replaceAll('{hostname}', hostname)
      const events = []
      for (const file of expand(entry.file_path)) {
        for (const line of readNew(file)) if (line.trim()) events.push({timestamp: eventTime(line, entry.timestamp_format), message: line})
      }
      if (events.length === 0) continue
      try {
        await put(entry.log_group_name, stream, events)
      } catch (error) {
        problems.push(`${entry.log_group_name} ${stream}: ${error.message}`)
      }
    }
  }

  let chain = Promise.resolve()
  const tick = () => (chain = chain.then(flush))
  const interval = setInterval(tick, flushMs)
  return {
    /** Ship what the files hold now. */
    flush: () => tick(),
    problems: () => [...problems],
    async stop() {
      clearInterval(interval)
      await tick()
    },
  }
}

/** IMDSv2, as the agent asks it (`-m ec2`): the instance id and the region. */
async function fromImds(endpoint) {
  const token = await (await fetch(`${endpoint}/latest/api/token`, {method: 'PUT', headers: {'X-aws-ec2-metadata-token-ttl-seconds': '60'}})).text()
  const get = async (p) => {
    const res = await fetch(`${endpoint}/latest/meta-data/${p}`, {headers: {'X-aws-ec2-metadata-token': token}})
    if (!res.ok) throw new Error(`IMDS ${p}: HTTP ${res.status}`)
    return res.text()
  }
  return {instanceId: await get('instance-id'), region: await get('placement/region')}
}

// CLI, what the bootstrap's fake amazon-cloudwatch-agent-ctl starts in the background:
//   node cloudwatch-agent.js --root R --config FILE
// The instance id and region come from IMDS (AWS_EC2_METADATA_SERVICE_ENDPOINT), CloudWatch Logs is
// AWS_ENDPOINT_URL (moto). Runs until killed (SIGTERM: ships what is left first).
//   node cloudwatch-agent.js --file F --group G --stream S --region R [--create-group]
// The second form is the fake docker's awslogs driver: one file, one stream, no IMDS.
if (import.meta.url === `file://${process.argv[1]}` && process.argv.includes('--file')) {
  const arg = (name) => process.argv[process.argv.indexOf(name) + 1]
  const file = arg('--file')
  const config = {
    logs: {logs_collected: {files: {collect_list: [{file_path: file, log_group_name: arg('--group'), log_stream_name: arg('--stream'), timezone: 'UTC'}]}}},
  }
  startCloudWatchAgent({
    root: '/',
    config,
    instanceId: '',
    region: arg('--region'),
    motoUrl: process.env.AWS_ENDPOINT_URL,
    createGroup: process.argv.includes('--create-group'),
  })
  whenRigGone(path.dirname(file), () => process.exit(0))
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name) => process.argv[process.argv.indexOf(name) + 1]
  const {instanceId, region} = await fromImds(process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? 'http://169.254.169.254')
  const agent = startCloudWatchAgent({
    root: arg('--root'),
    config: JSON.parse(fs.readFileSync(arg('--config'), 'utf8')),
    instanceId,
    region,
    motoUrl: process.env.AWS_ENDPOINT_URL,
  })
  process.on('SIGTERM', () => agent.stop().then(() => process.exit(0)))
  // Gone with its host: when the host folder is removed or the test process that made it died.
  whenRigGone(arg('--root'), () => process.exit(0))
}
