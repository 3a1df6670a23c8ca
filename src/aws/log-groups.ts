import type {CloudWatchLogsClient} from '@aws-sdk/client-cloudwatch-logs'

/** Does the log group exist? (DescribeLogGroups by prefix, then an exact match.) */
export async function logGroupExists(logs: CloudWatchLogsClient, name: string): Promise<boolean> {
  const {DescribeLogGroupsCommand} = await import('./sdk/logs.js')
  const out = await logs.send(new DescribeLogGroupsCommand({logGroupNamePrefix: name, limit: 50}))
  return (out.logGroups ?? []).some((g) => g.logGroupName === name)
}
