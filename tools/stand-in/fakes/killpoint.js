// Deterministic crash points, for the crash-consistency test. With FAKE_KILL_AT=<file> holding a
// number N, every fake tool call (docker, systemctl here; git in fake-bin/git) counts two moments,
// before and after it does its work; at the Nth, the tool SIGKILLs the script's process group (the
// group whose id is the session's: the script is started with setsid, as the agent starts it; a tool
// run under `timeout` is in a group of its own and survives, as it would on a host) after writing
// what it was to <file>.hit. The scripts call these tools one at a time, so the count needs no lock.
import fs from 'node:fs'

/**
 * @param {string} tool
 * @param {string[]} args
 * @param {'before' | 'after'} when
 */
export function killPoint(tool, args, when) {
  const file = process.env.FAKE_KILL_AT
  if (!file) return
  const left = Number(fs.readFileSync(file, 'utf8')) - 1
  fs.writeFileSync(file, `${left}\n`)
  if (left !== 0) return
  fs.writeFileSync(`${file}.hit`, `${tool} ${args.join(' ')} ${when}\n`)
  // /proc/self/stat: "pid (comm) state ppid pgrp session ...".
  const session = Number(fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[3])
  process.kill(-session, 'SIGKILL')
}
