// Build step: replace dist/aws/sdk/*.js (tsc's plain re-exports) with esbuild bundles of just the AWS
// SDK parts upsc uses, tree-shaken from the SDK's ES modules and split into shared chunks so that
// each command loads only its own clients. See docs/BENCHMARKS.md for what this saves.
import {readFile} from 'node:fs/promises'

import {build} from 'esbuild'

/**
 * The SDK's schema modules key their shapes' traits by constants (`{[_xN]: "Name"}`, `_xN =
 * "xmlName"`). esbuild must assume a computed key may run code, so it keeps every shape of the
 * service, used or not (EC2: about 3,400). Written as the literal keys they are, unused shapes are
 * dropped: EC2's chunk goes from 0.81 MB to 44 KB, the shapes its two operations reach.
 */
const literalShapeKeys = {
  name: 'literal-shape-keys',
  setup(b) {
    b.onLoad({filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/}, async ({path}) => {
      const source = await readFile(path, 'utf8')
      const strings = new Map([...source.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)].map((m) => [m[1], m[2]]))
      return {contents: source.replace(/\[(_\w+)\]:/g, (key, name) => (strings.has(name) ? `${strings.get(name)}:` : key)), loader: 'js'}
    })
  },
}

await build({
  entryPoints: [
    'src/aws/sdk/ec2.ts',
    'src/aws/sdk/ssm.ts',
    'src/aws/sdk/logs.ts',
    'src/aws/sdk/sts.ts',
    'src/aws/sdk/cloudwatch.ts',
    'src/aws/sdk/sns.ts',
    'src/aws/sdk/iam.ts',
  ],
  outdir: 'dist/aws/sdk',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  mainFields: ['module', 'main'],
  // Whitespace and syntax only (names stay): EC2's chunk goes from 1.07 MB to 0.81 MB, about 2.5 MiB
  // less peak memory when it loads (docs/BENCHMARKS-NOTES.md).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  plugins: [literalShapeKeys],
  // Some SDK dependencies are CommonJS and call require(): give the ES bundle one.
  banner: {js: "import {createRequire as __upscRequire} from 'node:module'; const require = __upscRequire(import.meta.url);"},
})

// The config schema with zod inlined: one file loads in about half the time of zod's own module graph
// (docs/BENCHMARKS-NOTES.md, "config"). It replaces tsc's output; its exports are the same.
await build({
  entryPoints: ['src/config/schema.ts'],
  outfile: 'dist/config/schema.js',
  allowOverwrite: true,
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
})
