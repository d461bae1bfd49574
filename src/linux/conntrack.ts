/**
 * Connection-tracking entries of a namespace (the `conntrack` tool, Debian package `conntrack`). NAT is
 * decided once per connection, when its entry is made: removing a floating IP's map elements stops new
 * connections only, so the entries of the old ones go too, or they would keep the old path open.
 *
 * @module
 */
import { inNetworkNamespace, runCommand } from './run-command.js';

/** The IPv4 addresses among `addresses` that are a destination (original or reply) in `listing`. */
export function trackedDestinations(listing: string, addresses: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const match of listing.matchAll(/\bdst=(\S+)/g)) if (match[1] !== undefined) seen.add(match[1]);
  return addresses.filter((address) => seen.has(address));
}

/**
 * Deletes, inside `namespace`, every IPv4 entry whose original destination or reply destination is one of
 * `addresses`: connections made to a floating IP (DNAT) and from its instance (SNAT, where the floating IP
 * is the reply's destination). The table is listed once and only addresses found in it cost a deletion
 * (two `conntrack -D`): releasing 200 floating IPs at once spawned 400 processes (~60 s on a loaded
 * machine) when each was deleted blindly. "No entry matched" is not a failure.
 */
export async function deleteConntrackEntries(
  namespace: string,
  addresses: readonly string[],
): Promise<string[]> {
  if (addresses.length === 0) return [];
  const listing = await runCommand(...inNetworkNamespace(namespace, 'conntrack', ['-L', '-f', 'ipv4']), {
    allowFailure: true,
    timeoutMs: 20_000,
  });
  const tracked = trackedDestinations(listing.stdout, addresses);
  for (const address of tracked) {
    for (const selector of ['--orig-dst', '--reply-dst']) {
      await runCommand(
        ...inNetworkNamespace(namespace, 'conntrack', ['-D', '-f', 'ipv4', selector, address]),
        {
          allowFailure: true,
          timeoutMs: 10_000,
        },
      );
    }
  }
  return tracked;
}
