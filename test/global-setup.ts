/**
 * Every temp folder a test makes (configs, sandbox hosts, the stand-in's files) goes under one
 * folder for the run, removed at the end: `npm test` leaves nothing behind in /tmp.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'upsc-test-run-'))
  // The test workers start after this and inherit it; os.tmpdir() follows TMPDIR.
  process.env.TMPDIR = dir
  return () => rmSync(dir, {recursive: true, force: true})
}
