import {describe, expect, it} from 'vitest'

import {type StageConfig, stageDefaults} from '../../src/config/load.js'
import {changeSettings, deploySettings, rollbackSettings, scriptDeadlineSeconds, stageSettings} from '../../src/remote/settings.js'
import {toolVersion} from '../../src/util/version.js'

describe('scriptDeadlineSeconds', () => {
  it('keeps 10 % of the Run Command timeout to clean up, at least 15 s and at most 5 minutes', () => {
    expect(scriptDeadlineSeconds(30)).toBe(15)
    expect(scriptDeadlineSeconds(600)).toBe(540)
    expect(scriptDeadlineSeconds(3600)).toBe(3300)
    expect(scriptDeadlineSeconds(172800)).toBe(172500)
  })
})

describe('deploySettings / rollbackSettings: built in one place', () => {
  const stage = (): StageConfig => ({
    ...stageDefaults('stage2'),
    name: 'stage2',
    instances: {tags: {Name: 'x'}},
    buildCommand: ['make', 'build'],
    hooks: {preDeploy: [{command: ['./migrate'], timeoutSeconds: 60}]},
    timeouts: {...stageDefaults('stage2').timeouts, commandSeconds: 600},
  })
  const shared = (s: StageConfig) => ({
    ...stageSettings(s),
    UPSC_SKIP_HOOKS: undefined,
    UPSC_HOOK_PRE_DEPLOY_COUNT: 1,
    UPSC_HOOK_PRE_DEPLOY_1_ARGC: 1,
    UPSC_HOOK_PRE_DEPLOY_1_1: './migrate',
    UPSC_HOOK_PRE_DEPLOY_1_TIMEOUT: 60,
    UPSC_HOOK_PRE_DEPLOY_1_ROLLBACK: undefined,
    UPSC_NONCE: 'n1',
    UPSC_CALLER: 'arn:aws:iam::1:user/ana',
    UPSC_TOOL_VERSION: toolVersion,
    UPSC_DOCKER_WAIT_SECONDS: s.timeouts.dockerReadySeconds,
    UPSC_HEALTH_TIMEOUT_SECONDS: s.timeouts.healthSeconds,
    UPSC_DEADLINE_SECONDS: 540,
    UPSC_BUILD_COUNT: 2,
    UPSC_BUILD_1: 'make',
    UPSC_BUILD_2: 'build',
  })

  it('deploy: the stage, hooks, the change, the deadline and build command, then what deploy.sh alone reads', () => {
    const s = stage()
    expect(
      deploySettings(s, {branch: 'main', caller: 'arn:aws:iam::1:user/ana', deployId: 'd-1', noRollback: true, region: 'eu-central-1', nonce: 'n1'}),
    ).toEqual({
      ...shared(s),
      UPSC_BRANCH: 'main',
      UPSC_REF: undefined,
      UPSC_DEPLOY_ID: 'd-1',
      UPSC_TOKEN_PARAMETER: s.githubTokenParameter,
      UPSC_ENV_PARAMETER: s.envParameter,
      UPSC_REGION: 'eu-central-1',
      UPSC_NO_ROLLBACK: 1,
      UPSC_KEEP_IMAGES: s.keepImages,
      UPSC_RETRY_TRIES: s.retry.tries,
      UPSC_RETRY_BASE_SECONDS: s.retry.baseSeconds,
    })
  })

  it("rollback: the same shared settings and the target, none of deploy's own", () => {
    const s = stage()
    expect(rollbackSettings(s, {to: 'd-0', caller: 'arn:aws:iam::1:user/ana', nonce: 'n1'})).toEqual({...shared(s), UPSC_ROLLBACK_TO: 'd-0'})
    expect(rollbackSettings(s, {to: 'd-0', caller: 'x', skipHooks: true}).UPSC_SKIP_HOOKS).toBe(1)
  })

  it('app: who changes the host, with which version, and its waits', () => {
    const s = stage()
    expect(changeSettings(s, 'me')).toEqual({
      UPSC_CALLER: 'me',
      UPSC_TOOL_VERSION: toolVersion,
      UPSC_DOCKER_WAIT_SECONDS: s.timeouts.dockerReadySeconds,
      UPSC_HEALTH_TIMEOUT_SECONDS: s.timeouts.healthSeconds,
    })
  })
})
