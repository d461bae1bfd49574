/**
 * Resources as the API shows them (Neutron v2.0 attribute names), built from stored records. The
 * TypeBox schemas are the response types; attributes an ordinary project may not read (provider
 * attributes, port bindings) are left out for non-admin callers (spec 1.1 policy visibility).
 *
 * @module
 */
import { type Static, Type } from '@sinclair/typebox';
import type { NetworkRecord, PortRecord, SubnetRecord } from '../db/index.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** Neutron's standard attributes, shown on every resource (spec §1.1). */
const standardAttributes = {
  description: Type.String(),
  tags: Type.Array(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
  revision_number: Type.Integer(),
};

/** A network as returned by the API. */
export const NetworkView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  tenant_id: Type.String(),
  project_id: Type.String(),
  admin_state_up: Type.Boolean(),
  mtu: Type.Integer(),
  status: Type.String(),
  subnets: Type.Array(Type.String()),
  shared: Type.Boolean(),
  port_security_enabled: Type.Boolean(),
  'router:external': Type.Boolean(),
  'provider:network_type': Type.Optional(Type.String()),
  'provider:physical_network': Type.Optional(Nullable(Type.String())),
  'provider:segmentation_id': Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  availability_zone_hints: Type.Array(Type.String()),
  availability_zones: Type.Array(Type.String()),
  ipv4_address_scope: Type.Null(),
  ipv6_address_scope: Type.Null(),
  dns_domain: Type.String(),
  ...standardAttributes,
});
export type NetworkView = Static<typeof NetworkView>;

/** A subnet as returned by the API. */
export const SubnetView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  tenant_id: Type.String(),
  project_id: Type.String(),
  network_id: Type.String(),
  ip_version: Type.Integer(),
  subnetpool_id: Type.Null(),
  enable_dhcp: Type.Boolean(),
  ipv6_ra_mode: Nullable(Type.String()),
  ipv6_address_mode: Nullable(Type.String()),
  gateway_ip: Nullable(Type.String()),
  cidr: Type.String(),
  allocation_pools: Type.Array(Type.Object({ start: Type.String(), end: Type.String() })),
  host_routes: Type.Array(Type.Object({ destination: Type.String(), nexthop: Type.String() })),
  dns_nameservers: Type.Array(Type.String()),
  service_types: Type.Array(Type.String()),
  dns_publish_fixed_ip: Type.Boolean(),
  segment_id: Nullable(Type.String()),
  ...standardAttributes,
});
export type SubnetView = Static<typeof SubnetView>;

/** One entry of a port's `dns_assignment` (spec 1.7). */
export const DnsAssignment = Type.Object({
  ip_address: Type.String(),
  hostname: Type.String(),
  fqdn: Type.String(),
});
export type DnsAssignment = Static<typeof DnsAssignment>;

/** A port as returned by the API. */
export const PortView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  network_id: Type.String(),
  tenant_id: Type.String(),
  project_id: Type.String(),
  mac_address: Type.String(),
  admin_state_up: Type.Boolean(),
  status: Type.String(),
  device_id: Type.String(),
  device_owner: Type.String(),
  fixed_ips: Type.Array(Type.Object({ subnet_id: Type.String(), ip_address: Type.String() })),
  allowed_address_pairs: Type.Array(Type.Object({ ip_address: Type.String(), mac_address: Type.String() })),
  extra_dhcp_opts: Type.Array(
    Type.Object({ opt_name: Type.String(), opt_value: Nullable(Type.String()), ip_version: Type.Integer() }),
  ),
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
export type PortView = Static<typeof PortView>;

export function networkView(
  record: NetworkRecord,
  subnetIds: readonly string[],
  admin: boolean,
): NetworkView {
  const view: NetworkView = {
    id: record.id,
    name: record.name,
    tenant_id: record.projectId,
    project_id: record.projectId,
    admin_state_up: record.adminStateUp,
    mtu: record.mtu,
    status: record.status,
    subnets: [...subnetIds],
    shared: record.shared,
    port_security_enabled: record.portSecurityEnabled,
    'router:external': record.routerExternal,
    availability_zone_hints: [...record.availabilityZoneHints],
    availability_zones: [],
    ipv4_address_scope: null,
    ipv6_address_scope: null,
    dns_domain: record.dnsDomain,
    description: record.description,
    tags: [...record.tags],
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    revision_number: record.revisionNumber,
  };
  if (admin) {
    view['provider:network_type'] = record.networkType;
    view['provider:physical_network'] = record.physicalNetwork;
    view['provider:segmentation_id'] = record.segmentationId;
  }
  return view;
}

export function subnetView(record: SubnetRecord): SubnetView {
  return {
    id: record.id,
    name: record.name,
    tenant_id: record.projectId,
    project_id: record.projectId,
    network_id: record.networkId,
    ip_version: record.ipVersion,
    subnetpool_id: null,
    enable_dhcp: record.enableDhcp,
    ipv6_ra_mode: record.ipv6RaMode,
    ipv6_address_mode: record.ipv6AddressMode,
    gateway_ip: record.gatewayIp,
    cidr: record.cidr,
    allocation_pools: record.allocationPools.map((p) => ({ ...p })),
    host_routes: record.hostRoutes.map((r) => ({ ...r })),
    dns_nameservers: [...record.dnsNameservers],
    service_types: [...record.serviceTypes],
    dns_publish_fixed_ip: record.dnsPublishFixedIp,
    segment_id: record.segmentId,
    description: record.description,
    tags: [...record.tags],
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    revision_number: record.revisionNumber,
  };
}

/**
 * `dns_assignment` (spec 1.7): the port's `dns_name` is honoured only when the server's domain is not
 * the default `openstacklocal`; otherwise every address gets `host-<ip with . and : as ->`.
 */
export function dnsAssignment(record: PortRecord, serverDnsDomain: string): DnsAssignment[] {
  const withDot = (domain: string) => (domain.endsWith('.') ? domain : `${domain}.`);
  const serverDomain = withDot(serverDnsDomain === '' ? 'openstacklocal' : serverDnsDomain);
  const honoured = serverDomain !== 'openstacklocal.' && record.dnsName !== '';
  const domain = record.dnsDomain !== '' ? withDot(record.dnsDomain) : serverDomain;
  return record.fixedIps.map((ip) => {
    if (honoured) {
      const fqdn = record.dnsName.endsWith('.') ? record.dnsName : `${record.dnsName}.${domain}`;
      return { ip_address: ip.ipAddress, hostname: record.dnsName, fqdn };
    }
    const hostname = `host-${ip.ipAddress.replace(/[.:]/g, '-')}`;
    return { ip_address: ip.ipAddress, hostname, fqdn: `${hostname}.${domain}` };
  });
}

export function portView(record: PortRecord, serverDnsDomain: string, admin: boolean): PortView {
  const view: PortView = {
    id: record.id,
    name: record.name,
    network_id: record.networkId,
    tenant_id: record.projectId,
    project_id: record.projectId,
    mac_address: record.macAddress,
    admin_state_up: record.adminStateUp,
    status: record.status,
    device_id: record.deviceId,
    device_owner: record.deviceOwner,
    fixed_ips: record.fixedIps.map((ip) => ({ subnet_id: ip.subnetId, ip_address: ip.ipAddress })),
    allowed_address_pairs: record.allowedAddressPairs.map((p) => ({ ...p })),
    extra_dhcp_opts: record.extraDhcpOpts.map((o) => ({ ...o })),
    security_groups: [],
    port_security_enabled: record.portSecurityEnabled,
    'binding:vnic_type': record.bindingVnicType,
    dns_name: record.dnsName,
    dns_domain: record.dnsDomain,
    dns_assignment: dnsAssignment(record, serverDnsDomain),
    ip_allocation: record.ipAllocation,
    description: record.description,
    tags: [...record.tags],
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    revision_number: record.revisionNumber,
  };
  if (admin) {
    view['binding:host_id'] = record.bindingHostId;
    view['binding:profile'] = { ...record.bindingProfile };
    view['binding:vif_type'] = record.bindingVifType;
    view['binding:vif_details'] = {};
  }
  return view;
}
