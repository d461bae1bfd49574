// Bundles the full CLI (dist/src/cli/main.js, built by tsc) into dist/cli/ (main.mjs and the chunks its lazy
// imports load), the files bin/qdhcp runs when they are newer than the tsc build: a restart after a crash
// serves its networks only once the agent's modules are loaded, and loading ~500 ES modules one file at a
// time (ours and typebox's) was most of that (issue 17, docs/performance.md). Packages written as CommonJS
// stay outside (Node loads them as before); the ES ones (typebox, kysely) and commander, dns-packet come in.
// Run after tsc (npm run build does both).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/cli', { recursive: true, force: true });
await build({
  entryPoints: ['dist/src/cli/main.js'],
  outdir: 'dist/cli',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Dependencies written as CommonJS call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as qdhcpCreateRequire } from 'node:module'; const require = qdhcpCreateRequire(import.meta.url);" },
  // Native addons, and CommonJS packages that find files of their own at run time.
  external: ['@qdhcp/netns', 'better-sqlite3', 'pg', 'pino', 'fastify', 'amqplib', '@fastify/*'],
  sourcemap: 'linked',
  logLevel: 'warning',
});
