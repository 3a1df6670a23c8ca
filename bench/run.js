#!/usr/bin/env node
// Runs the benchmark modules, prints their tables, and writes docs/BENCHMARKS.md from the output.
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'

const MODULES = ['startup', 'status', 'first-request', 'logs', 'rollback', 'fleet', 'bluegreen']
const only = process.argv.slice(2)
const log = (text) => process.stderr.write(`${text}\n`)

function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`
}

function table(rows) {
  const head = ['metric', 'upsc', 'baseline', 'ratio', 'target', 'met']
  const body = rows.map((r) => [r.metric, r.upsc, `${r.baseline}${r.baselineName ? ` (${r.baselineName})` : ''}`, r.ratio, r.target, r.met ? 'yes' : 'NO'])
  const lines = [head, ...body].map((cells) => `| ${cells.map((c) => String(c ?? '')).join(' | ')} |`)
  lines.splice(1, 0, `| ${head.map(() => '---').join(' | ')} |`)
  return lines.join('\n')
}

const sections = []
let allMet = true
for (const name of MODULES) {
  if (only.length > 0 && !only.includes(name)) continue
  const file = new URL(`./${name}.js`, import.meta.url)
  if (!existsSync(file)) continue
  const mod = await import(file.href)
  log(`\n== ${mod.title}`)
  const {rows, notes = []} = await mod.run({log})
  allMet &&= rows.every((r) => r.met)
  const section = `## ${mod.title}\n\n${table(rows)}\n${notes.length ? `\n${notes.map((n) => `- ${n}`).join('\n')}\n` : ''}`
  process.stdout.write(`\n${section}`)
  sections.push({name, section})
}

const reproduce = only.length > 0 ? `node bench/run.js ${only.join(' ')}` : 'npm run bench'
const header = `# Benchmarks\n\nWritten by \`${reproduce}\` on ${new Date().toISOString()}.\nMachine: ${machine()}.\nEvery row measures upsc and its alternative side by side in the same run. Reproduce with \`npm run bench\` (or \`node bench/run.js <module>\` after \`npm run build\`).\n`
// A partial run replaces only its own sections and keeps the others.
const docFile = new URL('../docs/BENCHMARKS.md', import.meta.url)
const previous = existsSync(docFile) ? readFileSync(docFile, 'utf8') : ''
const kept = new Map()
for (const part of previous.split(/\n(?=## )/).slice(1)) {
  const marker = /<!-- bench:([\w-]+) -->/.exec(part)
  // A section ends at its marker: what follows the last one is the notes, written afresh below.
  if (marker) kept.set(marker[1], part.slice(0, marker.index + marker[0].length).trim())
}
for (const {name, section} of sections) kept.set(name, `${section.trim()}\n\n<!-- bench:${name} -->`)
const explanations = existsSync(new URL('../docs/BENCHMARKS-NOTES.md', import.meta.url))
  ? `\n${readFileSync(new URL('../docs/BENCHMARKS-NOTES.md', import.meta.url), 'utf8')}`
  : ''
writeFileSync(
  docFile,
  `${header}\n${MODULES.filter((m) => kept.has(m))
    .map((m) => kept.get(m))
    .join('\n\n')}\n${explanations}`,
)
log(`\nWrote docs/BENCHMARKS.md${allMet ? '' : ' (some targets NOT met)'}`)
