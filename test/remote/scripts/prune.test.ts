// prune.sh run for real by bash on sandbox hosts.
import {describe, expect, it} from 'vitest'
import {FAST, newHost, until, upscTaggedCommits} from './helpers.ts'
import {runScript, startScript} from './run-script.ts'

const short = (sha) => sha.slice(0, 12)

async function deploy(host, branch, settings = {}) {
  const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: branch, ...settings})
  return run
}

describe('prune.sh', () => {
  it("never removes the running version's or the rollback target's images; removes older tags, dangling images, stopped containers, build cache", async () => {
    const host = newHost()
    const commits = []
    for (const [i, branch] of ['main', 'feature-x', 'feature-x', 'feature-x'].entries()) {
      if (i >= 2) host.pushBranch('feature-x', {'app/VERSION': `feature-x-${i}\n`})
      const run = await deploy(host, branch)
      expect(run.code, run.stdout).toBe(0)
      commits.push(run.result.commit)
    }
    // A deploy stopped by its pre-deploy hook leaves its freshly built images untagged: dangling.
    const failed = await deploy(host, 'main', {UPSC_HOOK_PRE_DEPLOY_COUNT: 1, UPSC_HOOK_PRE_DEPLOY_1_ARGC: 1, UPSC_HOOK_PRE_DEPLOY_1_1: 'false'})
    expect(failed.code).toBe(1)
    await host.run('docker compose stop worker')
    expect(upscTaggedCommits(host)).toEqual(commits.map(short).sort())
    const [, , target, running] = commits

    const dry = await runScript(host, 'prune', {UPSC_KEEP_IMAGES: 1, UPSC_DRY_RUN: 1})
    expect(dry.code, dry.stdout).toBe(0)
    expect(dry.result).toMatchObject({dryRun: true, stoppedContainers: 1, danglingImages: 2, reclaimedBytes: null, runningCommit: running})
    expect(dry.result.removedTags.sort()).toEqual(
      [
        `upscapp-be-api:upsc-${short(commits[0])}`,
        `upscapp-be-api:upsc-${short(commits[1])}`,
        `upscapp-be-worker:upsc-${short(commits[0])}`,
        `upscapp-be-worker:upsc-${short(commits[1])}`,
      ].sort(),
    )
    expect(upscTaggedCommits(host)).toHaveLength(4)
    expect(host.container('worker').state).toBe('exited')

    const run = await runScript(host, 'prune', {UPSC_KEEP_IMAGES: 1, UPSC_PRUNE_BUILD_CACHE_KEEP: '100MB'})
    expect(run.code, run.stdout).toBe(0)
    expect(run.result).toMatchObject({dryRun: false, stoppedContainers: 1, danglingImages: 2, keepImages: 1, buildCacheKeep: '100MB'})
    expect(run.result.removedTags).toHaveLength(4)
    expect(upscTaggedCommits(host)).toEqual([short(target), short(running)].sort())
    expect(host.images().filter((i) => i.tags.length === 0)).toEqual([])
    expect(host.container('worker')).toBeUndefined()
    expect(host.container('api').state).toBe('running')
    expect(run.result.buildCacheBytes).toBeGreaterThan(500_000_000) // 10 builds of 80 MB, down to one
    expect(run.result.reclaimedBytes).toBeGreaterThan(run.result.buildCacheBytes)

    // The rollback target is still usable without a build.
    const builds = host.buildCount()
    const back = await runScript(host, 'rollback', FAST)
    expect(back.code, back.stdout).toBe(0)
    expect(back.result).toMatchObject({commit: target, rebuilt: false})
    expect(host.buildCount()).toBe(builds)
  }, 180_000)

  it('does nothing while a deploy holds the lock (exit 6)', async () => {
    const host = newHost()
    expect((await deploy(host, 'main')).code).toBe(0)
    await host.run('docker compose stop worker')
    const slow = startScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'slow-build'})
    await until(() => slow.output().includes('::upsc step build start'), {what: 'the slow build'})
    const run = await runScript(host, 'prune', {})
    expect(run.code).toBe(6)
    expect(run.result).toMatchObject({error: 'lock held', lock: {kind: 'deploy', branch: 'slow-build'}})
    expect(host.container('worker')).toBeDefined()
    expect((await slow.done).code).toBe(0)
  }, 60_000)
})
