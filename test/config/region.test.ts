import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {profileRegion, resolveRegion} from '../../src/config/region.js'
import {looksLikeGithubToken} from '../../src/aws/parameters.js'

const CONFIG = `[default]
region = eu-west-1

[profile upsc-stage2]
sso_start_url = https://x.awsapps.com/start
region=ap-south-1 # Mumbai

[profile other]
output = json
`

describe('profileRegion', () => {
  it('reads the region of [default] and of [profile NAME]', () => {
    expect(profileRegion(CONFIG, 'default')).toBe('eu-west-1')
    expect(profileRegion(CONFIG, 'upsc-stage2')).toBe('ap-south-1')
    expect(profileRegion(CONFIG, 'other')).toBeUndefined()
    expect(profileRegion(CONFIG, 'missing')).toBeUndefined()
  })
})

describe('resolveRegion', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'upsc-region-')), 'config')
  writeFileSync(file, CONFIG)

  it('takes --region, then the stage, then AWS_REGION, AWS_DEFAULT_REGION, the profile, else ap-south-1', () => {
    const env = {AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-2', AWS_CONFIG_FILE: file}
    expect(resolveRegion({flag: 'eu-north-1', stage: 'eu-central-1', env})).toEqual({region: 'eu-north-1', source: '--region'})
    expect(resolveRegion({stage: 'eu-central-1', env})).toEqual({region: 'eu-central-1', source: 'config'})
    expect(resolveRegion({env})).toEqual({region: 'us-east-1', source: 'AWS_REGION'})
    expect(resolveRegion({env: {AWS_DEFAULT_REGION: 'us-east-2', AWS_CONFIG_FILE: file}})).toEqual({region: 'us-east-2', source: 'AWS_DEFAULT_REGION'})
    expect(resolveRegion({env: {AWS_CONFIG_FILE: file}})).toEqual({region: 'eu-west-1', source: 'profile'})
    expect(resolveRegion({profile: 'upsc-stage2', env: {AWS_CONFIG_FILE: file}})).toEqual({region: 'ap-south-1', source: 'profile'})
    expect(resolveRegion({env: {AWS_PROFILE: 'upsc-stage2', AWS_CONFIG_FILE: file}})).toEqual({region: 'ap-south-1', source: 'profile'})
    expect(resolveRegion({env: {AWS_CONFIG_FILE: join(file, 'missing')}})).toEqual({region: 'ap-south-1', source: 'default'})
  })
})

describe('looksLikeGithubToken', () => {
  it('matches the names people give a GitHub token, and not other secrets', () => {
    for (const name of ['/upscpro/stage2/github-token', '/ci/GITHUB_PAT', '/app/gh-token', '/x/gh_token', 'git-token'])
      expect(looksLikeGithubToken(name), name).toBe(true)
    for (const name of ['/upscpro/stage2/env', '/db/password', '/api/token-secret']) expect(looksLikeGithubToken(name), name).toBe(false)
  })
})
