import { Command, CommanderError } from 'commander';
import { registerServe } from './commands/serve.js';

/**
 * The entry of `qdhcp serve` alone. `serve` runs as one long-lived process per network (dnsmasq's role),
 * so its footprint counts many times over: scripts/bundle-serve.mjs bundles this entry into one file,
 * which `bin/qdhcp serve` runs. One module instead of ~60 ESM modules saves ~6 MiB of resident memory
 * per process (module records, per-module compiled code) and some startup time (docs/performance.md).
 * Same options and behaviour as `qdhcp serve` from the full CLI, which registers the same command.
 */
async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('qdhcp').exitOverride();
  registerServe(program);
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    throw error;
  }
}

main(process.argv).catch((error: unknown) => {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`qdhcp: ${message}\n`);
  process.exitCode = 1;
});
