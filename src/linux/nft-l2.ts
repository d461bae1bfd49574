/**
 * Applies the L2 role's nftables text (nft-l2-rules.ts) in the host namespace: one `nft -f -` per change,
 * which nft runs as one transaction (all of it or nothing). `undefined` namespace = the current one.
 *
 * @module
 */
import type { NamespaceName } from './ip-batch.js';
import { L2_TABLE, type L2TableState, parseL2Table } from './nft-l2-rules.js';
import { runCommand } from './run-command.js';

function nftArgs(namespace: NamespaceName, args: readonly string[]): [string, string[]] {
  return namespace === undefined ? ['nft', [...args]] : ['ip', ['netns', 'exec', namespace, 'nft', ...args]];
}

/** Runs the lines as one nft transaction; throws (CommandError, with nft's message) when nft refuses. */
export async function applyNft(namespace: NamespaceName, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const [command, args] = nftArgs(namespace, ['-f', '-']);
  await runCommand(command, args, { input: `${lines.join('\n')}\n`, timeoutMs: 10_000 });
}

/**
 * The L2 table's chains, sets and mapped devices (all empty when the table does not exist).
 * @internal the tests read what the kernel holds; the agent keeps its own account of what it wrote.
 */
export async function readL2Table(namespace: NamespaceName): Promise<L2TableState> {
  const [command, args] = nftArgs(namespace, ['-j', 'list', 'table', 'bridge', L2_TABLE]);
  const result = await runCommand(command, args, { allowFailure: true, timeoutMs: 10_000 });
  return parseL2Table(result.code === 0 ? result.stdout : '');
}
