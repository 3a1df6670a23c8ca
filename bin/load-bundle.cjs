// Load dist/upsc.cjs (scripts/bundle-cli.js) as Node loads a CommonJS module, but compiled from V8's
// code cache in dist/upsc.cjs.cache when it is there and fits this Node (scripts/compile-cache.js
// writes it at build time). Node 20 has no compile cache of its own (module.enableCompileCache
// arrived in Node 22.1), so this is the same thing done with node:vm. A cache that does not fit
// (another V8, other flags, another bundle) is rejected by V8 itself, and the bundle is compiled
// as usual. The module goes into require's cache, so oclif's own require() of it finds it there.
// CommonJS: an ES module importing node:fs would build node:fs's whole ES facade, which loads
// Node's streams (about 2 ms of every start).
'use strict'
const {readFileSync} = require('node:fs')
const Module = require('node:module')
const {dirname, join} = require('node:path')
const {pathToFileURL} = require('node:url')
const vm = require('node:vm')

const BUNDLE = join(__dirname, '..', 'dist', 'upsc.cjs')
/** The direct runner's bundle (src/cli/direct/): upsc's commands without oclif's Config. */
const DIRECT = join(__dirname, '..', 'dist', 'upsc-direct.cjs')

/** @returns {{script: vm.Script, cacheRejected: boolean | undefined, run: () => object}} */
function compileBundle(file, cachedData) {
  const source = readFileSync(file, 'utf8')
  // The bundle's import() calls are __upscImport() calls (scripts/bundle-cli.js): this module's import().
  const wrapped = `(function (exports, require, module, __filename, __dirname, __upscImport) { ${source}\n})`
  const script = new vm.Script(wrapped, cachedData ? {filename: file, cachedData} : {filename: file})
  const run = () => {
    const module = new Module(file)
    module.filename = file
    module.paths = Module._nodeModulePaths(dirname(file))
    const require = Module.createRequire(file)
    Module._cache[file] = module
    script
      .runInThisContext()
      .call(
        module.exports,
        module.exports,
        require,
        module,
        file,
        dirname(file),
        (specifier) => import(specifier.startsWith('.') ? new URL(specifier, pathToFileURL(file)).href : specifier),
      )
    module.loaded = true
    return module.exports
  }
  return {script, cacheRejected: cachedData ? script.cachedDataRejected : undefined, run}
}

/** The bundle's exports. */
function loadBundle(file = BUNDLE) {
  let cachedData
  try {
    cachedData = readFileSync(`${file}.cache`)
  } catch {
    // no cache: compile as usual
  }
  return compileBundle(file, cachedData).run()
}

module.exports = {BUNDLE, DIRECT, compileBundle, loadBundle}
