import { type CommandResult, runCommand } from '../../../src/linux/run-command.js';

/** What dig printed: the status, the header flags and the data of each answer record. */
export interface DigResult {
  readonly status: string;
  readonly flags: string;
  readonly answers: readonly string[];
}

/** Parses `dig +noall +comments +answer` output (status `no answer` when dig got none). */
export function parseDig(out: CommandResult): DigResult {
  const status = /status: (\w+)/.exec(out.stdout)?.[1] ?? 'no answer';
  const flags = /;; flags: ([a-z ]+);/.exec(out.stdout)?.[1] ?? '';
  const answers = out.stdout
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith(';'))
    .map((line) => line.split(/\s+/).at(-1) ?? '');
  return { status, flags, answers };
}

/**
 * Runs dig inside `namespace` against `server` (one try, 1 s), e.g. `dig(ns, '10.0.0.2', ['-x', ip])`,
 * `['+tcp', name, 'A']`.
 */
export async function digIn(namespace: string, server: string, args: readonly string[]): Promise<DigResult> {
  const common = ['+tries=1', '+time=1', '+noall', '+comments', '+answer', `@${server}`];
  return parseDig(
    await runCommand('ip', ['netns', 'exec', namespace, 'dig', ...common, ...args], {
      allowFailure: true,
      timeoutMs: 15_000,
    }),
  );
}
