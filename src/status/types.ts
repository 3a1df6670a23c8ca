/** The probe document printed by probe.sh (docs/REMOTE-CONTRACT.md) and the status result built from it. */
import type {BlueGreenProbeResult, MonitorResult, ProbeResult} from '../remote/results.js'
import type {DeployStats} from './failure-rate.js'

/** The probe's result, its monitor and blue-green parts: inferred from probe.sh's schema (remote/results.ts). */
export type ProbeDocument = ProbeResult
export type MonitorDocument = MonitorResult
export type BlueGreenProbe = BlueGreenProbeResult

/** Facts gathered about one instance, from EC2, SSM, CloudWatch Logs and the probe. */
export interface InstanceFacts {
  instanceId: string
  name?: string
  ec2State: string
  launchTime?: string
  /** From DescribeInstanceStatus: ok, impaired, initializing, insufficient-data, not-applicable. */
  systemStatus?: string
  instanceStatus?: string
  /** From DescribeInstanceInformation; undefined when the instance is not managed by SSM. */
  ssm?: {pingStatus: string; agentVersion?: string; isLatestVersion?: boolean; lastPing?: string}
  /** Newest event time per configured log stream alias (undefined: no such stream). */
  logStreams: {alias: string; stream: string; lastEventAt?: string}[]
  probe?: ProbeDocument
  /** Why the probe could not run or returned nothing readable. */
  probeError?: string
}

export type Verdict = 'ok' | 'warn' | 'fail' | 'skip'

export interface Check {
  /** Stable id, e.g. `ec2.state`, `service.api`, `health.api`, `logs.deploy`. */
  id: string
  label: string
  verdict: Verdict
  detail: string
}

export interface InstanceStatus {
  instanceId: string
  name?: string
  verdict: Exclude<Verdict, 'skip'>
  checks: Check[]
  /** The raw probe document, for --json consumers. */
  probe?: ProbeDocument
}

export interface StatusResult {
  schema: 1
  stage: string
  region?: string
  checkedAt: string
  summary: {
    instances: number
    healthy: number
    warnings: number
    failing: number
    failed: {instanceId: string; name?: string; checks: string[]}[]
    /** The failure rate of the stage's last deploys, from CloudWatch metrics (absent without them). */
    deploys?: DeployStats
  }
  instances: InstanceStatus[]
}
