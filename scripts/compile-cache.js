// Build step: V8's code cache for dist/upsc.cjs, written to dist/upsc.cjs.cache, which bin/run.js
// hands to V8 when it compiles the bundle (bin/load-bundle.js). The cache is taken after the bundle
// has run its top level and evaluated every command's module (each is evaluated lazily when run), so
// it holds the top-level code of everything a command loads.
import {writeFileSync} from 'node:fs'

import {BUNDLE, compileBundle} from '../bin/load-bundle.js'

const {script, run} = compileBundle(BUNDLE)
const {COMMANDS} = run()
for (const id of Object.keys(COMMANDS)) void COMMANDS[id]
writeFileSync(`${BUNDLE}.cache`, script.createCachedData())
