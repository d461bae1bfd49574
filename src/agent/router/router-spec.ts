/**
 * A router as the agent's L3 role serves it (issue 13): what the control plane sends (`bus/l3-agent-rpc.ts`)
 * reduced to what the data plane reads, and the narrow interface of the data plane itself. The control-plane
 * side (router sync, events, scheduling) produces `RouterSpec`s; the Linux side (`qrouter-` namespace,
 * `qr-`/`qg-` devices, one nftables table per router) implements `RouterDataPlane`. Neither imports the other.
 *
 * Everything is readonly: a spec is replaced, never mutated (as `AgentNetwork`, src/agent/model.ts).
 *
 * @module
 */

/** One address of a router port with its subnet's facts (the data plane needs the prefix length and gateway). */
export interface RouterPortAddress {
  readonly subnetId: string;
  readonly ipAddress: string;
  /** The subnet's CIDR, e.g. `10.0.0.0/24` or `2001:db8::/64`. */
  readonly cidr: string;
  readonly ipVersion: 4 | 6;
  /** The subnet's `gateway_ip` (for the gateway port: the external next hop), or null. */
  readonly gatewayIp: string | null;
  /**
   * IPv6: the subnet's `ipv6_ra_mode` (`slaac`, `dhcpv6-stateless`, `dhcpv6-stateful`); set on an interface,
   * the router advertises the subnet (router-advertisement.ts). Absent or null: no advertisement.
   */
  readonly ipv6RaMode?: string | null;
  /** The subnet's `dns_nameservers` (RDNSS of the router's advertisements for slaac subnets, as Neutron). */
  readonly dnsNameservers?: readonly string[];
}

/** A router port: an interface on a tenant network (`qr-`) or the gateway on the external network (`qg-`). */
export interface RouterPortSpec {
  readonly portId: string;
  readonly networkId: string;
  readonly macAddress: string;
  readonly mtu: number;
  readonly addresses: readonly RouterPortAddress[];
  /** The network's provider segment (which bridge and uplink the port's tap goes on); absent: `brq<net>`. */
  readonly provider?: RouterNetworkProvider;
}

/** A network's provider segment, as the API's `provider:*` attributes give it. */
export interface RouterNetworkProvider {
  readonly networkType: string;
  readonly physicalNetwork: string | null;
  readonly segmentationId: number | null;
}

/** A floating IP associated with a fixed IP behind this router. */
export interface FloatingIpSpec {
  readonly id: string;
  readonly floatingIpAddress: string;
  readonly fixedIpAddress: string;
  /** The instance's port (for the metadata/identity side and logs). */
  readonly portId: string;
}

/** An extra route (`routes` of the `extraroute` extension). */
export interface ExtraRouteSpec {
  readonly destination: string;
  readonly nexthop: string;
}

/** Everything the data plane needs to serve one router. */
export interface RouterSpec {
  readonly id: string;
  readonly projectId: string;
  readonly adminStateUp: boolean;
  /** The external gateway, or null when the router has none (then no SNAT, no floating IPs). */
  readonly gateway: (RouterPortSpec & { readonly enableSnat: boolean }) | null;
  readonly interfaces: readonly RouterPortSpec[];
  readonly floatingIps: readonly FloatingIpSpec[];
  readonly routes: readonly ExtraRouteSpec[];
  /** A counter that grows with every change of the router (the reconciler drops stale updates by it). */
  readonly revision: number;
}

/**
 * The Linux side of the L3 role. `apply` converges one router to `spec` (idempotent, incremental: a floating
 * IP change is a map element, not a table rewrite); `remove` takes everything of the router away; `list`
 * names the routers found on the host at start-up (so a restart converges instead of flushing); `close`
 * releases what it holds in the agent process when the agent stops.
 */
export interface RouterDataPlane {
  apply(spec: RouterSpec): Promise<void>;
  remove(routerId: string): Promise<void>;
  list(): Promise<readonly string[]>;
  /** Releases what the data plane holds in this process (sockets, timers); the routers stay. Optional. */
  close?(): Promise<void>;
}
