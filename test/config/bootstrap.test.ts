import {describe, expect, it} from 'vitest'

import {parseConfig} from '../../src/config/load.js'

const config = (stage: Record<string, unknown>) => JSON.stringify({stages: {stage2: {region: 'eu-central-1', ...stage}}})

describe("the bootstrap's config keys", () => {
  it('repoUrl defaults to the upscapp-be repository; envParameter has no default', () => {
    const stage = parseConfig(config({}), 'f.json').stages.stage2!
    expect(stage.repoUrl).toBe('https://github.com/upscpro/upscapp-be.git')
    expect(stage.envParameter).toBeUndefined()
  })

  it('take an https URL and an SSM parameter name', () => {
    const stage = parseConfig(config({repoUrl: 'https://github.com/acme/app.git', envParameter: '/acme/stage2/env'}), 'f.json').stages.stage2!
    expect(stage).toMatchObject({repoUrl: 'https://github.com/acme/app.git', envParameter: '/acme/stage2/env'})
  })

  it('refuse anything else, naming the key', () => {
    expect(() => parseConfig(config({repoUrl: 'git@github.com:acme/app.git'}), 'f.json')).toThrow(
      "stages.stage2.repoUrl: expected an https:// URL of the app's git repository",
    )
    expect(() => parseConfig(config({repoUrl: "https://x/a'b"}), 'f.json')).toThrow('stages.stage2.repoUrl')
    expect(() => parseConfig(config({envParameter: 'has space'}), 'f.json')).toThrow(
      'stages.stage2.envParameter: expected an SSM parameter name such as /upscpro/stage2/env',
    )
  })
})
