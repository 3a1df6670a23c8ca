// Build step: replace dist/sdk/*.js (tsc's plain re-exports) with esbuild bundles of just the AWS
// SDK parts upsc uses, tree-shaken from the SDK's ES modules and split into shared chunks so that
// each command loads only its own clients. See docs/BENCHMARKS.md for what this saves.
import {build} from 'esbuild'

await build({
  entryPoints: ['src/sdk/ec2.ts', 'src/sdk/ssm.ts', 'src/sdk/logs.ts', 'src/sdk/sts.ts', 'src/sdk/cloudwatch.ts', 'src/sdk/sns.ts', 'src/sdk/iam.ts'],
  outdir: 'dist/sdk',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  mainFields: ['module', 'main'],
  logLevel: 'warning',
  // Some SDK dependencies are CommonJS and call require(): give the ES bundle one.
  banner: {js: "import {createRequire as __upscRequire} from 'node:module'; const require = __upscRequire(import.meta.url);"},
})

// The config schema with zod inlined: one file loads in about half the time of zod's own module graph
// (docs/BENCHMARKS-NOTES.md, "config"). It replaces tsc's output; its exports are the same.
await build({
  entryPoints: ['src/lib/config-schema.ts'],
  outfile: 'dist/lib/config-schema.js',
  allowOverwrite: true,
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
})
