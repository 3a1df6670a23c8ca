// The layer rules of docs/ARCHITECTURE.md, checked by test/architecture.test.ts on every `npm test`
// (`npx depcruise src` shows the same). Type-only imports count: a type from the wrong layer still ties
// that layer's shape to this one.

// Top to bottom. A layer imports from the layers below it, never from one above: that is what keeps
// the use cases free of oclif, the engine free of use cases, and the pure folders testable by exact output.
const layers = [
  ['entry', ['commands', 'hooks']],
  ['cli', ['cli']],
  ['render', ['render']],
  ['ops', ['ops']],
  ['engine', ['engine']],
  ['aws', ['aws']],
  ['domain', ['status', 'logs', 'history', 'outcome', 'bootstrap', 'remote', 'env']],
  ['config', ['config']],
  ['base', ['errors', 'util']],
]
const folders = (names) => `^src/(${names.join('|')})/`

const upward = layers.slice(1).map(([name, own], i) => {
  const above = layers.slice(0, i + 1).flatMap(([, names]) => names)
  return {
    name: `${name}-imports-only-below`,
    comment: `${own.join('/, ')}/ never import ${above.join('/, ')}/`,
    severity: 'error',
    from: {path: folders(own)},
    to: {path: folders(above)},
  }
})

module.exports = {
  forbidden: [
    ...upward,
    {
      // One door to AWS: retries, errors and the bundled SDK entry points live in aws/, and no other
      // layer loads (or is shaped by) the SDK.
      name: 'sdk-only-in-aws',
      severity: 'error',
      from: {pathNot: '^src/aws/'},
      to: {path: '(^|/)node_modules/@aws-sdk/'},
    },
    {
      // Use cases take a plain context, never the oclif class: oclif stays in the entry points and cli/.
      name: 'oclif-only-in-cli',
      severity: 'error',
      from: {pathNot: folders(['commands', 'hooks', 'cli'])},
      to: {path: '(^|/)@oclif/'},
    },
    {
      // render/ is pure (results -> text): the results' types come from ops/, nothing runs there.
      name: 'render-imports-ops-types-only',
      severity: 'error',
      from: {path: '^src/render/'},
      to: {path: '^src/ops/', dependencyTypesNot: ['type-only', 'pre-compilation-only']},
    },
    {
      // ...and it never reaches past ops/ to the engine or AWS, not even for a type.
      name: 'render-is-pure',
      severity: 'error',
      from: {path: '^src/render/'},
      to: {path: folders(['engine', 'aws'])},
    },
    {
      // A cycle makes two modules one: neither can be read, tested or loaded without the other.
      name: 'no-cycles',
      severity: 'error',
      from: {},
      to: {circular: true},
    },
  ],
  options: {
    tsConfig: {fileName: 'tsconfig.json'},
    // See `import type` too; "specify" marks the imports TypeScript elides as pre-compilation-only.
    tsPreCompilationDeps: 'specify',
    doNotFollow: {path: 'node_modules'},
  },
}
