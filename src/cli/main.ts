import { Command } from 'commander';
import { commands } from './commands/index.js';
import { runProgram } from './run-program.js';

/**
 * The `qdhcp` command line. Every subcommand lives in its own module under `commands/`, which
 * declares its options (so `--help` works without loading the heavy parts) and imports its
 * implementation only when run.
 */
const program = new Command('qdhcp')
  .description('Tenant-network DHCP, DNS and metadata for Linux hosts (Neutron-compatible)')
  .showHelpAfterError();
for (const register of commands) register(program);
runProgram(program, process.argv);
