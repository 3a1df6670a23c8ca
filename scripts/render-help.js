// Build step: render the root help with oclif at 80 columns into dist/help.txt, for bin/run.js's
// fast path. Rendered by oclif itself, so the two can never disagree.
import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'

const help = execFileSync(process.execPath, ['bin/run.js', '--help'], {
  encoding: 'utf8',
  env: {...process.env, UPSC_NO_FAST_PATH: '1', OCLIF_COLUMNS: '80', NO_COLOR: '1'},
})
writeFileSync('dist/help.txt', help)
