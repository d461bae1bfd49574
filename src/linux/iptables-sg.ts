/**
 * Applies the L2 role's security group text (iptables-sg-rules.ts) in the host namespace with
 * iptables-restore/ip6tables-restore (`--noflush`, one commit per family) and `ipset restore`.
 * `undefined` namespace = the current one.
 *
 * br_netfilter's `net.bridge.bridge-nf-call-ip{,6}tables` is per network namespace on this kernel (checked:
 * setting it in a fresh namespace leaves the root one as it was), so {@link ensureSecurityGroupBase} sets it
 * only inside a named host namespace; in the current namespace it is only read (a compute host's operator
 * sets it, as for Neutron's iptables driver) and a 0 there is reported by the caller's log.
 *
 * @module
 */
import type { NamespaceName } from './ip-batch.js';
import { baseRestoreScript, FORWARD_JUMP, type SgFamily } from './iptables-sg-rules.js';
import { runCommand } from './run-command.js';

function inNamespace(namespace: NamespaceName, command: string, args: readonly string[]): [string, string[]] {
  return namespace === undefined
    ? [command, [...args]]
    : ['ip', ['netns', 'exec', namespace, command, ...args]];
}

const TOOLS: Record<SgFamily, { restore: string; tables: string; sysctl: string }> = {
  IPv4: { restore: 'iptables-restore', tables: 'iptables', sysctl: 'net.bridge.bridge-nf-call-iptables' },
  IPv6: { restore: 'ip6tables-restore', tables: 'ip6tables', sysctl: 'net.bridge.bridge-nf-call-ip6tables' },
};
const FAMILIES: readonly SgFamily[] = ['IPv4', 'IPv6'];

async function restore(namespace: NamespaceName, family: SgFamily, text: string): Promise<void> {
  // -w: wait for the xtables lock instead of failing when another iptables runs in this namespace.
  const [command, args] = inNamespace(namespace, TOOLS[family].restore, ['-w', '5', '--noflush']);
  await runCommand(command, args, { input: text, timeoutMs: 10_000 });
}

/**
 * The base: bridged frames handed to iptables (named namespace only), the `qsg-fwd` chain and FORWARD's
 * one jump to it. Returns whether bridged frames reach iptables in that namespace.
 */
export async function ensureSecurityGroupBase(namespace: NamespaceName): Promise<boolean> {
  let bridged = true;
  for (const family of FAMILIES) {
    const tools = TOOLS[family];
    if (namespace !== undefined) {
      const [command, args] = inNamespace(namespace, 'sysctl', ['-q', '-w', `${tools.sysctl}=1`]);
      await runCommand(command, args);
    } else {
      const [command, args] = inNamespace(namespace, 'sysctl', ['-n', tools.sysctl]);
      const result = await runCommand(command, args, { allowFailure: true });
      if (result.stdout.trim() !== '1') bridged = false;
    }
    await restore(namespace, family, baseRestoreScript());
    const jump = FORWARD_JUMP.split(' ');
    const [check, checkArgs] = inNamespace(namespace, tools.tables, ['-w', '5', '-C', ...jump]);
    const present = await runCommand(check, checkArgs, { allowFailure: true });
    if (present.code !== 0) {
      const [insert, insertArgs] = inNamespace(namespace, tools.tables, ['-w', '5', '-I', ...jump]);
      await runCommand(insert, insertArgs);
    }
  }
  return bridged;
}

/**
 * Runs each family's `iptables-restore --noflush` text (iptables-sg-rules.ts `groupsRestoreScript`,
 * `removeScript`): one process and one commit per family that has something to write.
 */
export async function applyGroupScripts(
  namespace: NamespaceName,
  texts: Readonly<Partial<Record<SgFamily, string>>>,
): Promise<void> {
  for (const family of FAMILIES) {
    const text = texts[family];
    if (text !== undefined && text !== '') await restore(namespace, family, text);
  }
}

/** Runs `ipset restore` lines (creates, element adds and deletes) as one ipset process. */
export async function applyIpset(namespace: NamespaceName, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const [command, args] = inNamespace(namespace, 'ipset', ['restore']);
  await runCommand(command, args, { input: `${lines.join('\n')}\n`, timeoutMs: 10_000 });
}

/**
 * Destroys sets no rule names any more (an in-use set is refused by the kernel: left, reported).
 */
export async function destroyIpsets(namespace: NamespaceName, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const [command, args] = inNamespace(namespace, 'ipset', ['destroy', name]);
    await runCommand(command, args, { allowFailure: true });
  }
}
