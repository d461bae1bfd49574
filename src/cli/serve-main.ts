import { Command } from 'commander';
import { registerServe } from './commands/serve.js';
import { runProgram } from './run-program.js';

/**
 * The entry of `qdhcp serve` alone. `serve` runs as one long-lived process per network (dnsmasq's role),
 * so its footprint counts many times over: scripts/bundle-serve.mjs bundles this entry into one file,
 * which `bin/qdhcp serve` runs. One module instead of ~60 ESM modules saves ~6 MiB of resident memory
 * per process (module records, per-module compiled code) and some startup time (docs/performance.md).
 * Same options and behaviour as `qdhcp serve` from the full CLI, which registers the same command.
 */
const program = new Command('qdhcp');
registerServe(program);
runProgram(program, process.argv);
