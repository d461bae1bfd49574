/**
 * Whom a metadata listener's callers can be. The kernel tells the proxy two things, the listener a
 * connection was accepted on and its TCP peer; the listener gives the scope, the peer the address looked up
 * in it. A DHCP namespace's listener has its one network (spec §6.3); a router's (`qrouter-…`, issue 13)
 * has the networks of the router's interfaces, as Neutron's metadata agent looks a caller up among the
 * router's networks when haproxy sends `X-Neutron-Router-ID`.
 *
 * @module
 */

export interface CallerScope {
  /** Networks in which the caller's source address is looked up (never empty for a listener that answers). */
  readonly networkIds: readonly string[];
  /** The router whose namespace the listener is in; undefined for a DHCP namespace. */
  readonly routerId: string | undefined;
}

/** The scope of a DHCP namespace's listener: its own network. */
export function networkScope(networkId: string): CallerScope {
  return { networkIds: [networkId], routerId: undefined };
}

/**
 * The one match among the answers for each network of a scope, or null: none, or more than one (Neutron's
 * metadata agent answers 404 unless exactly one port holds the address among the router's networks,
 * `_get_instance_and_tenant_id`; overlapping subnets cannot be on one router, so two is a data error).
 */
export function onlyMatch<T>(answers: readonly (T | null)[]): T | null {
  const found = answers.filter((answer): answer is T => answer !== null);
  return found.length === 1 ? (found[0] ?? null) : null;
}
