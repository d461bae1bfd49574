/**
 * The one definition of each Neutron resource qdhcp serves: the network, subnet, port, subnet pool and
 * address scope exactly as the API returns them (Neutron v2.0 attribute names, spec §1.1–1.7). Everything
 * else is derived from these schemas: the API's response types and the response schemas registered on its routes
 * (`service/views.ts`, `api/response-schemas.ts`), the service inputs' value types (`service/inputs.ts`),
 * and the agent projections the DHCP agent contract carries (`dhcp-agent-rpc.ts` `AgentNetwork`,
 * `AgentSubnet`, `AgentPort`).
 *
 * They live in `bus/` because the bus carries them: resource events hold a resource's API view
 * (`messages.ts`), and the agent contract's networks are admin views with a revision.
 *
 * Optional properties are the admin-only ones (provider attributes, port bindings), left out for an
 * ordinary project (spec §1.1 policy visibility). Identifier constraints (`Id`) are what the agent
 * contract validates on receipt; the API's serialiser ignores them.
 *
 * @module
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';

/** A resource id as the contract checks it (a UUID in practice; the bound keeps hostile input small). */
export const Id = Type.String({ minLength: 1, maxLength: 64 });

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Neutron's standard attributes, shown on every resource (spec §1.1). */
const standardAttributes = {
  description: Type.String(),
  tags: Type.Array(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
  revision_number: Type.Integer(),
};

/** The project attributes: `tenant_id` is Neutron's older name of `project_id`, always equal. */
const projectAttributes = {
  tenant_id: Type.String(),
  project_id: Type.String(),
};

/** A network (spec §1.3). */
export const NetworkResource = Type.Object({
  id: Id,
  name: Type.String(),
  ...projectAttributes,
  admin_state_up: Type.Boolean(),
  /** 0 means "unknown" (agents then send no MTU option). */
  mtu: Type.Integer({ minimum: 0 }),
  status: Type.String(),
  subnets: Type.Array(Type.String()),
  shared: Type.Boolean(),
  port_security_enabled: Type.Boolean(),
  'router:external': Type.Boolean(),
  'provider:network_type': Type.Optional(Type.String()),
  'provider:physical_network': Type.Optional(Nullable(Type.String())),
  'provider:segmentation_id': Type.Optional(Nullable(Type.Integer())),
  availability_zone_hints: Type.Array(Type.String()),
  availability_zones: Type.Array(Type.String()),
  /** The address scope of the pool the network's IPv4 (IPv6) subnets came from, or null. */
  ipv4_address_scope: Nullable(Type.String()),
  ipv6_address_scope: Nullable(Type.String()),
  dns_domain: Type.String(),
  ...standardAttributes,
});
export type NetworkResource = Static<typeof NetworkResource>;

/** One allocation pool of a subnet, inclusive. */
const AllocationPool = Type.Object({ start: Type.String(), end: Type.String() });
/** One host route of a subnet (spec §1.4). */
export const HostRoute = Type.Object({ destination: Type.String(), nexthop: Type.String() });

/** A subnet (spec §1.4). */
export const SubnetResource = Type.Object({
  id: Id,
  name: Type.String(),
  ...projectAttributes,
  network_id: Id,
  ip_version: Type.Integer(),
  subnetpool_id: Nullable(Type.String()),
  enable_dhcp: Type.Boolean(),
  ipv6_ra_mode: Nullable(Type.String()),
  ipv6_address_mode: Nullable(Type.String()),
  gateway_ip: Nullable(Type.String()),
  cidr: Type.String(),
  allocation_pools: Type.Array(AllocationPool),
  host_routes: Type.Array(HostRoute),
  dns_nameservers: Type.Array(Type.String()),
  service_types: Type.Array(Type.String()),
  dns_publish_fixed_ip: Type.Boolean(),
  segment_id: Nullable(Type.String()),
  ...standardAttributes,
});
export type SubnetResource = Static<typeof SubnetResource>;

/**
 * A subnet pool (issue 12, neutron_lib/api/definitions/subnetpool.py). The three prefix lengths are
 * decimal strings, as Neutron shows them (`"min_prefixlen": "29"`); `default_quota` counts IPv4
 * addresses or IPv6 /64s, null for none.
 */
export const SubnetPoolResource = Type.Object({
  id: Id,
  name: Type.String(),
  ...projectAttributes,
  ip_version: Type.Integer(),
  prefixes: Type.Array(Type.String()),
  default_prefixlen: Type.String(),
  min_prefixlen: Type.String(),
  max_prefixlen: Type.String(),
  default_quota: Nullable(Type.Integer()),
  is_default: Type.Boolean(),
  shared: Type.Boolean(),
  address_scope_id: Nullable(Type.String()),
  ...standardAttributes,
});
export type SubnetPoolResource = Static<typeof SubnetPoolResource>;

/** An address scope (issue 12, neutron_lib/api/definitions/address_scope.py): no standard attributes. */
export const AddressScopeResource = Type.Object({
  id: Id,
  name: Type.String(),
  ...projectAttributes,
  shared: Type.Boolean(),
  ip_version: Type.Integer(),
});
export type AddressScopeResource = Static<typeof AddressScopeResource>;

/** One fixed IP of a port. */
const FixedIp = Type.Object({ subnet_id: Id, ip_address: Type.String() });
/** One allowed address pair of a port. */
const AddressPair = Type.Object({ ip_address: Type.String(), mac_address: Type.String() });
/** One `extra_dhcp_opts` item (spec §1.6); a null `opt_value` means "delete" on update. */
export const ExtraDhcpOpt = Type.Object({
  opt_name: Type.String(),
  opt_value: Nullable(Type.String()),
  ip_version: Type.Integer(),
});
/** One `dns_assignment` item (spec §1.7): the name the server gave one fixed IP. */
export const DnsAssignment = Type.Object({
  ip_address: Type.String(),
  hostname: Type.String(),
  fqdn: Type.String(),
});
export type DnsAssignment = Static<typeof DnsAssignment>;

/** A port (spec §1.5). */
export const PortResource = Type.Object({
  id: Id,
  name: Type.String(),
  network_id: Id,
  ...projectAttributes,
  mac_address: Type.String(),
  admin_state_up: Type.Boolean(),
  status: Type.String(),
  device_id: Type.String(),
  device_owner: Type.String(),
  fixed_ips: Type.Array(FixedIp),
  allowed_address_pairs: Type.Array(AddressPair),
  extra_dhcp_opts: Type.Array(ExtraDhcpOpt),
  security_groups: Type.Array(Type.String()),
  port_security_enabled: Type.Boolean(),
  'binding:vnic_type': Type.String(),
  'binding:host_id': Type.Optional(Type.String()),
  'binding:profile': Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  'binding:vif_type': Type.Optional(Type.String()),
  'binding:vif_details': Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  dns_name: Type.String(),
  dns_domain: Type.String(),
  dns_assignment: Type.Array(DnsAssignment),
  ip_allocation: Type.String(),
  ...standardAttributes,
});
export type PortResource = Static<typeof PortResource>;

/** One extra route of a router (the `extraroute` extension). */
export const RouterRoute = Type.Object({ destination: Type.String(), nexthop: Type.String() });

/**
 * A router's gateway (`external_gateway_info`, with the `ext-gw-mode` extension's `enable_snat`): the
 * external network and the addresses of the router's `network:router_gateway` port on it.
 */
export const ExternalGatewayInfo = Type.Object({
  network_id: Id,
  enable_snat: Type.Boolean(),
  external_fixed_ips: Type.Array(FixedIp),
});

/** A router (issue 13; neutron_lib/api/definitions/l3.py, ext-gw-mode, extraroute). */
export const RouterResource = Type.Object({
  id: Id,
  name: Type.String(),
  ...projectAttributes,
  admin_state_up: Type.Boolean(),
  status: Type.String(),
  external_gateway_info: Nullable(ExternalGatewayInfo),
  routes: Type.Array(RouterRoute),
  ...standardAttributes,
});
export type RouterResource = Static<typeof RouterResource>;

/** A floating IP (issue 13; neutron_lib/api/definitions/l3.py). */
export const FloatingIpResource = Type.Object({
  id: Id,
  ...projectAttributes,
  floating_network_id: Id,
  floating_ip_address: Type.String(),
  router_id: Nullable(Type.String()),
  port_id: Nullable(Type.String()),
  fixed_ip_address: Nullable(Type.String()),
  status: Type.String(),
  ...standardAttributes,
});
export type FloatingIpResource = Static<typeof FloatingIpResource>;

/**
 * A security group rule (issue 14; neutron/extensions/securitygroup.py): null protocol, ports and remotes
 * mean "any"; `normalized_cidr` is `remote_ip_prefix` without host bits. Rules have Neutron's standard
 * attributes except tags.
 */
export const SecurityGroupRuleResource = Type.Object({
  id: Id,
  ...projectAttributes,
  security_group_id: Id,
  direction: Type.Union([Type.Literal('ingress'), Type.Literal('egress')]),
  ethertype: Type.Union([Type.Literal('IPv4'), Type.Literal('IPv6')]),
  protocol: Nullable(Type.String()),
  port_range_min: Nullable(Type.Integer()),
  port_range_max: Nullable(Type.Integer()),
  remote_ip_prefix: Nullable(Type.String()),
  normalized_cidr: Nullable(Type.String()),
  remote_group_id: Nullable(Type.String()),
  remote_address_group_id: Type.Null(),
  description: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
  revision_number: Type.Integer(),
});
export type SecurityGroupRuleResource = Static<typeof SecurityGroupRuleResource>;

/** A security group with its rules embedded (issue 14; `stateful` from `stateful-security-group`). */
export const SecurityGroupResource = Type.Object({
  id: Id,
  name: Type.String(),
  ...projectAttributes,
  stateful: Type.Boolean(),
  security_group_rules: Type.Array(SecurityGroupRuleResource),
  ...standardAttributes,
});
export type SecurityGroupResource = Static<typeof SecurityGroupResource>;
