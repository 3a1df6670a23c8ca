// Image retention (deploy.sh) and history.sh on sandbox hosts.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAST, historyFile, newHost, upscTaggedCommits } from './helpers.js';
import { runScript } from './run-script.js';

async function deploy(host, branch, settings = {}) {
  return runScript(host, 'deploy', { ...FAST, UPSC_BRANCH: branch, ...settings });
}

async function deployOk(host, branch, settings = {}) {
  const run = await deploy(host, branch, settings);
  expect(run.code, run.stdout).toBe(0);
  return run;
}

describe('retention', () => {
  it('keeps the upsc- images of exactly the last N succeeded deployments', async () => {
    const host = newHost();
    const keep = { UPSC_KEEP_IMAGES: 2 };
    const a = (await deployOk(host, 'main', keep)).result.commit;
    const b = (await deployOk(host, 'feature-x', keep)).result.commit;
    expect(upscTaggedCommits(host)).toEqual([a, b].map((c) => c.slice(0, 12)).sort());
    const c = host.pushBranch('feature-x', { 'app/VERSION': 'feature-x-2\n' });
    await deployOk(host, 'feature-x', keep);
    expect(upscTaggedCommits(host)).toEqual([b, c].map((x) => x.slice(0, 12)).sort());
    const d = host.pushBranch('feature-x', { 'app/VERSION': 'feature-x-3\n' });
    const run = await deployOk(host, 'feature-x', keep);
    expect(upscTaggedCommits(host)).toEqual([c, d].map((x) => x.slice(0, 12)).sort());
    expect(run.steps.find((s) => s.name === 'retention' && s.status === 'ok').text).toBe('kept the images of 2 commits, removed 2 tags');
    // The latest tags (what runs) are untouched.
    expect(host.images().flatMap((i) => i.tags)).toEqual(expect.arrayContaining(['upscapp-be-api:latest', 'upscapp-be-worker:latest']));
  }, 90_000);

  it('never removes the rollback target, even with N=1', async () => {
    const host = newHost();
    const a = (await deployOk(host, 'main', { UPSC_KEEP_IMAGES: 1 })).result.commit;
    const b = (await deployOk(host, 'feature-x', { UPSC_KEEP_IMAGES: 1 })).result.commit;
    expect(upscTaggedCommits(host)).toEqual([a, b].map((c) => c.slice(0, 12)).sort());
  }, 60_000);
});

describe('history.sh', () => {
  it('lists records newest first, with a limit', async () => {
    const host = newHost();
    await deployOk(host, 'main', { UPSC_DEPLOY_ID: 'one' });
    await deploy(host, 'build-fails', { UPSC_DEPLOY_ID: 'two' });
    await deployOk(host, 'feature-x', { UPSC_DEPLOY_ID: 'three' });
    const all = await runScript(host, 'history', {});
    expect(all.code).toBe(0);
    expect(all.result.records.map((r) => [r.id, r.outcome])).toEqual([['three', 'succeeded'], ['two', 'failed'], ['one', 'succeeded']]);
    expect(all.result).toMatchObject({ total: 3, skipped: 0 });
    const limited = await runScript(host, 'history', { UPSC_HISTORY_LIMIT: 2 });
    expect(limited.result.records.map((r) => r.id)).toEqual(['three', 'two']);
  }, 60_000);

  it('tolerates a torn last line, and the next record still starts on its own line', async () => {
    const host = newHost();
    await deployOk(host, 'main', { UPSC_DEPLOY_ID: 'one' });
    const file = path.join(host.upscHome, 'deployments.jsonl');
    const whole = fs.readFileSync(file, 'utf8');
    // A power loss mid-append: half a record, no newline. Cut right after a nested "}" too.
    const torn = whole.trim().replace('"id":"one"', '"id":"torn"');
    fs.appendFileSync(file, torn.slice(0, torn.indexOf('},') + 1));
    const history = await runScript(host, 'history', {});
    expect(history.code).toBe(0);
    expect(history.result.records.map((r) => r.id)).toEqual(['one']);
    expect(history.result.skipped).toBe(1);
    expect(history.warnings).toEqual([expect.stringMatching(/skipped 1 incomplete line/)]);

    await deployOk(host, 'feature-x', { UPSC_DEPLOY_ID: 'two' });
    const after = await runScript(host, 'history', {});
    expect(after.result.records.map((r) => r.id)).toEqual(['two', 'one']);
    expect(after.result.skipped).toBe(1);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(JSON.parse(lines.at(-2)).id).toBe('two');
    const probe = await runScript(host, 'probe', {});
    expect(probe.result.lastDeployment.id).toBe('two');
  }, 60_000);

  it('prints an empty list when there is no history', async () => {
    const host = newHost();
    const run = await runScript(host, 'history', {});
    expect(run.result).toEqual({ records: [], total: 0, skipped: 0, current: null });
  }, 30_000);

  it('reports what the stack was last started from (current.json)', async () => {
    const host = newHost();
    const current = { commit: 'a'.repeat(40), branch: 'main', id: 'd-1', since: '2026-11-28T18:00:00Z' };
    fs.mkdirSync(host.upscHome, { recursive: true });
    fs.writeFileSync(path.join(host.upscHome, 'current.json'), `${JSON.stringify(current)}\n`);
    const run = await runScript(host, 'history', {});
    expect(run.result.current).toEqual(current);
  }, 30_000);
});
