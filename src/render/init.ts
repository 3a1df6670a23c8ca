import type {Findings, FoundInstance} from '../ops/init.js'

/** Pure: one line per instance for the numbered choice. */
export function instanceChoiceLines(instances: FoundInstance[]): string[] {
  const width = Math.max(...instances.map((i) => (i.name ?? '-').length))
  const digits = String(instances.length).length
  return instances.map(
    (i, n) =>
      `  ${String(n + 1).padStart(digits)}) ${(i.name ?? '-').padEnd(width)}  ${i.instanceId}  ${i.state.padEnd(8)}  ${i.ping ? `SSM ${i.ping}` : 'not managed by SSM'}`,
  )
}

/** Pure: what init found, for a reader (no terminal: the choices come from flags). */
export function renderFindings(f: Findings): string {
  if (f.problem) return `Could not look at the account in ${f.region}: ${f.problem}\nWriting the config from the flags alone.`
  const lines = [`In ${f.region}:`]
  lines.push(
    f.instances.length > 0
      ? `Instances (Name tag or SSM-managed):\n${instanceChoiceLines(f.instances).join('\n')}`
      : 'No instance with a Name tag or an SSM agent.',
  )
  lines.push(
    f.tokenParameters.length > 0
      ? `GitHub token parameters (SecureString): ${f.tokenParameters.join(', ')}`
      : 'No SecureString parameter that looks like a GitHub token.',
  )
  return lines.join('\n')
}
