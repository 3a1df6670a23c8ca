/**
 * Wait `ms`, or less if `signal` aborts. The abort listener is removed when the wait ends either
 * way: a follow loop sleeps thousands of times on one long-lived signal, and a listener left
 * behind by each sleep is the "MaxListenersExceededWarning ... abort listeners" leak.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, {once: true})
  })
}
