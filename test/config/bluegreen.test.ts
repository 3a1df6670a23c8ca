import {describe, expect, it} from 'vitest'

import {userDataTemplate} from '../../src/bootstrap/user-data.js'
import {parseConfig, selectStage} from '../../src/config/load.js'
import {buildPayload, cachedScripts, extraLibraries, MAX_PAYLOAD_BYTES, payloadBytes, scriptBundle, sha256} from '../../src/remote/payload.js'
import {stageSettings} from '../../src/remote/settings.js'

const stageWith = (deploy?: unknown) =>
  selectStage(parseConfig(JSON.stringify({stages: {stage2: {region: 'eu-central-1', ...(deploy ? {deploy} : {})}}}), 'upsc.config.json'))
const problemsOf = (deploy: unknown) => {
  try {
    stageWith(deploy)
    return ''
  } catch (error) {
    return (error as Error).message
  }
}

describe('deploy.strategy in the config', () => {
  it('defaults to inPlace, which sends no blueGreen setting and bundles no bluegreen.sh', () => {
    const settings = stageSettings(stageWith())
    expect(Object.keys(settings).filter((k) => k.startsWith('UPSC_BG_') || k === 'UPSC_STRATEGY')).toEqual([])
    expect(extraLibraries('deploy', settings)).toEqual([])
  })

  it('sends blueGreen and its traffic services as numbered settings, and bundles bluegreen.sh for deploy, rollback and status', () => {
    const stage = stageWith({
      strategy: 'blueGreen',
      services: [
        {name: 'api', port: 8000, publicPort: 80},
        {name: 'web', port: 3000, publicPort: 8080},
      ],
      keepWarmSeconds: 300,
    })
    const settings = stageSettings(stage)
    expect(Object.fromEntries(Object.entries(settings).filter(([k]) => k.startsWith('UPSC_BG_') || k === 'UPSC_STRATEGY'))).toEqual({
      UPSC_STRATEGY: 'blueGreen',
      UPSC_BG_COUNT: 2,
      UPSC_BG_KEEP_WARM_SECONDS: 300,
      UPSC_BG_LISTEN_HOST: undefined,
      UPSC_BG_1_SERVICE: 'api',
      UPSC_BG_1_PORT: 8000,
      UPSC_BG_1_PUBLIC_PORT: 80,
      UPSC_BG_2_SERVICE: 'web',
      UPSC_BG_2_PORT: 3000,
      UPSC_BG_2_PUBLIC_PORT: 8080,
    })
    expect(['deploy', 'rollback', 'probe', 'history', 'lock', 'exec'].map((e) => extraLibraries(e as 'deploy', settings))).toEqual([
      ['bluegreen'],
      ['bluegreen'],
      ['bluegreen'],
      [],
      [],
      [],
    ])
  })

  it('sends a blueGreen deploy through the host script cache, whose install carries lib.sh with bluegreen.sh', () => {
    const settings = stageSettings(stageWith({strategy: 'blueGreen', services: [{name: 'api', port: 8000, publicPort: 80}]}))
    const commands = buildPayload('deploy', {...settings, UPSC_BRANCH: 'main'})
    expect(payloadBytes(commands)).toBeLessThan(MAX_PAYLOAD_BYTES)
    const cached = cachedScripts(commands)
    expect(cached?.sha).toBe(sha256(scriptBundle('deploy', undefined, ['bluegreen'])))
    expect(cached!.installs.length).toBeGreaterThan(0)
  })

  it('keeps the services under inPlace for the deploy that leaves blueGreen', () => {
    const settings = stageSettings(stageWith({strategy: 'inPlace', services: [{name: 'api', port: 8000, publicPort: 80}]}))
    expect(settings).toMatchObject({UPSC_STRATEGY: 'inPlace', UPSC_BG_COUNT: 1, UPSC_BG_1_SERVICE: 'api'})
  })

  it('refuses blueGreen without services, an unknown strategy, bad ports and unknown keys, naming the key', () => {
    expect(problemsOf({strategy: 'blueGreen'})).toContain('stages.stage2.deploy.services')
    expect(problemsOf({strategy: 'rolling'})).toContain('"inPlace" or "blueGreen"')
    expect(problemsOf({strategy: 'blueGreen', services: [{name: 'api', port: 0, publicPort: 80}]})).toContain('stages.stage2.deploy.services[0].port')
    expect(problemsOf({strategy: 'blueGreen', services: [{name: 'api', port: 8000}]})).toContain('stages.stage2.deploy.services[0].publicPort')
    expect(problemsOf({strategy: 'blueGreen', services: [{name: 'api', port: 8000, publicPort: 80}], warm: 1})).toContain('stages.stage2.deploy.warm')
  })

  it('has the bootstrap install nginx for blueGreen stages only', () => {
    expect(userDataTemplate(stageWith({strategy: 'blueGreen', services: [{name: 'api', port: 8000, publicPort: 80}]}), '0.1.0')).toContain(
      "PROXY_PACKAGE='nginx'",
    )
    expect(userDataTemplate(stageWith(), '0.1.0')).toContain("PROXY_PACKAGE=''")
  })
})
