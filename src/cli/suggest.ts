/** Pure: the known command closest to a typo, or undefined when nothing is close enough. */
export function closestCommand(input: string, known: string[]): string | undefined {
  let best: {id: string; distance: number} | undefined
  for (const id of known) {
    const distance = editDistance(input, id)
    if (!best || distance < best.distance) best = {id, distance}
  }
  // More than ~half the word changed is not a typo.
  return best && best.distance <= Math.max(2, Math.floor(input.length / 2)) ? best.id : undefined
}

export function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = current
  }
  return previous[b.length]!
}
