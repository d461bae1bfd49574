/**
 * Connection-tracking entries of a namespace (the `conntrack` tool, Debian package `conntrack`). NAT is
 * decided once per connection, when its entry is made: removing a floating IP's map elements stops new
 * connections only, so the entries of the old ones go too, or they would keep the old path open.
 *
 * @module
 */
import { runCommand } from './run-command.js';

/**
 * Deletes, inside `namespace`, every entry whose original destination or reply destination is `address`:
 * connections made to a floating IP (DNAT) and from its instance (SNAT, where the floating IP is the reply's
 * destination). "No entry matched" is not a failure.
 */
export async function deleteConntrackEntries(namespace: string, address: string): Promise<void> {
  for (const selector of ['--orig-dst', '--reply-dst']) {
    const family = address.includes(':') ? 'ipv6' : 'ipv4';
    await runCommand('ip', ['netns', 'exec', namespace, 'conntrack', '-D', '-f', family, selector, address], {
      allowFailure: true,
      timeoutMs: 10_000,
    });
  }
}
