/** A yes/no question on stderr, the answer from stdin; anything but y/yes is a no. */
import {createInterface} from 'node:readline'

export async function askConfirm(
  question: string,
  io: {input: NodeJS.ReadableStream; output: NodeJS.WritableStream} = {input: process.stdin, output: process.stderr},
): Promise<boolean> {
  io.output.write(`${question} [y/N] `)
  const rl = createInterface({input: io.input, terminal: false})
  try {
    return await new Promise<boolean>((resolve) => {
      rl.once('line', (answer) => resolve(/^(y|yes)$/i.test(answer.trim())))
      rl.once('close', () => resolve(false))
    })
  } finally {
    rl.close()
    io.input.pause()
  }
}
