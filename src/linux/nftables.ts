/**
 * nftables inside a named namespace (never the agent's own: a router's table lives in its `qrouter-`
 * namespace, issue 13). A change is one `nft -f -` script, which the kernel commits as one transaction: all
 * of it or none, so a floating IP's DNAT and SNAT entries appear and disappear together.
 *
 * @module
 */
import { CommandError, inNetworkNamespace, runCommand } from './run-command.js';

/** Runs an nft script (one command per line) inside `namespace` as one transaction; nothing for none. */
export async function runNftScript(namespace: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  for (const line of lines) {
    if (line.includes('\n'))
      throw new CommandError(['nft', '-f', '-'], undefined, `newline in script line ${JSON.stringify(line)}`);
  }
  await runCommand(...inNetworkNamespace(namespace, 'nft', ['-f', '-']), {
    input: `${lines.join('\n')}\n`,
    timeoutMs: 20_000,
  });
}

/**
 * `nft -j list table FAMILY NAME` inside `namespace`: the entries of its `nftables` array (table, chains,
 * sets and maps with their elements, rules with handles and comments), or undefined when the table does
 * not exist. Parsed by observed-nft.ts.
 */
export async function readNftTable(
  namespace: string,
  family: string,
  table: string,
): Promise<unknown[] | undefined> {
  const result = await runCommand(
    ...inNetworkNamespace(namespace, 'nft', ['-j', 'list', 'table', family, table]),
    {
      timeoutMs: 10_000,
      allowFailure: true,
    },
  );
  if (result.code !== 0) {
    if (/No such file or directory/.test(result.stderr)) return undefined;
    throw new CommandError(
      ['nft', '-j', 'list', 'table', family, table],
      result,
      `exited with ${result.code ?? result.signal}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.stdout);
  } catch (error) {
    throw new CommandError(['nft', '-j', 'list', 'table', family, table], result, 'unreadable JSON', error);
  }
  const entries = (parsed as { nftables?: unknown } | null)?.nftables;
  return Array.isArray(entries) ? entries : [];
}
