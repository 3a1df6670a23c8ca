/**
 * Ctrl-C while following a remote run stops following, not the run. The first SIGINT aborts the
 * signal (the command then prints how to re-attach or cancel); a second one exits at once.
 */
export function interruptSignal(): {signal: AbortSignal; dispose: () => void} {
  const controller = new AbortController()
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130)
    controller.abort()
  }
  process.on('SIGINT', onSigint)
  process.on('SIGTERM', onSigint)
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSigint)
      process.off('SIGTERM', onSigint)
    },
  }
}
