/**
 * The network model the agent works from: networks, subnets and ports as the Neutron API (and our server)
 * returns them (spec §1.3–1.7), reduced to the fields the data plane reads. These are the types of the
 * agent contract's projections (`bus/dhcp-agent-rpc.ts`), themselves derived from the one definition of
 * each resource (`bus/resources.ts`). Everything is `readonly`: the agent never mutates a cached object,
 * it builds a new one (STYLE 7.2 #7).
 *
 * @module
 */
import type {
  AgentNetwork as AgentNetworkSchema,
  AgentPort as AgentPortSchema,
  AgentSubnet as AgentSubnetSchema,
} from '../bus/dhcp-agent-rpc.js';

/** `T` with every property and array readonly, to the bottom: the agent never mutates a cached object. */
type DeepReadonly<T> = T extends readonly (infer Item)[]
  ? readonly DeepReadonly<Item>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

type ContractPort = DeepReadonly<AgentPortSchema>;

/** A port as far as DHCP needs it: the contract's projection of the port (spec §1.5). */
export type AgentPort = ContractPort;

/** One `extra_dhcp_opts` item (spec §1.6). `opt_value` may be null (meaning "delete" on update). */
export type ExtraDhcpOpt = NonNullable<AgentPort['extra_dhcp_opts']>[number];

/** IPv6 address/RA modes (spec §5.9). */
export type Ipv6Mode = 'dhcpv6-stateful' | 'dhcpv6-stateless' | 'slaac';

/** A subnet (spec §1.4), its IPv6 modes narrowed to the ones the agent knows (others read as none). */
export type Subnet = Omit<DeepReadonly<AgentSubnetSchema>, 'ipv6_address_mode' | 'ipv6_ra_mode'> & {
  readonly ipv6_address_mode?: Ipv6Mode | null;
  readonly ipv6_ra_mode?: Ipv6Mode | null;
};

/**
 * A network with its subnets and ports: what `get_network_info` returns to an agent (spec §4.2), without
 * the contract's `revision`, which only the reconciler reads. `mtu` 0 means "unknown" (no MTU option).
 */
export type AgentNetwork = Omit<DeepReadonly<AgentNetworkSchema>, 'revision' | 'subnets' | 'ports'> & {
  readonly subnets: readonly Subnet[];
  readonly ports: readonly AgentPort[];
};

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
export function portNeedsDhcp(port: AgentPort): boolean {
  return !OWNERS_WITHOUT_DHCP.has(port.device_owner ?? '');
}

/**
 * True when the server still waits for this agent to say it serves the port (`dhcp.ports_ready`, spec
 * §1.9): a port that needs DHCP and is not ACTIVE yet. A port without a status (an older server) is
 * reported, as before; the server skips ports already ACTIVE either way.
 */
export function awaitsReady(port: AgentPort): boolean {
  return portNeedsDhcp(port) && port.status !== 'ACTIVE';
}

/** The extra option's IP version, defaulting to 4 as the API does (spec §1.6). */
export function optionIpVersion(option: ExtraDhcpOpt): 4 | 6 {
  return Number(option.ip_version ?? 4) === 6 ? 6 : 4;
}

/** True for the client-id extra option (`client-id`, `61`), which goes to the hosts file (spec §1.6). */
export function isClientIdOption(option: ExtraDhcpOpt): boolean {
  return option.opt_name === 'client-id' || option.opt_name === '61';
}

/** Router interfaces and DHCP ports decide a subnet's options (metadata route, multi-agent DNS servers). */
export function decidesSubnetOptions(port: AgentPort | undefined): boolean {
  const owner = port?.device_owner ?? '';
  return ROUTER_INTERFACE_OWNERS.has(owner) || owner === 'network:dhcp';
}
