/**
 * One request budget shared by everything that calls one API in this process: a token bucket.
 *
 * GetLogEvents has an account-wide quota of 25 requests per second per region
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html). A deploy
 * follows one stream per host, so a fleet would pass it; every follower takes from one bucket set
 * below the quota, leaving room for other tools of the account.
 */
import {sleep} from '../util/sleep.js'

export class TokenBucket {
  private tokens: number
  private last: number

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
    private readonly wait: (ms: number, signal?: AbortSignal) => Promise<void> = sleep,
  ) {
    this.tokens = burst
    this.last = now()
  }

  /** Take one token, waiting for it when the bucket is empty (or until `signal` aborts). */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.now()
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond)
      this.last = now
      if (this.tokens >= 1 || signal?.aborted) {
        this.tokens -= 1
        return
      }
      await this.wait(Math.ceil(((1 - this.tokens) / this.perSecond) * 1000), signal)
    }
  }
}

/** GetLogEvents' account quota (see above), and the share of it upsc takes. */
export const GET_LOG_EVENTS_QUOTA_PER_SECOND = 25
export const getLogEventsBudget = new TokenBucket(20, 20)
