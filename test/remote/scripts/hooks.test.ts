// Hooks (lib.sh hooks_run, called by deploy.sh and rollback.sh) run for real by bash on sandbox hosts.
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {FAST, historyFile, hooks, newHost, servedVersion, stepSummary} from './helpers.ts'
import {runScript} from './run-script.ts'

const latestImageId = (host) => host.images().find((i) => i.tags.includes('upscapp-be-api:latest'))?.id

async function deployMain(host) {
  const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main'})
  expect(run.code, run.stdout).toBe(0)
}

describe('hooks', () => {
  it('a failing pre-deploy hook stops the deploy before up: the running version is untouched', async () => {
    const host = newHost()
    await deployMain(host)
    const apiId = host.container('api').id
    const image = latestImageId(host)
    const run = await runScript(host, 'deploy', {
      ...FAST,
      UPSC_BRANCH: 'feature-x',
      ...hooks('PRE_DEPLOY', [{command: ['bash', '-c', 'echo migrating "$UPSC_COMMIT"; exit 3']}]),
    })
    expect(run.code).toBe(1)
    expect(stepSummary(run)).toEqual(['lock ok', 'docker ok', 'fetch ok', 'checkout ok', 'config ok', 'build ok', 'tag ok', 'pre-deploy-hooks fail'])
    expect(run.result).toMatchObject({outcome: 'failed', failedStep: 'pre-deploy-hooks', reason: 'pre-deploy hook 1 (bash) failed: exit 3'})
    expect(run.result.advice).toMatch(/--skip-hooks.*running version was not changed/)
    expect(run.stdout).toContain(`migrating ${host.commitOf('feature-x')}`) // the hook's output, in the step output
    expect(host.container('api').id).toBe(apiId)
    expect(latestImageId(host)).toBe(image)
    expect(host.headCommit()).toBe(host.commitOf('main'))
    expect(await servedVersion(host)).toBe('main')
  }, 60_000)

  it("runs pre-build hooks as argv in the app dir with the deploy's environment, never through a shell", async () => {
    const host = newHost()
    // .env is ignored in the app's repository (so git clean keeps it), as in the real app.
    fs.appendFileSync(path.join(host.appDir, '.git/info/exclude'), '.env\ndocker.env\n')
    fs.writeFileSync(path.join(host.appDir, '.env'), 'A=1\n')
    const canary = path.join(host.root, 'CANARY')
    const run = await runScript(host, 'deploy', {
      ...FAST,
      UPSC_BRANCH: 'main',
      ...hooks('PRE_BUILD', [
        {command: ['cp', '.env', 'docker.env']},
        {command: ['printf', '%s|%s\n', `$(touch ${canary})\`touch ${canary}\`;`, "it's"]},
        {command: ['bash', '-c', 'echo "$COMPOSE_PROJECT_NAME $PWD"']},
      ]),
    })
    expect(run.code, run.stdout).toBe(0)
    expect(stepSummary(run)).toContain('pre-build-hooks ok')
    expect(fs.readFileSync(path.join(host.appDir, 'docker.env'), 'utf8')).toBe('A=1\n')
    expect(run.stdout).toContain(`$(touch ${canary})\`touch ${canary}\`;|it's\n`)
    expect(run.stdout).toContain(`upscapp-be ${host.appDir}\n`)
    expect(fs.existsSync(canary)).toBe(false)
  }, 60_000)

  it('a hook past its timeout is stopped and fails the deploy; a missing command says so', async () => {
    const host = newHost()
    await deployMain(host)
    const slow = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x', ...hooks('PRE_BUILD', [{command: ['sleep', '30'], timeout: 1}])})
    expect(slow.result).toMatchObject({failedStep: 'pre-build-hooks', reason: 'pre-build hook 1 (sleep) failed: timed out after 1s'})
    const missing = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x', ...hooks('PRE_BUILD', [{command: ['no-such-tool-xyz']}])})
    expect(missing.result.reason).toBe('pre-build hook 1 (no-such-tool-xyz) failed: command not found')
    expect(await servedVersion(host)).toBe('main')
  }, 60_000)

  it('a failing post-deploy hook is reported and the deploy stands; with rollbackOnFailure it rolls back (exit 5)', async () => {
    const host = newHost()
    await deployMain(host)
    const reported = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x', ...hooks('POST_DEPLOY', [{command: ['false']}])})
    expect(reported.code).toBe(0)
    expect(reported.result).toMatchObject({outcome: 'succeeded', failedStep: null})
    expect(stepSummary(reported)).toContain('post-deploy-hooks fail')
    expect(reported.warnings).toContain('post-deploy hook 1 (false) failed: exit 1: reported only, no rollback')
    expect(await servedVersion(host)).toBe('feature-x')

    host.pushBranch('feature-x', {'app/VERSION': 'feature-x-2\n'})
    const rolled = await runScript(host, 'deploy', {
      ...FAST,
      UPSC_BRANCH: 'feature-x',
      ...hooks('POST_DEPLOY', [{command: ['false'], rollback: true}]),
      ...hooks('POST_ROLLBACK', [{command: ['bash', '-c', 'echo "after rollback to $UPSC_COMMIT from $UPSC_PREVIOUS_COMMIT"']}]),
    })
    expect(rolled.code).toBe(5)
    expect(rolled.result).toMatchObject({outcome: 'rolled-back', failedStep: 'post-deploy-hooks'})
    expect(await servedVersion(host)).toBe('feature-x')
    expect(rolled.stdout).toContain(`after rollback to ${reported.result.commit} from ${host.commitOf('feature-x')}`)
    expect(stepSummary(rolled)).toContain('post-rollback-hooks ok')
  }, 90_000)

  it('--skip-hooks runs none and is recorded in history; rollback.sh runs post-rollback hooks', async () => {
    const host = newHost()
    await deployMain(host)
    const skipped = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x', UPSC_SKIP_HOOKS: 1, ...hooks('PRE_DEPLOY', [{command: ['false']}])})
    expect(skipped.code, skipped.stdout).toBe(0)
    expect(skipped.steps.find((s) => s.name === 'pre-deploy-hooks' && s.status === 'ok').text).toBe('1 skipped (--skip-hooks)')
    expect(historyFile(host).at(-1)).toMatchObject({outcome: 'succeeded', hooksSkipped: true})
    expect(historyFile(host)[0].hooksSkipped).toBeUndefined()

    const back = await runScript(host, 'rollback', {...FAST, ...hooks('POST_ROLLBACK', [{command: ['bash', '-c', 'echo warmed "$UPSC_COMMIT"']}])})
    expect(back.code, back.stdout).toBe(0)
    expect(back.stdout).toContain(`warmed ${host.commitOf('main')}`)
    expect(await servedVersion(host)).toBe('main')
  }, 90_000)
})
