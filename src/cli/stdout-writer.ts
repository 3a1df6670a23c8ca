/** Writes to stdout, waiting when the reader is slower (bounded memory); stops quietly once it is gone. */
export function stdoutWriter(onGone: () => void): (text: string) => void | Promise<void> {
  let gone = false
  let wakeOnGone: (() => void) | undefined
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    gone = true
    wakeOnGone?.()
    onGone()
  })
  return (text) => {
    if (gone || process.stdout.write(text)) return
    return new Promise<void>((resolve) => {
      wakeOnGone = resolve
      process.stdout.once('drain', resolve)
    })
  }
}
