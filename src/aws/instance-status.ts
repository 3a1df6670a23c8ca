/**
 * What EC2 and SSM say about instances: EC2's status checks, and each managed instance's SSM agent
 * (ping status, version, last ping). Used by status, preflight, ssh, doctor and init.
 */
import type {EC2Client} from '@aws-sdk/client-ec2'
import type {SSMClient} from '@aws-sdk/client-ssm'

import type {InstanceFacts} from '../status/types.js'
import {describeAwsError} from './errors.js'

export type SsmInfo = NonNullable<InstanceFacts['ssm']>
export interface StatusChecks {
  system?: string
  instance?: string
}

const chunk = <T>(items: T[], size: number): T[][] => Array.from({length: Math.ceil(items.length / size)}, (_, i) => items.slice(i * size, i * size + size))

/** DescribeInstanceStatus, 100 instances a call, all at once. */
export async function describeStatusChecks(ec2: EC2Client, ids: string[]): Promise<Map<string, StatusChecks>> {
  const result = new Map<string, StatusChecks>()
  if (ids.length === 0) return result
  const {DescribeInstanceStatusCommand} = await import('./sdk/ec2.js')
  try {
    await Promise.all(
      chunk(ids, 100).map(async (InstanceIds) => {
        const out = await ec2.send(new DescribeInstanceStatusCommand({InstanceIds, IncludeAllInstances: true}))
        for (const s of out.InstanceStatuses ?? [])
          if (s.InstanceId) result.set(s.InstanceId, {system: s.SystemStatus?.Status, instance: s.InstanceStatus?.Status})
      }),
    )
  } catch (error) {
    throw describeAwsError(error, {action: 'ec2:DescribeInstanceStatus'})
  }
  return result
}

/** DescribeInstanceInformation filtered to these instances (50 a filter); an instance SSM does not know is absent. */
export async function describeManaged(ssm: SSMClient, ids: string[]): Promise<Map<string, SsmInfo>> {
  const result = new Map<string, SsmInfo>()
  if (ids.length === 0) return result
  const {paginateDescribeInstanceInformation} = await import('./sdk/ssm.js')
  try {
    await Promise.all(
      chunk(ids, 50).map(async (Values) => {
        for await (const page of paginateDescribeInstanceInformation({client: ssm, pageSize: 50}, {Filters: [{Key: 'InstanceIds', Values}]}))
          for (const i of page.InstanceInformationList ?? [])
            if (i.InstanceId)
              result.set(i.InstanceId, {
                pingStatus: i.PingStatus ?? 'Unknown',
                ...(i.AgentVersion ? {agentVersion: i.AgentVersion} : {}),
                ...(i.IsLatestVersion != null ? {isLatestVersion: i.IsLatestVersion} : {}),
                ...(i.LastPingDateTime ? {lastPing: new Date(i.LastPingDateTime).toISOString()} : {}),
              })
      }),
    )
  } catch (error) {
    throw describeAwsError(error, {action: 'ssm:DescribeInstanceInformation'})
  }
  return result
}
