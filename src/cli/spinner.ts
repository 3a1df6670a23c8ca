/**
 * The spinner lifecycle in one place: on stderr, only for a human at a terminal, and always
 * stopped before anything else (an error, the result) is printed.
 */
export async function withSpinner<T>(enabled: boolean, text: string, work: (progress: (text: string) => void) => Promise<T>): Promise<T> {
  if (!enabled) return work(() => {})
  const {default: ora} = await import('ora')
  const spinner = ora({text, stream: process.stderr}).start()
  try {
    return await work((t) => (spinner.text = t))
  } finally {
    spinner.stop()
  }
}
