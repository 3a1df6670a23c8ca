#!/usr/bin/env node
// The floor for `upsc logs`: one process, the AWS SDK, paging FilterLogEvents through the same
// range the way a minimal client does (one query, nextToken after nextToken), printing nothing.
// Usage: node bench/logs-floor.js <logGroup> <startTimeMs>   (endpoint and credentials from the env)
// Prints the number of events read on stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
const {CloudWatchLogsClient, FilterLogEventsCommand} = await import('@aws-sdk/client-cloudwatch-logs')

const [group, start] = process.argv.slice(2)
const client = new CloudWatchLogsClient({})
let events = 0
let nextToken
do {
  const out = await client.send(new FilterLogEventsCommand({logGroupName: group, startTime: Number(start), interleaved: true, nextToken}))
  events += out.events?.length ?? 0
  nextToken = out.nextToken
} while (nextToken)
client.destroy()
process.stderr.write(`${events}\n`)
