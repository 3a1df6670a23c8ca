/**
 * The events already printed while following, by key, in bounded memory. Following re-reads a
 * trailing window to catch late events, so every key in that window must be remembered; older
 * keys are forgotten. When the cap is reached the oldest keys go first, and `safeStart` moves past
 * their timestamps so that a re-read never reaches an event whose key was forgotten: a duplicate
 * is never printed, at worst a very late event is missed.
 */
export class DedupWindow {
  private readonly keys = new Map<string, number>()
  private forgottenUpTo = Number.NEGATIVE_INFINITY

  constructor(private readonly max = 100_000) {}

  /** Remember a key; false when it was already there (a duplicate). */
  add(key: string, timestamp: number): boolean {
    if (this.keys.has(key)) return false
    this.keys.set(key, timestamp)
    if (this.keys.size > this.max) {
      // Map iterates in insertion order: the first key is the oldest remembered.
      const [oldest, at] = this.keys.entries().next().value as [string, number]
      this.keys.delete(oldest)
      this.forgottenUpTo = Math.max(this.forgottenUpTo, at)
    }
    return true
  }

  has(key: string): boolean {
    return this.keys.has(key)
  }

  /** Forget keys older than `cutoff`: no re-read goes back that far. */
  prune(cutoff: number): void {
    for (const [key, at] of this.keys) if (at < cutoff) this.keys.delete(key)
  }

  /** The earliest timestamp that can be read again without risking a duplicate. */
  get safeStart(): number {
    return this.forgottenUpTo + 1
  }

  get size(): number {
    return this.keys.size
  }
}

/** Events have ids only within their group. */
export const idKey = (group: string, eventId: string) => `${group}\n${eventId}`

/** Live Tail events carry no id: the same event from FilterLogEvents is known by its content. */
export const contentKey = (e: {group: string; stream: string; timestamp: number; message: string}) => `${e.group}\n${e.stream}\n${e.timestamp}\n${e.message}`
