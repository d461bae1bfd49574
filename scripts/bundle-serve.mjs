// Bundles `qdhcp serve` (dist/src/cli/serve-main.js, built by tsc) into dist/serve.mjs, the file
// bin/qdhcp runs for `serve`: one module loads in less memory than the ~60 modules it is made of
// (see src/cli/serve-main.ts). Run after tsc (npm run build does both).
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/src/cli/serve-main.js'],
  outfile: 'dist/serve.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Dependencies written as CommonJS call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as qdhcpCreateRequire } from 'node:module'; const require = qdhcpCreateRequire(import.meta.url);" },
  // The netns addon (batched sockets) loads its compiled .node files with require(): left to Node.
  external: ['@qdhcp/netns'],
  sourcemap: 'linked',
  logLevel: 'warning',
});
