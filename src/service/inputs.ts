/**
 * What the HTTP edge hands to services after converting and validating a request body: attribute names
 * are Neutron's, values already have their final types. Optional fields were not given (create: the
 * service fills defaults; update: left unchanged).
 *
 * @module
 */
import type { AllocationPool, HostRoute } from '../db/index.js';

/** Network create/update attributes. */
export interface NetworkInput {
  readonly project_id?: string;
  readonly name?: string;
  readonly description?: string;
  readonly admin_state_up?: boolean;
  readonly shared?: boolean;
  readonly mtu?: number;
  readonly dns_domain?: string;
  readonly port_security_enabled?: boolean;
  readonly 'router:external'?: boolean;
  readonly availability_zone_hints?: readonly string[];
  readonly 'provider:network_type'?: string;
  readonly 'provider:physical_network'?: string;
  readonly 'provider:segmentation_id'?: number;
  readonly tags?: readonly string[];
}

/** Subnet create/update attributes. `null` values mean "explicitly none" where Neutron allows it. */
export interface SubnetInput {
  readonly project_id?: string;
  readonly network_id?: string;
  readonly name?: string;
  readonly description?: string;
  readonly ip_version?: 4 | 6;
  readonly cidr?: string;
  readonly prefixlen?: number;
  readonly subnetpool_id?: string | null;
  readonly use_default_subnetpool?: boolean;
  readonly gateway_ip?: string | null;
  readonly allocation_pools?: readonly AllocationPool[] | null;
  readonly dns_nameservers?: readonly string[] | null;
  readonly host_routes?: readonly HostRoute[] | null;
  readonly enable_dhcp?: boolean;
  readonly ipv6_ra_mode?: string | null;
  readonly ipv6_address_mode?: string | null;
  readonly service_types?: readonly string[];
  readonly segment_id?: string | null;
  readonly dns_publish_fixed_ip?: boolean;
  readonly tags?: readonly string[];
}

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
export interface PortInput {
  readonly project_id?: string;
  readonly network_id?: string;
  readonly name?: string;
  readonly description?: string;
  readonly admin_state_up?: boolean;
  /** On update, `null` means "generate a new MAC". */
  readonly mac_address?: string | null;
  readonly fixed_ips?: readonly FixedIpRequest[];
  readonly device_id?: string;
  readonly device_owner?: string;
  readonly 'binding:host_id'?: string;
  readonly 'binding:vnic_type'?: string;
  readonly 'binding:profile'?: Readonly<Record<string, unknown>> | null;
  readonly extra_dhcp_opts?: readonly ExtraDhcpOptRequest[] | null;
  readonly dns_name?: string;
  readonly dns_domain?: string;
  readonly port_security_enabled?: boolean;
  readonly security_groups?: readonly string[];
  /** A pair without a MAC gets the port's MAC. */
  readonly allowed_address_pairs?: readonly { readonly ip_address: string; readonly mac_address?: string }[];
  readonly tags?: readonly string[];
}
