import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';

/**
 * The `qdhcp` command line. Every subcommand lives in its own module under `commands/`, which
 * declares its options (so `--help` works without loading the heavy parts) and imports its
 * implementation only when run.
 */
async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('qdhcp')
    .description('Tenant-network DHCP, DNS and metadata for Linux hosts (Neutron-compatible)')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
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
