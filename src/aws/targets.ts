/**
 * Resolve which instances a command acts on: explicit ids, Name tags, or the stage's tag selector.
 * Reads EC2 with DescribeInstances pages of 1000; the decisions are made by pure functions below.
 */
import type {EC2Client, Instance} from '@aws-sdk/client-ec2'

import type {InstanceSelector} from '../config/schema.js'
import {unreachableError, usageError} from '../errors/upsc-error.js'

export interface Target {
  instanceId: string
  name?: string
  state: string
  launchTime?: string
  privateIp?: string
  availabilityZone?: string
  instanceType?: string
  /** The instance profile (its role reads the token parameter on the host). */
  instanceProfileArn?: string
}

const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/

export function toTarget(i: Instance): Target {
  return {
    instanceId: i.InstanceId!,
    name: i.Tags?.find((t) => t.Key === 'Name')?.Value,
    state: i.State?.Name ?? 'unknown',
    launchTime: i.LaunchTime ? new Date(i.LaunchTime).toISOString() : undefined,
    privateIp: i.PrivateIpAddress,
    availabilityZone: i.Placement?.AvailabilityZone,
    instanceType: i.InstanceType,
    ...(i.IamInstanceProfile?.Arn ? {instanceProfileArn: i.IamInstanceProfile.Arn} : {}),
  }
}

/** Pure: the EC2 filters for a selector or for explicit --instance values. */
export function filtersFor(selector: InstanceSelector, explicit: string[]): {Name: string; Values: string[]}[][] {
  if (explicit.length > 0) {
    const ids = explicit.filter((v) => INSTANCE_ID.test(v))
    const names = explicit.filter((v) => !INSTANCE_ID.test(v))
    return [
      ...(ids.length > 0 ? [[{Name: 'instance-id', Values: ids}]] : []),
      ...(names.length > 0
        ? [
            [
              {Name: 'tag:Name', Values: names},
              {Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped']},
            ],
          ]
        : []),
    ]
  }
  const filters = Object.entries(selector.tags ?? {}).map(([k, v]) => ({Name: `tag:${k}`, Values: [v]}))
  if (selector.ids) filters.push({Name: 'instance-id', Values: selector.ids})
  // Terminated instances keep their tags for an hour; they are never a target of a tag selector.
  if (selector.tags) filters.push({Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped']})
  return [filters]
}

/**
 * Pure: check the found instances against what was asked. Each explicit value must match exactly
 * one instance (a Name tag matching several is ambiguous); a selector must match at least one.
 */
export function checkTargets(found: Target[], selector: InstanceSelector, explicit: string[], stageName: string): Target[] {
  if (explicit.length > 0) {
    const result: Target[] = []
    for (const value of explicit) {
      const matches = found.filter((t) => t.instanceId === value || t.name === value)
      if (matches.length === 0)
        throw unreachableError(
          'instance-not-found',
          `No instance found with id or Name tag "${value}".`,
          'Check the value and the region (--region); `aws ec2 describe-instances` lists them.',
        )
      if (matches.length > 1)
        throw usageError(
          'instance-ambiguous',
          `The Name tag "${value}" matches ${matches.length} instances:\n${matches.map((t) => `  ${t.instanceId}  ${t.state}${t.launchTime ? `  launched ${t.launchTime}` : ''}`).join('\n')}`,
          'Pass the instance id with --instance instead.',
        )
      if (!result.some((t) => t.instanceId === matches[0]!.instanceId)) result.push(matches[0]!)
    }
    return result
  }
  if (found.length === 0) {
    const what = [...(selector.ids ? [`ids ${selector.ids.join(', ')}`] : []), ...Object.entries(selector.tags ?? {}).map(([k, v]) => `tag ${k}=${v}`)].join(
      ' and ',
    )
    throw unreachableError(
      'instance-not-found',
      `No instance of stage "${stageName}" matches ${what}.`,
      'Check the stage\'s "instances" selector and the region.',
    )
  }
  const missing = (selector.ids ?? []).filter((id) => !found.some((t) => t.instanceId === id))
  if (missing.length > 0)
    throw unreachableError('instance-not-found', `Instance(s) not found: ${missing.join(', ')}.`, 'Check the stage\'s "instances" ids and the region.')
  return found.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.instanceId.localeCompare(b.instanceId))
}

export async function resolveTargets(ec2: EC2Client, selector: InstanceSelector, explicit: string[], stageName: string): Promise<Target[]> {
  const {paginateDescribeInstances} = await import('./sdk/ec2.js')
  const found: Target[] = []
  await Promise.all(
    filtersFor(selector, explicit).map(async (Filters) => {
      for await (const page of paginateDescribeInstances({client: ec2, pageSize: 1000}, {Filters})) {
        for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) if (i.InstanceId) found.push(toTarget(i))
      }
    }),
  )
  return checkTargets(found, selector, explicit, stageName)
}

/** Every instance in the region that is not terminated (for `upsc init` and `upsc doctor`). */
export async function listInstances(ec2: EC2Client): Promise<Target[]> {
  const {paginateDescribeInstances} = await import('./sdk/ec2.js')
  const found: Target[] = []
  const Filters = [{Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped']}]
  for await (const page of paginateDescribeInstances({client: ec2, pageSize: 1000}, {Filters}))
    for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) if (i.InstanceId) found.push(toTarget(i))
  return found.sort((a, b) => (a.name ?? '~').localeCompare(b.name ?? '~') || a.instanceId.localeCompare(b.instanceId))
}
