import { type Command, CommanderError } from 'commander';

/**
 * Runs a commander program as a process entry point: usage errors end with commander's exit code (its
 * message is already printed), anything else with its stack on stderr and exit code 1 — never an unhandled
 * rejection. Shared by the full CLI (main.ts) and the bundled `serve` entry (serve-main.ts).
 *
 * A reader that stops reading (`qdhcp netns-cleanup | head -1`) ends the command quietly, as SIGPIPE ends
 * other Unix tools: Node ignores SIGPIPE and reports EPIPE as an 'error' event of stdout, which without
 * a listener is an uncaught exception with a stack trace. The exit code is the one already set, else 0.
 */
export function runProgram(program: Command, argv: readonly string[]): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit();
  });
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
