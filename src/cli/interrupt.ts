/**
 * Ctrl-C while following a remote run stops following, not the run. The first SIGINT aborts the
 * signal (the command then prints how to re-attach or cancel); a second one exits at once.
 */
export function interruptSignal(options: {secondExitCode?: number} = {}): {signal: AbortSignal; abort: () => void; dispose: () => void} {
  const controller = new AbortController()
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(options.secondExitCode ?? 130)
    controller.abort()
  }
  process.on('SIGINT', onSigint)
  process.on('SIGTERM', onSigint)
  return {
    signal: controller.signal,
    /** Stop following as Ctrl-C would (e.g. the reader of the output went away). */
    abort: () => controller.abort(),
    dispose: () => {
      process.off('SIGINT', onSigint)
      process.off('SIGTERM', onSigint)
    },
  }
}
