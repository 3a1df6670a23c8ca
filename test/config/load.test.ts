import {existsSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {findConfigFile, loadConfig, loadConfigOrBuiltIn, parseConfig, SCHEMA_FILE, schemaReference, selectStage} from '../../src/config/load.js'
import type {UpscError} from '../../src/errors/upsc-error.js'
import {starterConfig} from '../../src/config/starter.js'

const minimal = JSON.stringify({stages: {stage2: {region: 'eu-central-1', instances: {tags: {Name: 'upscpro-stage2-docker'}}}}})

function errorOf(fn: () => unknown): UpscError {
  try {
    fn()
  } catch (error) {
    return error as UpscError
  }
  throw new Error('expected an error')
}

describe('parseConfig', () => {
  it('fills every default from a minimal config (region and selector)', () => {
    const config = parseConfig(minimal, 'upsc.config.json')
    const stage = selectStage(config)
    expect(stage).toMatchObject({
      name: 'stage2',
      region: 'eu-central-1',
      appDir: '/opt/upscpro/upscapp-be',
      upscHome: '/opt/upscpro/.upsc',
      composeFile: 'docker-compose.yml',
      defaultBranch: 'main',
      logGroup: '/aws/ec2/upscpro-stage2-docker',
      logStreams: {'user-data': '{instance_id}/user-data', deploy: '{instance_id}/deploy'},
      runCommandLogGroup: '/aws/ssm/AWS-RunShellScript',
      keepImages: 5,
      timeouts: {dockerReadySeconds: 120, healthSeconds: 120},
      retry: {tries: 3, baseSeconds: 2},
    })
  })

  it('names the file, each key path and what is expected', () => {
    const doc = {stages: {stage2: {region: 'Frankfurt', instances: {ids: ['i-123']}, keepImages: 0, healthChecks: [{name: 'api', url: 'ftp://x'}]}}}
    const error = errorOf(() => parseConfig(JSON.stringify(doc), '/p/upsc.config.json'))
    expect(error.exitCode).toBe(2)
    expect(error.message).toContain('/p/upsc.config.json has 4 problem(s)')
    expect(error.message).toContain('stages.stage2.region: expected an AWS region such as ap-south-1')
    expect(error.message).toContain('stages.stage2.instances.ids[0]: expected an instance id')
    expect(error.message).toContain('stages.stage2.keepImages: expected an integer from 1 to 100')
    expect(error.message).toContain('stages.stage2.healthChecks[0].url: expected an http:// or https:// URL')
  })

  it('reports unknown keys instead of ignoring them', () => {
    const error = errorOf(() => parseConfig(JSON.stringify({stages: {s: {regoin: 'eu-central-1'}}}), 'f.json'))
    expect(error.message).toContain('stages.s.regoin: unknown key: the known keys here are region,')
  })

  it('reports invalid JSON with the parser message', () => {
    const error = errorOf(() => parseConfig('{"stages": ', 'f.json'))
    expect(error.code).toBe('config-syntax')
    expect(error.message).toMatch(/^f\.json is not valid JSON/)
  })

  it('requires a known defaultStage', () => {
    const error = errorOf(() => parseConfig(JSON.stringify({defaultStage: 'prod', stages: {stage2: {}}}), 'f.json'))
    expect(error.message).toContain('defaultStage: expected one of the stages (stage2)')
  })

  it('asks for --stage when several stages and no default', () => {
    const config = parseConfig(JSON.stringify({stages: {a: {}, b: {}}}), 'f.json')
    expect(errorOf(() => selectStage(config)).code).toBe('stage-missing')
    expect(selectStage(config, 'b').name).toBe('b')
    const unknown = errorOf(() => selectStage(config, 'c'))
    expect(unknown.code).toBe('stage-unknown')
    expect(unknown.hint).toContain('a, b')
  })

  it('accepts the starter config init writes', () => {
    const text = starterConfig({stage: 'stage2', region: 'ap-south-1', nameTag: 'upscpro-stage2-docker', schema: './schema.json'})
    expect(selectStage(parseConfig(text, 'f.json')).instances).toEqual({tags: {Name: 'upscpro-stage2-docker'}})
  })

  it('requires either a url or a service and port in a health check', () => {
    const error = errorOf(() => parseConfig(JSON.stringify({stages: {s: {healthChecks: [{name: 'a', service: 'api'}]}}}), 'f.json'))
    expect(error.message).toContain('stages.s.healthChecks[0].port: expected to be set when "service" is')
  })
})

describe('config discovery', () => {
  it('walks up from the current folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'upsc-config-'))
    const deep = join(root, 'a', 'b', 'c')
    mkdirSync(deep, {recursive: true})
    writeFileSync(join(root, 'a', 'upsc.config.json'), minimal)
    expect(findConfigFile(deep)).toBe(join(root, 'a', 'upsc.config.json'))
  })

  it('prefers --config, then UPSC_CONFIG', () => {
    const root = mkdtempSync(join(tmpdir(), 'upsc-config-'))
    writeFileSync(join(root, 'one.json'), minimal)
    writeFileSync(join(root, 'two.json'), JSON.stringify({stages: {two: {}}}))
    expect(loadConfig({flag: 'one.json', cwd: root, env: {UPSC_CONFIG: 'two.json'}}).file).toBe(join(root, 'one.json'))
    expect(loadConfig({cwd: root, env: {UPSC_CONFIG: 'two.json'}}).file).toBe(join(root, 'two.json'))
  })

  it('falls back to the user config, and explains how to create one when there is none', () => {
    const root = mkdtempSync(join(tmpdir(), 'upsc-config-'))
    const xdg = join(root, 'xdg')
    expect(errorOf(() => loadConfig({cwd: root, env: {XDG_CONFIG_HOME: xdg}})).hint).toContain('upsc init')
    mkdirSync(join(xdg, 'upsc'), {recursive: true})
    writeFileSync(join(xdg, 'upsc', 'config.json'), minimal)
    expect(loadConfig({cwd: root, env: {XDG_CONFIG_HOME: xdg}}).file).toBe(join(xdg, 'upsc', 'config.json'))
  })

  it('says so when --config points at nothing', () => {
    expect(errorOf(() => loadConfig({flag: 'nope.json', cwd: '/tmp', env: {}})).code).toBe('config-missing')
  })
})

describe('schemaReference', () => {
  it('points at the shipped JSON Schema relative to the config file, as editors resolve it', () => {
    expect(schemaReference('/w/app/upsc.config.json', '/w/app/node_modules/upsc/schema/upsc.config.schema.json')).toBe(
      './node_modules/upsc/schema/upsc.config.schema.json',
    )
    expect(schemaReference('/w/app/upsc.config.json', '/usr/lib/node_modules/upsc/schema/upsc.config.schema.json')).toBe(
      '../../usr/lib/node_modules/upsc/schema/upsc.config.schema.json',
    )
    expect(existsSync(SCHEMA_FILE)).toBe(true)
  })
})

describe('the built-in stage', () => {
  it('is stage2 with every default when there is no config file anywhere', () => {
    const root = mkdtempSync(join(tmpdir(), 'upsc-config-'))
    const config = loadConfigOrBuiltIn({cwd: root, env: {XDG_CONFIG_HOME: join(root, 'xdg')}})
    expect(config.builtIn).toBe(true)
    expect(selectStage(config)).toMatchObject({name: 'stage2', instances: {tags: {Name: 'upscpro-stage2-docker'}}, logGroup: '/aws/ec2/upscpro-stage2-docker'})
    expect(errorOf(() => selectStage(config, 'prod')).hint).toContain('upsc init --stage prod')
  })

  it('is not used when a file is asked for, or found', () => {
    const root = mkdtempSync(join(tmpdir(), 'upsc-config-'))
    expect(errorOf(() => loadConfigOrBuiltIn({flag: 'nope.json', cwd: root, env: {}})).code).toBe('config-missing')
    writeFileSync(join(root, 'upsc.config.json'), minimal)
    expect(loadConfigOrBuiltIn({cwd: root, env: {}}).builtIn).toBeUndefined()
  })
})
