/**
 * Pure: build the one bash program sent to a host from the library (lib.sh with its parts in place,
 * see payload.ts readScript, plus bluegreen.sh when added) and an entry script, small enough for Run
 * Command's parameter limit:
 * - only the library functions the entry script can reach are kept (a function is reached when its
 *   name appears as a word in reached code; over-keeping is harmless, under-keeping is impossible
 *   for direct calls, `trap` handlers and names passed as arguments);
 * - comment lines, blank lines and indentation are dropped (the scripts keep no multi-line string
 *   literals and no heredocs, so no text changes meaning).
 * The host-script tests run this exact bundle.
 */

interface Chunk {
  /** Function name, or undefined for top-level statements (always kept). */
  name?: string
  text: string
}

const FUNCTION_START = /^([A-Za-z_][A-Za-z0-9_]*)\(\)\s*\{/

/** Split a library into top-level function definitions and everything else. */
export function splitFunctions(source: string): Chunk[] {
  const lines = source.split('\n')
  const chunks: Chunk[] = []
  let other: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const start = FUNCTION_START.exec(line)
    if (!start) {
      other.push(line)
      continue
    }
    if (other.length > 0) chunks.push({text: other.join('\n')}), (other = [])
    const body = [line]
    // A one-liner `name() { ...; }` ends on its own line; otherwise at the first `}` in column 0.
    if (!/\}\s*$/.test(line) || line.trim().endsWith('{')) {
      while (i + 1 < lines.length) {
        const next = lines[++i]!
        body.push(next)
        if (next.startsWith('}')) break
      }
    }
    chunks.push({name: start[1], text: body.join('\n')})
  }
  if (other.length > 0) chunks.push({text: other.join('\n')})
  return chunks
}

/** Keep the functions reachable from the entry script and the library's top-level code. */
export function reachableLibrary(library: string, entry: string): string {
  const chunks = splitFunctions(library)
  const byName = new Map(chunks.filter((c) => c.name).map((c) => [c.name!, c]))
  const kept = new Set<string>()
  // Comments name functions too ("# retry CMD...: ..."): only code counts.
  const queue = [entry, ...chunks.filter((c) => !c.name).map((c) => c.text)].map(compactScript)
  while (queue.length > 0) {
    const text = queue.pop()!
    for (const word of text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) {
      if (kept.has(word) || !byName.has(word)) continue
      kept.add(word)
      queue.push(compactScript(byName.get(word)!.text))
    }
  }
  return chunks
    .filter((c) => !c.name || kept.has(c.name))
    .map((c) => c.text)
    .join('\n')
}

export function compactScript(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimStart())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .join('\n')
}

export function bundleScripts(library: string, entry: string): string {
  return `${compactScript(reachableLibrary(library, entry))}\n${compactScript(entry)}\n`
}
