/**
 * `upsc init`: look at the account first (instances with their Name tags and SSM ping, SecureString
 * parameters that look like a GitHub token, by name only), then write a config that validates.
 */
import {existsSync, writeFileSync} from 'node:fs'

import type {AwsClients} from '../aws/clients.js'
import {describeAwsError} from '../aws/errors.js'
import {githubTokenParameters} from '../aws/parameters.js'
import type {RegionChoice} from '../config/region.js'
import {listInstances} from '../aws/targets.js'
import {parseConfig, schemaReference} from '../config/load.js'
import type {InstanceSelector} from '../config/schema.js'
import {usageError} from '../errors/upsc-error.js'
import {starterConfig} from '../config/starter.js'
import {describeManaged} from '../aws/instance-status.js'

export interface FoundInstance {
  instanceId: string
  name?: string
  state: string
  /** SSM ping status; undefined when SSM does not manage the instance. */
  ping?: string
}

export interface Findings {
  region: string
  regionSource: RegionChoice['source']
  instances: FoundInstance[]
  tokenParameters: string[]
  /** Why the account could not be read (then init writes from flags alone). */
  problem?: string
}

export async function discoverAccount(clients: AwsClients, region: RegionChoice): Promise<Findings> {
  const base = {region: region.region, regionSource: region.source}
  try {
    const [targets, tokenParameters] = await Promise.all([
      clients.ec2().then(listInstances),
      clients
        .ssm()
        .then(githubTokenParameters)
        .then((ps) => ps.map((p) => p.name)),
    ])
    const managed = await describeManaged(
      await clients.ssm(),
      targets.map((t) => t.instanceId),
    )
    const instances = targets
      .filter((t) => t.name || managed.has(t.instanceId))
      .map((t) => ({
        instanceId: t.instanceId,
        ...(t.name ? {name: t.name} : {}),
        state: t.state,
        ...(managed.has(t.instanceId) ? {ping: managed.get(t.instanceId)!.pingStatus} : {}),
      }))
    return {...base, instances, tokenParameters}
  } catch (error) {
    const mapped = describeAwsError(error, {action: 'ec2:DescribeInstances'}) as Error & {hint?: string}
    return {...base, instances: [], tokenParameters: [], problem: `${mapped.message}${mapped.hint ? ` ${mapped.hint}` : ''}`}
  }
}

/** Pure: the selector for the picked instances: their common Name tag, else their ids. */
export function selectorFor(picked: FoundInstance[]): InstanceSelector | undefined {
  if (picked.length === 0) return undefined
  const names = new Set(picked.map((p) => p.name))
  const [name] = names
  return names.size === 1 && name ? {tags: {Name: name}} : {ids: picked.map((p) => p.instanceId)}
}

/** Pure: the index the stage most likely means: its conventional Name tag, else the first. */
export function likelyInstance(instances: FoundInstance[], stage: string): number {
  const index = instances.findIndex((i) => i.name === `upscpro-${stage}-docker`)
  return Math.max(index, 0)
}

/** Pure: a numbered answer (Enter = the default) -> an index, or undefined. */
export function parseNumbered(answer: string, count: number, defaultIndex: number): number | undefined {
  const text = answer.trim()
  if (text === '') return defaultIndex
  if (!/^\d+$/.test(text)) return undefined
  const n = Number(text)
  return n >= 1 && n <= count ? n - 1 : undefined
}

export interface InitChoices {
  stage: string
  region: string
  selector?: InstanceSelector
  nameTag?: string
  tokenParameter?: string
}

export function refuseOverwrite(file: string, force: boolean): void {
  if (existsSync(file) && !force) throw usageError('config-exists', `${file} already exists.`, 'Edit it, or pass --force to replace it with a new config.')
}

/** Write the config; it is validated first, so init never writes a file that upsc then refuses. */
export function writeInitConfig(file: string, choices: InitChoices): string {
  const text = starterConfig({
    stage: choices.stage,
    region: choices.region,
    nameTag: choices.selector?.tags?.Name ?? choices.nameTag,
    instanceIds: choices.selector?.ids,
    githubTokenParameter: choices.tokenParameter,
    schema: schemaReference(file),
  })
  parseConfig(text, file)
  writeFileSync(file, text, {mode: 0o644})
  return text
}
