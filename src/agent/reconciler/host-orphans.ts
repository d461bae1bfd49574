import { listNamespaces, namespacePids } from '../../linux/ip-batch.js';
import { removeDhcpNamespace } from '../../linux/network-plumbing.js';
import { qdhcpNetworkId } from '../cleanup-plan.js';

/**
 * Removes DHCP namespaces this agent (same `--namespace-prefix`) made for networks it no longer serves —
 * what a `kill -9` left behind for a network deleted or unbound while the agent was down. Processes inside
 * (a dnsmasq of a previous run) are killed by PID first. Returns the network ids removed; errors are
 * collected so one stuck namespace does not keep the others.
 */
export async function removeOrphanNamespaces(
  namespacePrefix: string,
  keep: ReadonlySet<string>,
): Promise<{ removed: string[]; errors: string[] }> {
  const removed: string[] = [];
  const errors: string[] = [];
  for (const name of await listNamespaces()) {
    const networkId = qdhcpNetworkId(name, namespacePrefix);
    if (networkId === undefined || keep.has(networkId)) continue;
    try {
      for (const pid of await namespacePids(name)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await removeDhcpNamespace(name);
      removed.push(networkId);
    } catch (error) {
      errors.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { removed, errors };
}
