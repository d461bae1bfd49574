/**
 * The one home of "who sends a subnet's router advertisements" (issue 15, docs/dhcpv6.md "Router
 * advertisements"). Both sides ask it: the DHCP namespaces (advertisement-of.ts) and the router namespaces
 * of the L3 role (src/agent/router/router-advertisement.ts), so a subnet is advertised by exactly one of
 * them, never both and never neither when `ipv6_ra_mode` is set.
 *
 * - no `ipv6_ra_mode` (IPv4, or an IPv6 subnet that expects an external router's RAs): nobody;
 * - `ipv6_ra_mode` and a router interface on the subnet: the router (lifetime > 0, as Neutron's radvd);
 * - `ipv6_ra_mode` and no router interface: the DHCP namespace (lifetime 0: beyond Neutron, so an isolated
 *   IPv6 network still gets SLAAC addresses).
 *
 * @module
 */

/** The facts of a subnet that decide it (named as the agent's model, `Subnet`, spells them). */
export interface AdvertisedSubnetFacts {
  readonly ip_version: number;
  readonly ipv6_ra_mode?: string | null | undefined;
}

/** Who advertises a subnet; undefined: nobody. */
export type SubnetAdvertiser = 'router' | 'dhcp' | undefined;

/** `onRouterInterface`: a router interface port (any of the router-interface owners) holds an address on it. */
export function subnetAdvertiser(
  subnet: AdvertisedSubnetFacts,
  onRouterInterface: boolean,
): SubnetAdvertiser {
  if (subnet.ip_version !== 6 || subnet.ipv6_ra_mode == null) return undefined;
  return onRouterInterface ? 'router' : 'dhcp';
}
