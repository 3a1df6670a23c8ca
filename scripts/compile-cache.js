// Build step: V8's code cache for dist/upsc.cjs and dist/upsc-direct.cjs, written next to each as
// .cache, which bin/run.js hands to V8 when it compiles the bundle (bin/load-bundle.cjs). The cache
// is taken after the bundle has run its top level and evaluated every command's module (each is
// evaluated lazily when run), so it holds the top-level code of everything a command loads.
import {writeFileSync} from 'node:fs'

import {BUNDLE, compileBundle, DIRECT} from '../bin/load-bundle.cjs'

for (const file of [BUNDLE, DIRECT]) {
  const {script, run} = compileBundle(file)
  const {COMMANDS} = run()
  for (const id of Object.keys(COMMANDS)) void COMMANDS[id]
  writeFileSync(`${file}.cache`, script.createCachedData())
}
