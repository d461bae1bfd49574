/**
 * What the metadata proxy's two request paths (node:http in proxy-server.ts, the fast path in fast-path.ts)
 * share about a connection's listener.
 *
 * @module
 */
import type { ProxyAnswer } from './backends.js';
import type { CallerScope } from './caller-scope.js';
import type { ConnectionSlots } from './connection-slots.js';

/**
 * A connection of a listener as the slots and the proxy's shutdown see it: a `net.Socket`, or a connection
 * the addon holds (raw-connections.ts), which says itself whether it is still waiting for its first bytes.
 */
export interface ProxyConnection {
  destroy(): void;
  readonly waiting?: boolean;
}

/**
 * What the connections of one listener share: its key (a DHCP namespace's network id, or the key a router's
 * listener was opened with), the scope its callers are looked up in (a router's changes with its
 * interfaces), fair shares and counters.
 */
export interface Channel {
  readonly key: string;
  scope: CallerScope;
  readonly sockets: Set<ProxyConnection>;
  readonly slots: ConnectionSlots<ProxyConnection>;
  readonly counters: Map<string, number>;
}

/** What a request that failed inside the proxy is answered. */
export const INTERNAL_ERROR: ProxyAnswer = Object.freeze({
  status: 500,
  contentType: 'text/plain',
  body: 'Internal Server Error\n',
});

/** `::ffff:10.0.0.5` → `10.0.0.5` (spec §6.3 step 2). */
export function unmapped(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
