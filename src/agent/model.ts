/**
 * The network model the agent works from: networks, subnets and ports as the Neutron API (and our server)
 * returns them (spec §1.3–1.7), reduced to the fields the data plane reads. Everything is `readonly`:
 * the agent never mutates a cached object, it builds a new one (STYLE 7.2 #7).
 *
 * @module
 */

/** One `extra_dhcp_opts` item (spec §1.6). `opt_value` may be null (meaning "delete" on update). */
export interface ExtraDhcpOpt {
  readonly opt_name: string;
  readonly opt_value: string | null;
  /** 4 or 6; the API returns 4 when it was not given. */
  readonly ip_version?: number | string | null;
}

/** One `dns_assignment` item (spec §1.7): the name the server gave one fixed IP. */
export interface DnsAssignment {
  readonly hostname: string;
  readonly ip_address: string;
  readonly fqdn: string;
}

/** One fixed IP of a port. */
export interface FixedIp {
  readonly subnet_id: string;
  readonly ip_address: string;
}

/** A port (spec §1.5), as far as DHCP needs it. */
export interface Port {
  readonly id: string;
  readonly network_id?: string;
  readonly mac_address: string;
  readonly fixed_ips: readonly FixedIp[];
  readonly device_owner?: string;
  readonly device_id?: string;
  readonly admin_state_up?: boolean;
  readonly extra_dhcp_opts?: readonly ExtraDhcpOpt[] | null;
  readonly dns_assignment?: readonly DnsAssignment[] | null;
  readonly revision_number?: number;
}

/** A host route of a subnet. */
export interface HostRoute {
  readonly destination: string;
  readonly nexthop: string;
}

/** IPv6 address/RA modes (spec §5.9). */
export type Ipv6Mode = 'dhcpv6-stateful' | 'dhcpv6-stateless' | 'slaac';

/** A subnet (spec §1.4). */
export interface Subnet {
  readonly id: string;
  readonly network_id?: string;
  readonly ip_version: number;
  readonly cidr: string;
  readonly gateway_ip: string | null;
  readonly enable_dhcp: boolean;
  readonly dns_nameservers: readonly string[];
  readonly host_routes: readonly HostRoute[];
  readonly ipv6_address_mode?: Ipv6Mode | null;
  readonly ipv6_ra_mode?: Ipv6Mode | null;
  readonly segment_id?: string | null;
}

/** Provider network types the Linux bridge data plane wires (spec issue: flat, vlan, vxlan, local). */
export type NetworkType = 'flat' | 'vlan' | 'vxlan' | 'local';

/** A network with its subnets and ports: what `get_network_info` returns to an agent (spec §4.2). */
export interface Network {
  readonly id: string;
  readonly project_id?: string;
  readonly admin_state_up: boolean;
  /** 0 means "unknown" (no MTU option is sent). */
  readonly mtu: number;
  readonly 'provider:network_type'?: string | null;
  readonly 'provider:physical_network'?: string | null;
  readonly 'provider:segmentation_id'?: number | null;
  readonly revision_number?: number;
  /** VXLAN: the other hosts' underlay addresses known to the server (contract `vxlan_peers`). */
  readonly vxlan_peers?: readonly string[];
  readonly subnets: readonly Subnet[];
  readonly ports: readonly Port[];
}

/** Device owners whose ports get no DHCP configuration (spec §4.7). */
export const OWNERS_WITHOUT_DHCP: ReadonlySet<string> = new Set([
  'network:router_ha_interface',
  'network:floatingip',
  'network:dhcp',
  'network:distributed',
]);

/** Router interface owners: a port of theirs on a subnet's gateway IP makes the subnet non-isolated (§6.1). */
export const ROUTER_INTERFACE_OWNERS: ReadonlySet<string> = new Set([
  'network:router_interface',
  'network:ha_router_replicated_interface',
  'network:router_interface_distributed',
]);

/** True when the port needs DHCP configuration (spec §4.7: a port without an owner does). */
export function portNeedsDhcp(port: Port): boolean {
  return !OWNERS_WITHOUT_DHCP.has(port.device_owner ?? '');
}

/** The extra option's IP version, defaulting to 4 as the API does (spec §1.6). */
export function optionIpVersion(option: ExtraDhcpOpt): 4 | 6 {
  return Number(option.ip_version ?? 4) === 6 ? 6 : 4;
}

/** True for the client-id extra option (`client-id`, `61`), which goes to the hosts file (spec §1.6). */
export function isClientIdOption(option: ExtraDhcpOpt): boolean {
  return option.opt_name === 'client-id' || option.opt_name === '61';
}
