/**
 * Follow one CloudWatch Logs stream from its head with GetLogEvents and its forward token: each
 * event is delivered once, in order, however late the stream appears (Run Command creates it
 * only when the first output line is shipped).
 */
import type {CloudWatchLogsClient} from '@aws-sdk/client-cloudwatch-logs'

import {describeAwsError} from './errors.js'
import {getLogEventsBudget, type TokenBucket} from './rate-budget.js'

export interface StreamFollower {
  /** Read whatever is new now; returns the number of events delivered. */
  poll(): Promise<number>
  /** True once the stream has been seen to exist. */
  readonly seen: boolean
}

export function followStream(
  logs: CloudWatchLogsClient,
  group: string,
  stream: string,
  onEvent: (message: string, timestamp: number) => void,
  budget: TokenBucket = getLogEventsBudget,
  /** True once the caller has read all it needs (its last line): a poll then stops without asking for more. */
  done: () => boolean = () => false,
): StreamFollower {
  let token: string | undefined
  let seen = false
  return {
    get seen() {
      return seen
    },
    async poll() {
      const {GetLogEventsCommand} = await import('./sdk/logs.js')
      let delivered = 0
      for (;;) {
        let out
        await budget.take()
        try {
          out = await logs.send(
            new GetLogEventsCommand({logGroupName: group, logStreamName: stream, startFromHead: true, ...(token ? {nextToken: token} : {})}),
          )
        } catch (error) {
          // Not created yet: the agent creates the stream with the first output it ships.
          if ((error as {name?: string}).name === 'ResourceNotFoundException') return delivered
          throw describeAwsError(error, {action: 'logs:GetLogEvents'})
        }
        seen = true
        for (const e of out.events ?? []) onEvent(e.message ?? '', e.timestamp ?? 0)
        delivered += out.events?.length ?? 0
        // The same token back means the end of what is there now.
        const same = out.nextForwardToken === token
        token = out.nextForwardToken ?? token
        if (same || (out.events?.length ?? 0) === 0 || done()) return delivered
      }
    },
  }
}
