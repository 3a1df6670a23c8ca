// Start-up: `upsc --version`, `upsc --help`, a command's help and a real command that makes no AWS
// call (`upsc bootstrap systemd`: finds and validates the config, renders the units; also through
// oclif without the direct runner), each beside `node -e 0`, medians of 15 runs each, interleaved
// so that machine noise hits them all alike.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {fmtMs, fmtRatio, measure, median} from './lib.js'

export const title = "Start-up: upsc --version, --help, a command's help and a real command vs node -e 0"
const RUN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const RUNS = 15

export async function run({log}) {
  const dir = mkdtempSync(join(tmpdir(), 'upsc-bench-startup-'))
  try {
    writeFileSync(
      join(dir, 'upsc.config.json'),
      JSON.stringify({stages: {stage2: {region: 'eu-central-1', instances: {tags: {Name: 'upscpro-stage2-docker'}}}}}),
    )
    const systemd = [RUN, 'bootstrap', 'systemd', '--out', join(dir, 'units'), '--force']
    const times = {node: [], version: [], help: [], oclif: [], historyHelp: [], systemd: [], systemdOclif: []}
    for (let i = 0; i < RUNS; i++) {
      times.node.push((await measure(process.execPath, ['-e', '0'])).ms)
      times.version.push((await measure(process.execPath, [RUN, '--version'])).ms)
      times.help.push((await measure(process.execPath, [RUN, '--help'])).ms)
      // The same help rendered by oclif itself (no fast path): what the fast path saves.
      times.oclif.push((await measure(process.execPath, [RUN, '--help'], {env: {...process.env, UPSC_NO_FAST_PATH: '1'}})).ms)
      times.historyHelp.push((await measure(process.execPath, [RUN, 'history', '--help'])).ms)
      const s = await measure(process.execPath, systemd, {cwd: dir})
      if (s.code !== 0) throw new Error(`upsc bootstrap systemd exited ${s.code}: ${s.stdout}${s.stderr}`)
      times.systemd.push(s.ms)
      // The same command through oclif itself (no direct runner): what the direct runner saves.
      const o = await measure(process.execPath, systemd, {cwd: dir, env: {...process.env, UPSC_NO_FAST_PATH: '1'}})
      if (o.code !== 0) throw new Error(`upsc bootstrap systemd (oclif) exited ${o.code}: ${o.stdout}${o.stderr}`)
      times.systemdOclif.push(o.ms)
      log(`run ${i + 1}/${RUNS}`)
    }
    const node = median(times.node)
    const row = (metric, ms, limit) => ({
      metric,
      upsc: fmtMs(ms),
      baseline: fmtMs(node),
      baselineName: 'node -e 0',
      ratio: fmtRatio(ms / node),
      target: `≤ ${limit.toFixed(2)}x`,
      met: ms / node <= limit,
    })
    return {
      rows: [
        row('upsc --version', median(times.version), 2),
        row('upsc --help', median(times.help), 2),
        row("upsc history --help (a command's help)", median(times.historyHelp), 1.5),
        row('upsc bootstrap systemd (config found, validated, units rendered; no AWS)', median(times.systemd), 1.5),
      ],
      notes: [
        `oclif rendering the root help without the fast path: ${fmtMs(median(times.oclif))} (${fmtRatio(median(times.oclif) / node)} of node -e 0).`,
        `upsc bootstrap systemd through oclif instead of the direct runner (UPSC_NO_FAST_PATH=1): ${fmtMs(median(times.systemdOclif))} (${fmtRatio(median(times.systemdOclif) / node)} of node -e 0).`,
        "Output goes to a pipe, as in a script: help then comes from the files oclif rendered at build (dist/help/); on a terminal oclif renders it (at the terminal's width, in colour).",
      ],
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
