/**
 * What a previous L2 role process left of the security group enforcement (issue 14; a `kill -9`, then a
 * start where some of its ports are gone): port chains (`qsg-i-TAP`, `qsg-o-TAP`) and shared group chains (`qsg-si-KEY`, `qsg-so-KEY`) with their jumps from
 * `qsg-fwd`, the base (`qsg-fwd` and FORWARD's jump) when nothing is enforced any more, and remote-group
 * ipsets (`qsg4-…`, `qsg6-…`) no rule names. The text is computed from what the kernel lists
 * (`iptables-save -t filter`, `ipset list -n`), since the new process never wrote it.
 *
 * @module
 */
import type { NamespaceName } from './ip-batch.js';
import { SG_FORWARD_CHAIN, type SgFamily } from './iptables-sg-rules.js';
import { runCommand } from './run-command.js';

/** A port's chains (`qsg-i-TAP`, `qsg-o-TAP`) and the shared chains of a set of groups (`qsg-si-KEY`, `qsg-so-KEY`). */
const PORT_CHAIN = /^qsg-s?[io]-/;
const SET = /^qsg[46]-/;

/**
 * `iptables-restore --noflush` text removing the port chains of `save` not in `keep` (with the jumps to
 * them), and, when `dropBase`, the base too; undefined when there is nothing to remove. Pure.
 */
export function leftoverChainsScript(
  save: string,
  keep: ReadonlySet<string>,
  dropBase: boolean,
): string | undefined {
  const lines = save.split('\n');
  const chains = lines.filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0] ?? '');
  const stale = new Set(chains.filter((c) => PORT_CHAIN.test(c) && !keep.has(c)));
  const hasBase = chains.includes(SG_FORWARD_CHAIN);
  const removed = dropBase && hasBase ? new Set([...stale, SG_FORWARD_CHAIN]) : stale;
  if (removed.size === 0) return undefined;
  const jumps = lines
    .filter((l) => l.startsWith('-A '))
    .filter((l) => removed.has(/ -j (\S+)/.exec(l)?.[1] ?? ''))
    .filter((l) => !(dropBase && l.startsWith(`-A ${SG_FORWARD_CHAIN} `)))
    .map((l) => `-D ${l.slice(3)}`);
  return [
    '*filter',
    ...jumps,
    ...[...removed].map((c) => `-F ${c}`),
    ...[...removed].map((c) => `-X ${c}`),
    'COMMIT',
    '',
  ].join('\n');
}

function inNamespace(namespace: NamespaceName, command: string, args: readonly string[]): [string, string[]] {
  return namespace === undefined
    ? [command, [...args]]
    : ['ip', ['netns', 'exec', namespace, command, ...args]];
}

const TOOLS: Record<SgFamily, { save: string; restore: string }> = {
  IPv4: { save: 'iptables-save', restore: 'iptables-restore' },
  IPv6: { save: 'ip6tables-save', restore: 'ip6tables-restore' },
};

/**
 * Removes, in both families, the port chains not in `keep` and (`dropBase`) the base. Returns the
 * chains removed. Any command that fails throws (the caller logs and tries again on its next start).
 */
export async function removeLeftoverChains(
  namespace: NamespaceName,
  keep: ReadonlySet<string>,
  dropBase: boolean,
): Promise<string[]> {
  const removed: string[] = [];
  for (const family of ['IPv4', 'IPv6'] as const) {
    const [save, saveArgs] = inNamespace(namespace, TOOLS[family].save, ['-t', 'filter']);
    const listed = await runCommand(save, saveArgs, { allowFailure: true, timeoutMs: 10_000 });
    if (listed.code !== 0) continue;
    const script = leftoverChainsScript(listed.stdout, keep, dropBase);
    if (script === undefined) continue;
    const [restore, args] = inNamespace(namespace, TOOLS[family].restore, ['-w', '5', '--noflush']);
    await runCommand(restore, args, { input: script, timeoutMs: 10_000 });
    removed.push(
      ...script
        .split('\n')
        .filter((l) => l.startsWith('-X '))
        .map((l) => l.slice(3)),
    );
  }
  return removed;
}

/** The security group ipsets (`qsg4-…`, `qsg6-…`) in the namespace. */
export async function listSecurityGroupSets(namespace: NamespaceName): Promise<string[]> {
  const [command, args] = inNamespace(namespace, 'ipset', ['list', '-n']);
  const listed = await runCommand(command, args, { allowFailure: true, timeoutMs: 10_000 });
  return listed.code === 0 ? listed.stdout.split('\n').filter((name) => SET.test(name)) : [];
}
