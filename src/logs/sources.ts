/**
 * Pure: which groups and streams `upsc logs` reads, and how each line is labelled.
 *
 * A --stream value is an alias from the stage's logStreams (expanded with {instance_id} for each
 * instance), else a stream name prefix (an exact name is a prefix of itself). The result is a set
 * of disjoint FilterLogEvents queries: a name covered by a prefix, or a prefix covered by a shorter
 * one, is dropped, so no event is read twice.
 */
import {ExitCode} from '../errors/exit-codes.js'
import {UpscError, usageError} from '../errors/upsc-error.js'
import type {LogSource} from './event.js'

/** FilterLogEvents takes at most 100 stream names. */
export const MAX_NAMES_PER_QUERY = 100
const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/

export interface SelectionInput {
  /** The stage's group first, then --group values. */
  groups: string[]
  /** --stream values. */
  streams: string[]
  /** The stage's logStreams: alias -> name pattern with {instance_id}. */
  aliases: Record<string, string>
  /** Instances to expand {instance_id} with. */
  instanceIds: string[]
  /** True when --instance was given: without --stream or --service it selects every stream of those instances. */
  instancesGiven: boolean
  /** --service values: each one's container stream on every instance. */
  services?: string[]
}

/** A compose service name (what the host names a container stream by). */
const SERVICE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/

/** The stream of one service's containers on one instance: `{instance_id}/containers/<service>` (or the `containers` alias's). */
export function serviceStream(aliases: Record<string, string>, instanceId: string, service: string): string {
  return `${(aliases.containers ?? '{instance_id}/containers').replaceAll('{instance_id}', instanceId)}/${service}`
}

/** The group list: the stage's own, then each --group once. */
export function logGroups(stageGroup: string, extra: string[]): string[] {
  return [...new Set([stageGroup, ...extra])]
}

/** The --stream values in effect: --instance alone (no --service either) means every per-instance alias. */
export function effectiveStreams(input: Pick<SelectionInput, 'streams' | 'aliases' | 'instancesGiven' | 'services'>): string[] {
  if (input.streams.length > 0 || !input.instancesGiven || (input.services ?? []).length > 0) return input.streams
  return Object.keys(input.aliases).filter((alias) => input.aliases[alias]!.includes('{instance_id}'))
}

/** True when resolving the selection needs the stage's instance ids (an alias uses {instance_id}). */
export function needsInstances(input: Pick<SelectionInput, 'streams' | 'aliases' | 'instancesGiven' | 'services'>): boolean {
  return (input.services ?? []).length > 0 || effectiveStreams(input).some((s) => input.aliases[s]?.includes('{instance_id}'))
}

/** --instance values that are all instance ids need no EC2 lookup (and work for terminated instances). */
export function explicitInstanceIds(values: string[]): string[] | undefined {
  return values.length > 0 && values.every((v) => INSTANCE_ID.test(v)) ? values : undefined
}

export function planSources(input: SelectionInput): LogSource[] {
  const streams = effectiveStreams(input)
  const services = input.services ?? []
  // --instance alone: every stream of those instances (`{instance_id}/...`), besides their aliases.
  const wholeInstances = input.instancesGiven && input.streams.length === 0 && services.length === 0
  if (streams.length === 0 && services.length === 0 && !wholeInstances) return input.groups.map((group) => ({group}))
  const names = new Set<string>()
  const prefixes = new Set<string>(wholeInstances ? input.instanceIds.map((id) => `${id}/`) : [])
  for (const service of services) {
    if (!SERVICE.test(service))
      throw usageError(
        'bad-service',
        `--service "${service}" is not a compose service name.`,
        'Give a service of the compose file, such as api (letters, digits, _ . -).',
      )
    for (const id of input.instanceIds) names.add(serviceStream(input.aliases, id, service))
  }
  for (const value of streams) {
    if (value === '' || /[:*]/.test(value))
      throw usageError(
        'bad-stream',
        `--stream "${value}" is not a stream name, prefix or alias.`,
        `Stream names cannot contain ":" or "*"; a prefix such as app/ matches app/api and app/worker. Aliases of this stage: ${Object.keys(input.aliases).join(', ') || 'none'}.`,
      )
    const pattern = input.aliases[value]
    if (pattern === undefined) prefixes.add(value)
    else if (pattern.includes('{instance_id}')) for (const id of input.instanceIds) names.add(pattern.replaceAll('{instance_id}', id))
    else names.add(pattern)
  }
  const keptPrefixes = [...prefixes].filter((p) => ![...prefixes].some((q) => q !== p && p.startsWith(q))).sort()
  const keptNames = [...names].filter((n) => !keptPrefixes.some((p) => n.startsWith(p))).sort()
  const sources: LogSource[] = []
  for (const group of input.groups) {
    for (let i = 0; i < keptNames.length; i += MAX_NAMES_PER_QUERY) sources.push({group, names: keptNames.slice(i, i + MAX_NAMES_PER_QUERY)})
    for (const prefix of keptPrefixes) sources.push({group, prefix})
  }
  return sources
}

/**
 * Short, unique group names for labels: the fewest trailing path segments that tell the groups
 * apart (`/aws/ec2/upscpro-stage2-docker` -> `upscpro-stage2-docker`).
 */
export function shortGroupNames(groups: string[]): Map<string, string> {
  const segments = groups.map((g) => g.split('/').filter(Boolean))
  const result = new Map<string, string>()
  groups.forEach((group, i) => {
    const own = segments[i]!
    for (let k = 1; k <= own.length; k++) {
      const tail = own.slice(-k).join('/')
      const clash = segments.some((other, j) => j !== i && other.slice(-k).join('/') === tail)
      if (!clash) {
        result.set(group, tail)
        return
      }
    }
    result.set(group, group)
  })
  return result
}

/**
 * The label of each line: the stream name, prefixed with the short group name when several
 * groups are read (stream names cannot contain ":", so it separates them unambiguously).
 */
export function labeller(groups: string[]): (group: string, stream: string) => string {
  if (groups.length <= 1) return (_group, stream) => stream
  const short = shortGroupNames(groups)
  return (group, stream) => `${short.get(group) ?? group}:${stream}`
}

/** A log group's ARN, which StartLiveTail needs (and no trailing `:*`). */
export function logGroupArn(callerArn: string, account: string, region: string, group: string): string {
  const partition = callerArn.split(':')[1] || 'aws'
  return `arn:${partition}:logs:${region}:${account}:log-group:${group}`
}

/** A Live Tail event's logGroupIdentifier (an ARN or a name) -> the group name. */
export function groupFromIdentifier(identifier: string): string {
  const m = /:log-group:([^:]+)/.exec(identifier)
  return m ? m[1]! : identifier
}

/**
 * Which streams a Live Tail session asks for: chosen server-side only for a single group, by names
 * or by prefixes (not both); otherwise every stream (each event is checked against its source).
 */
export function liveStreams(sources: LogSource[]): {streamNames?: string[]; streamPrefixes?: string[]} {
  const groups = new Set(sources.map((s) => s.group))
  const names = sources.flatMap((s) => s.names ?? [])
  const prefixes = sources.flatMap((s) => (s.prefix === undefined ? [] : [s.prefix]))
  const whole = sources.some((s) => !s.names && s.prefix === undefined)
  if (groups.size !== 1 || whole) return {}
  if (prefixes.length === 0) return {streamNames: names}
  return names.length === 0 ? {streamPrefixes: prefixes} : {}
}

/** None of the groups of a range exists (exit 1). */
export function missingGroupsError(groups: string[]): UpscError {
  return new UpscError('log-group-missing', `Log group${groups.length > 1 ? 's' : ''} ${groups.join(', ')} ${groups.length > 1 ? 'do' : 'does'} not exist.`, {
    exitCode: ExitCode.failed,
    hint: 'Check the stage\'s "logGroup" in upsc.config.json (or --group) and --region; the hosts create the group when they first ship logs.',
  })
}
