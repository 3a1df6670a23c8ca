/**
 * A numbered choice on the terminal: the list and the question on stderr, the answer from stdin.
 * stdin is released (paused) afterwards, so that a child started next (session-manager-plugin)
 * gets every key.
 */
import {createInterface} from 'node:readline'

export async function askChoice(
  header: string,
  lines: string[],
  parse: (answer: string) => number | undefined,
  io: {input: NodeJS.ReadableStream; output: NodeJS.WritableStream} = {input: process.stdin, output: process.stderr},
): Promise<number | undefined> {
  io.output.write(`${header}\n${lines.join('\n')}\n`)
  const rl = createInterface({input: io.input, terminal: false})
  const ask = () => io.output.write(`Which one? [1-${lines.length}] `)
  try {
    return await new Promise<number | undefined>((resolve) => {
      let tries = 0
      rl.on('line', (answer) => {
        const index = parse(answer)
        if (index !== undefined) return resolve(index)
        // Three wrong answers: give up (the caller says how to pick with --instance).
        if (++tries >= 3) return resolve(undefined)
        io.output.write(`"${answer.trim()}" is not one of the numbers.\n`)
        ask()
      })
      rl.on('close', () => resolve(undefined))
      ask()
    })
  } finally {
    rl.close()
    io.input.pause()
  }
}
