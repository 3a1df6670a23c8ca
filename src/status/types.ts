/** The probe document printed by probe.sh (docs/REMOTE-CONTRACT.md) and the status result built from it. */
import type {DeployStats} from './failure-rate.js'

// A type, not an interface: a host document, open to keys upsc does not read (render/json-schemas.ts).
export type ProbeDocument = {
  schema: number
  host?: {hostname?: string; uptimeSeconds?: number | null; diskFreeBytes?: number | null; diskTotalBytes?: number | null; diskFreePercent?: number | null}
  docker?: {running: boolean; serverVersion?: string | null; composeVersion?: string | null; error?: string | null}
  repo?: {
    present: boolean
    branch?: string | null
    commit?: string | null
    running?: string | null
    clean?: boolean | null
    untracked?: string[]
    untrackedCount?: number
    error?: string | null
  }
  images?: {repository: string; tag: string; id?: string; createdAt?: string | null; ageSeconds?: number | null}[]
  services?: {name: string; state: string; health?: string | null; restarts?: number | null}[]
  healthChecks?: {name: string; url?: string | null; expect: number; status?: number | null; ok: boolean; latencyMs?: number | null; error?: string | null}[]
  units?: {name: string; present: boolean; enabled?: string | null; active?: string | null}[]
  lastDeployment?: Record<string, unknown> | null
  bootstrap?: Record<string, unknown> | null
  /** Stages with traffic services (docs/BLUE-GREEN.md): the colours and the proxy. */
  blueGreen?: BlueGreenProbe | null
  /** UPSC_HOME/monitor.json: the monitor's last run (docs/HOST-SIGNALS.md). */
  monitor?: MonitorDocument | null
}

export interface MonitorDocument {
  checkedAt?: string
  outcome?: string
  detail?: string | null
  restarts24h?: Record<string, number>
  lastRecoveryAt?: string | null
  openIncidents?: string[]
}

export interface BlueGreenProbe {
  strategy: string
  live: 'blue' | 'green' | null
  liveCommit: string | null
  idle: 'blue' | 'green' | null
  idleState: 'running' | 'stopped' | null
  idleCommit: string | null
  proxy: {running: boolean; ports: {service: string; port: number; status: number | null; colour: string | null}[]}
}

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
