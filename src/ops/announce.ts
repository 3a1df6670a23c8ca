/**
 * After a deploy or rollback: put its metrics in CloudWatch and announce it on the stage's SNS
 * topic. Neither may change the outcome: a metric or a notification that cannot be sent becomes a
 * warning line, never an error, and each call is bounded in time so that a hung endpoint cannot
 * hold the command's exit.
 */
import type {AwsClients} from '../aws/clients.js'
import {putMetricData} from '../aws/metrics.js'
import {publish} from '../aws/sns.js'
import type {StageContext} from './context.js'
import {MAX_DATA_PER_PUT, METRICS_NAMESPACE, metricData} from '../outcome/metrics.js'
import {notificationMessage, notificationSubject, shouldNotify} from '../outcome/message.js'
import {buildReport, type OperationKind, type OperationReport} from '../outcome/announcement.js'
import type {HostResult} from '../outcome/host-result.js'
import type {DeployResult, RollbackResult} from '../outcome/results.js'
import type {ReportLine} from '../remote/report-lines.js'

/** Per AWS call, retries included. */
const SEND_TIMEOUT_MS = 15_000

export interface FinishedOperation {
  kind: OperationKind
  caller: string
  exitCode: number
  hosts: HostResult[]
  commandIdOf: (instanceId: string) => string | undefined
  /** Following stopped before the end: the outcome is not known yet, so nothing is reported. */
  detached: boolean
  branch?: string
  deployId?: string
}

/**
 * A host's result line was read: the outcome will be reported soon (the agent reports the
 * invocation over only once its upload ends, 1 to 3 s on AWS). Load the clients the report uses
 * meanwhile, so that the end does not wait for them; a failure shows when the report is sent.
 */
export function reportSoon(ctx: StageContext): void {
  const {stage, clients} = ctx
  if (stage.metrics.enabled) clients.cloudwatch().catch(() => undefined)
  if (stage.notify.snsTopicArn) topicClient(clients, stage.notify.snsTopicArn).catch(() => undefined)
}

/** Pass each line on; the first result line starts loading what the report needs (reportSoon). */
export function loadingReportOnResult(ctx: StageContext, onLine?: (instanceId: string, line: ReportLine) => void) {
  let started = false
  return (instanceId: string, line: ReportLine) => {
    if (line.kind === 'result' && !started) {
      started = true
      reportSoon(ctx)
    }
    onLine?.(instanceId, line)
  }
}

/** Report a deploy's outcome; returns the warnings (empty when everything was sent). */
export function reportDeploy(ctx: StageContext, result: DeployResult, caller: string): Promise<string[]> {
  return reportOutcome(ctx, {
    kind: 'deploy',
    caller,
    exitCode: result.exitCode,
    hosts: result.hosts,
    commandIdOf: () => result.commandId,
    detached: result.detached,
    ...(result.branch ? {branch: result.branch} : {}),
    ...(result.deployId ? {deployId: result.deployId} : {}),
  })
}

/** Report a rollback's outcome; `commandOf` says which Run Command each host ran. */
export function reportRollback(ctx: StageContext, result: RollbackResult, caller: string, commandOf: Map<string, string>): Promise<string[]> {
  return reportOutcome(ctx, {
    kind: 'rollback',
    caller,
    exitCode: result.exitCode,
    hosts: result.hosts,
    commandIdOf: (id) => commandOf.get(id),
    detached: result.detached,
  })
}

export async function reportOutcome(ctx: StageContext, op: FinishedOperation, now = new Date()): Promise<string[]> {
  if (op.detached) return []
  const {stage} = ctx
  try {
    const report = buildReport({...op, stage: stage.name, runCommandLogGroup: stage.runCommandLogGroup, at: now})
    if (!report) return []
    const topic = stage.notify.snsTopicArn
    const sends: Promise<string | undefined>[] = []
    if (stage.metrics.enabled) sends.push(putMetrics(ctx.clients, report))
    if (topic && shouldNotify(report, stage.notify.onSuccess)) sends.push(publishReport(ctx.clients, topic, report))
    return (await Promise.all(sends)).filter((w): w is string => w !== undefined)
  } catch (error) {
    // Each send catches its own errors; this is for the unforeseen: the outcome still stands.
    return [`the ${op.kind} was not reported: ${sendFailure(error)}; the ${op.kind}'s outcome stands`]
  }
}

async function putMetrics(clients: AwsClients, report: OperationReport): Promise<string | undefined> {
  const data = metricData(report)
  try {
    const cloudwatch = await clients.cloudwatch()
    const batches = Array.from({length: Math.ceil(data.length / MAX_DATA_PER_PUT)}, (_, i) => data.slice(i * MAX_DATA_PER_PUT, (i + 1) * MAX_DATA_PER_PUT))
    await Promise.all(batches.map((batch) => putMetricData(cloudwatch, METRICS_NAMESPACE, batch, AbortSignal.timeout(SEND_TIMEOUT_MS))))
    return undefined
  } catch (error) {
    return `metrics not sent to CloudWatch (${METRICS_NAMESPACE}): ${sendFailure(error, 'cloudwatch:PutMetricData')}; the ${report.kind}'s outcome stands`
  }
}

/** The SNS client for a topic, which may live in another region than the stage: its ARN says where. */
const topicClient = (clients: AwsClients, topicArn: string) => clients.sns(topicArn.split(':')[3])

async function publishReport(clients: AwsClients, topicArn: string, report: OperationReport): Promise<string | undefined> {
  try {
    const sns = await topicClient(clients, topicArn)
    await publish(sns, {topicArn, subject: notificationSubject(report), text: notificationMessage(report)}, AbortSignal.timeout(SEND_TIMEOUT_MS))
    return undefined
  } catch (error) {
    return `notification not sent to ${topicArn}: ${sendFailure(error, 'sns:Publish')}; the ${report.kind}'s outcome stands`
  }
}

/** Pure: why a send failed, on one line, naming the permission when it was refused. */
export function sendFailure(error: unknown, action?: string): string {
  const e = (error ?? {}) as {name?: string; message?: string; $metadata?: {httpStatusCode?: number}}
  const name = e.name ?? 'Error'
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${SEND_TIMEOUT_MS / 1000}s`
  const text = `${name}: ${(e.message ?? String(error)).replace(/\s+/g, ' ').trim()}`
  const denied = /AccessDenied|AuthorizationError|NotAuthorized/i.test(name) || e.$metadata?.httpStatusCode === 403
  return denied && action ? `${text} (the caller needs ${action})` : text
}
