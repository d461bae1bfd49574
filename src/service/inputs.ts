/**
 * What the HTTP edge hands to services after converting and validating a request body: attribute names
 * are Neutron's, values already have their final types. Optional fields were not given (create: the
 * service fills defaults; update: left unchanged).
 *
 * Each input is derived from its resource's one definition (`bus/resources.ts`): an attribute a request
 * writes as it reads back takes the resource's type; only the attributes whose request form differs (a
 * null meaning "none" or "generate", a fixed IP given by subnet only, request-only attributes such as
 * `prefixlen`) are spelled out here. The API's attribute maps are typed by these inputs, so the compiler
 * checks that each converter produces exactly this type (`api/attribute-map.ts`).
 *
 * @module
 */
import type {
  AddressScopeResource,
  NetworkResource,
  PortResource,
  RouterResource,
  SecurityGroupResource,
  SecurityGroupRuleResource,
  SubnetPoolResource,
  SubnetResource,
} from '../bus/resources.js';
import type { AllocationPool, HostRoute, RouterRoute } from '../db/index.js';

/** The shapes of subnet attributes the API parses, named here so the HTTP edge does not reach into db/. */
export type { AllocationPool, HostRoute, RouterRoute };

/** The named attributes of `R`, each optional (not given) and read-only. */
type Given<R, K extends keyof R> = { readonly [P in K]?: R[P] };

/** Network create/update attributes. */
export type NetworkInput = Given<
  NetworkResource,
  | 'project_id'
  | 'name'
  | 'description'
  | 'admin_state_up'
  | 'shared'
  | 'mtu'
  | 'dns_domain'
  | 'port_security_enabled'
  | 'router:external'
  | 'availability_zone_hints'
  | 'provider:network_type'
> & {
  /** Shown as null when unset; a request gives a name or nothing. */
  readonly 'provider:physical_network'?: string;
  readonly 'provider:segmentation_id'?: number;
};

/** Subnet create/update attributes. `null` values mean "explicitly none" where Neutron allows it. */
export type SubnetInput = Given<
  SubnetResource,
  | 'project_id'
  | 'network_id'
  | 'name'
  | 'description'
  | 'cidr'
  | 'gateway_ip'
  | 'enable_dhcp'
  | 'ipv6_ra_mode'
  | 'ipv6_address_mode'
  | 'service_types'
  | 'segment_id'
  | 'dns_publish_fixed_ip'
> & {
  readonly ip_version?: 4 | 6;
  /** Request-only: the prefix length of a subnet allocated from a pool. */
  readonly prefixlen?: number;
  readonly subnetpool_id?: string | null;
  readonly use_default_subnetpool?: boolean;
  readonly allocation_pools?: readonly AllocationPool[] | null;
  readonly dns_nameservers?: readonly string[] | null;
  readonly host_routes?: readonly HostRoute[] | null;
};

/**
 * Subnet pool create/update attributes (issue 12). Prefixes are valid CIDR texts (host bits allowed, as
 * Neutron's `type:subnet_list`); prefix lengths are numbers here although the pool shows them as strings.
 */
export type SubnetPoolInput = Given<
  SubnetPoolResource,
  'project_id' | 'name' | 'description' | 'is_default' | 'shared' | 'address_scope_id'
> & {
  readonly prefixes?: readonly string[];
  readonly default_prefixlen?: number;
  readonly min_prefixlen?: number;
  readonly max_prefixlen?: number;
  readonly default_quota?: number;
};

/** Address scope create/update attributes (issue 12). */
export type AddressScopeInput = Given<AddressScopeResource, 'project_id' | 'name' | 'shared'> & {
  readonly ip_version?: 4 | 6;
};

/** One requested fixed IP: a subnet, an address, or both. */
export interface FixedIpRequest {
  readonly subnet_id?: string;
  readonly ip_address?: string;
}

/** One requested extra DHCP option (ip_version already converted; default 4). */
export interface ExtraDhcpOptRequest {
  readonly opt_name: string;
  readonly opt_value: string | null;
  readonly ip_version: 4 | 6;
}

/** Port create/update attributes. */
export type PortInput = Given<
  PortResource,
  | 'project_id'
  | 'network_id'
  | 'name'
  | 'description'
  | 'admin_state_up'
  | 'device_id'
  | 'device_owner'
  | 'binding:host_id'
  | 'binding:vnic_type'
  | 'dns_name'
  | 'dns_domain'
  | 'port_security_enabled'
  | 'security_groups'
  | 'tags'
> & {
  /** On update, `null` means "generate a new MAC". */
  readonly mac_address?: string | null;
  readonly fixed_ips?: readonly FixedIpRequest[];
  readonly 'binding:profile'?: Readonly<Record<string, unknown>> | null;
  readonly extra_dhcp_opts?: readonly ExtraDhcpOptRequest[] | null;
  /** A pair without a MAC gets the port's MAC. */
  readonly allowed_address_pairs?: readonly { readonly ip_address: string; readonly mac_address?: string }[];
};

/** A router's `external_gateway_info` as requested (`network_id` required; the rest defaulted). */
export interface GatewayInfoRequest {
  readonly network_id: string;
  readonly enable_snat?: boolean;
  readonly external_fixed_ips?: readonly FixedIpRequest[];
}

/** Router create/update attributes (issue 13). `external_gateway_info: null` (or `{}`) removes the gateway. */
export type RouterInput = Given<RouterResource, 'project_id' | 'name' | 'description' | 'admin_state_up'> & {
  readonly external_gateway_info?: GatewayInfoRequest | null;
  readonly routes?: readonly RouterRoute[];
};

/** Floating IP create/update attributes (issue 13); `port_id: null` disassociates. */
export interface FloatingIpInput {
  readonly project_id?: string;
  readonly description?: string;
  readonly floating_network_id?: string;
  readonly floating_ip_address?: string;
  readonly subnet_id?: string;
  readonly port_id?: string | null;
  readonly fixed_ip_address?: string | null;
}

/** The body of `add_router_interface` / `remove_router_interface`: a subnet, a port, or (remove) both. */
export interface RouterInterfaceRequest {
  readonly subnet_id?: string;
  readonly port_id?: string;
}

/** Security group create/update attributes (issue 14). */
export type SecurityGroupInput = Given<
  SecurityGroupResource,
  'project_id' | 'name' | 'description' | 'stateful'
>;

/** Security group rule create attributes (issue 14), already in Neutron's converted forms. */
export type SecurityGroupRuleInput = Given<
  SecurityGroupRuleResource,
  | 'project_id'
  | 'security_group_id'
  | 'direction'
  | 'ethertype'
  | 'protocol'
  | 'port_range_min'
  | 'port_range_max'
  | 'remote_ip_prefix'
  | 'remote_group_id'
  | 'description'
>;
