/**
 * Gratuitous ARP (the `arping` tool, Debian package `arping`): when a router takes an address on its
 * gateway device (a floating IP on association), its neighbours learn the MAC now instead of after their
 * cache entry for the address (maybe another host's, before a move) expires.
 *
 * @module
 */
import { inNetworkNamespace, runCommand } from './run-command.js';

/**
 * How the gratuitous ARP is sent: an ARP request (`arping -U`) or an ARP reply (`arping -U -P`; iputils' arping spells it `-A`). Some peers
 * honour only one of the two, which is why Neutron sends both (neutron/agent/linux/ip_lib.py `_arping`).
 */
export type GratuitousArpKind = 'request' | 'reply';

/**
 * Sends one unsolicited ARP for `address` out of `device` inside `namespace`. arping waits for replies that
 * never come to an unsolicited ARP, so its deadline is cut to 10 ms (measured: ~0.1 s in all). Best effort:
 * a failure is returned, not thrown (forwarding works without it; caches only learn later).
 */
export async function sendGratuitousArp(
  namespace: string,
  device: string,
  address: string,
  kind: GratuitousArpKind = 'request',
): Promise<{ readonly sent: boolean; readonly detail: string }> {
  const flags = ['-U', ...(kind === 'reply' ? ['-P'] : []), '-q', '-c', '1', '-w', '0.01'];
  const result = await runCommand(
    ...inNetworkNamespace(namespace, 'arping', [...flags, '-i', device, '-S', address, address]),
    { allowFailure: true, timeoutMs: 5_000 },
  ).catch((error: unknown) => ({ code: -1, stderr: String(error) }));
  // Exit 1 with nothing said (-q) = "no reply", which is what an unsolicited ARP gets; arping's own
  // failures (no such device…) exit 1 too, but say why on stderr.
  const detail = result.stderr.trim();
  return { sent: result.code === 0 || (result.code === 1 && detail === ''), detail };
}
