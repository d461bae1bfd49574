import { type Command, CommanderError } from 'commander';

/**
 * Runs a commander program as a process entry point: usage errors end with commander's exit code (its
 * message is already printed), anything else with its stack on stderr and exit code 1 — never an unhandled
 * rejection. Shared by the full CLI (main.ts) and the bundled `serve` entry (serve-main.ts).
 */
export function runProgram(program: Command, argv: readonly string[]): void {
  program.exitOverride();
  program.parseAsync([...argv]).catch((error: unknown) => {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`qdhcp: ${message}\n`);
    process.exitCode = 1;
  });
}
