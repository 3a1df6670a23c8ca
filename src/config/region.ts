/**
 * Which region a command uses: --region, the stage's, AWS_REGION / AWS_DEFAULT_REGION, the profile's
 * in the AWS config file, else ap-south-1 (the seed stage's region). Knowing it up front (instead of
 * letting the SDK fail with "Region is missing") lets upsc work with no config at all and say where it
 * looked. The parsing is pure; reading the file is the one side effect.
 */
import {readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'

export const DEFAULT_REGION = 'ap-south-1'

export type RegionSource = '--region' | 'config' | 'AWS_REGION' | 'AWS_DEFAULT_REGION' | 'profile' | 'default'

export interface RegionChoice {
  region: string
  source: RegionSource
}

/** Pure: the `region` of a profile in an AWS config file's text (`[default]`, `[profile NAME]`). */
export function profileRegion(configText: string, profile: string): string | undefined {
  const header =
    profile === 'default' ? /^\[\s*(profile\s+)?default\s*\]$/ : new RegExp(`^\\[\\s*profile\\s+${profile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\]$`)
  let inside = false
  for (const raw of configText.split(/\r?\n/)) {
    const line = raw.trim()
    if (line.startsWith('[')) inside = header.test(line)
    else if (inside) {
      const match = /^region\s*=\s*([^\s#;]+)/.exec(line)
      if (match) return match[1]
    }
  }
  return undefined
}

function readProfileRegion(profile: string, env: NodeJS.ProcessEnv): string | undefined {
  const file = env.AWS_CONFIG_FILE || join(env.HOME || homedir(), '.aws', 'config')
  try {
    return profileRegion(readFileSync(file, 'utf8'), profile)
  } catch {
    return undefined
  }
}

export function resolveRegion(options: {flag?: string; stage?: string; profile?: string; env: NodeJS.ProcessEnv}): RegionChoice {
  const {env} = options
  if (options.flag) return {region: options.flag, source: '--region'}
  if (options.stage) return {region: options.stage, source: 'config'}
  if (env.AWS_REGION) return {region: env.AWS_REGION, source: 'AWS_REGION'}
  if (env.AWS_DEFAULT_REGION) return {region: env.AWS_DEFAULT_REGION, source: 'AWS_DEFAULT_REGION'}
  const fromProfile = readProfileRegion(options.profile ?? env.AWS_PROFILE ?? 'default', env)
  if (fromProfile) return {region: fromProfile, source: 'profile'}
  return {region: DEFAULT_REGION, source: 'default'}
}
