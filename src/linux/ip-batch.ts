import { CommandError, type CommandResult, runCommand } from './run-command.js';

/** Where an `ip` command runs: the current namespace (undefined) or a named one (`ip -n NAME`). */
export type NamespaceName = string | undefined;

function namespaceArgs(namespace: NamespaceName): string[] {
  return namespace === undefined ? [] : ['-n', namespace];
}

/**
 * Runs several `ip` commands with one process (`ip [-n NS] -batch -`): one spawn instead of one per
 * command, which is what makes converging a thousand networks affordable. Stops at the first failing line
 * and rejects with {@link CommandError} (its stderr names the line); an empty list spawns nothing.
 */
export async function runIpBatch(
  namespace: NamespaceName,
  lines: readonly string[],
  options: { readonly force?: boolean; readonly timeoutMs?: number } = {},
): Promise<CommandResult | undefined> {
  if (lines.length === 0) return undefined;
  for (const line of lines) {
    if (line.includes('\n'))
      throw new CommandError(['ip', '-batch'], undefined, `newline in batch line ${JSON.stringify(line)}`);
  }
  const args = [...namespaceArgs(namespace), ...(options.force === true ? ['-force'] : []), '-batch', '-'];
  return runCommand('ip', args, {
    input: `${lines.join('\n')}\n`,
    timeoutMs: options.timeoutMs ?? 20_000,
    allowFailure: options.force === true,
  });
}

/**
 * Runs read-only commands that may fail (`link show dev X` of a device that may not exist) with one
 * `ip [-n NS] -j -d -force -batch -` and returns every entry printed, in one list: failing commands print
 * nothing, so entries are not per command (they carry their own names).
 */
export async function readIpJsonEntries(
  namespace: NamespaceName,
  commands: readonly string[],
): Promise<unknown[]> {
  if (commands.length === 0) return [];
  const result = await runCommand('ip', [...namespaceArgs(namespace), '-j', '-d', '-force', '-batch', '-'], {
    input: `${commands.join('\n')}\n`,
    timeoutMs: 10_000,
    allowFailure: true,
  });
  return splitJsonArrays(result.stdout, 0).flat();
}

/** Splits concatenated top-level JSON arrays (`[…][…]` or one per line) into values. */
export function splitJsonArrays(text: string, expected: number): unknown[][] {
  const out: unknown[][] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === ']') {
      depth--;
      if (depth === 0 && start >= 0) {
        const parsed: unknown = JSON.parse(text.slice(start, i + 1));
        out.push(Array.isArray(parsed) ? parsed : []);
        start = -1;
      }
    }
  }
  // `ip -j` prints nothing at all for some empty results; keep positions aligned by padding.
  while (out.length < expected) out.push([]);
  return out;
}

/** Lists the named namespaces (`ip netns list`), names only. */
export async function listNamespaces(): Promise<string[]> {
  const result = await runCommand('ip', ['-j', 'netns', 'list'], { timeoutMs: 10_000 });
  const parsed = splitJsonArrays(result.stdout, 1)[0] ?? [];
  const names: string[] = [];
  for (const entry of parsed) {
    const name = (entry as { name?: unknown }).name;
    if (typeof name === 'string') names.push(name);
  }
  return names;
}

/** PIDs of the processes inside a namespace (`ip netns pids`); empty when it does not exist. */
export async function namespacePids(namespace: string): Promise<number[]> {
  const result = await runCommand('ip', ['netns', 'pids', namespace], {
    allowFailure: true,
    timeoutMs: 10_000,
  });
  if (result.code !== 0) return [];
  return result.stdout
    .split(/\s+/)
    .filter((text) => /^\d+$/.test(text))
    .map(Number);
}

/** Sets sysctls inside a namespace with one process (`ip netns exec NS sysctl -q -w k=v …`). */
export async function setNamespaceSysctls(
  namespace: string,
  values: Readonly<Record<string, string>>,
): Promise<void> {
  const pairs = Object.entries(values).map(([key, value]) => `${key}=${value}`);
  if (pairs.length === 0) return;
  await runCommand('ip', ['netns', 'exec', namespace, 'sysctl', '-q', '-w', ...pairs], { timeoutMs: 10_000 });
}
