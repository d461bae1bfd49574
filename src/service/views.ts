/**
 * Resources as the API shows them (Neutron v2.0 attribute names), built from stored records. Their types
 * are the one definition of each resource (`bus/resources.ts`), which the API also registers as response
 * schemas; attributes an ordinary project may not read (provider attributes, port bindings) are left out
 * for non-admin callers (spec 1.1 policy visibility).
 *
 * @module
 */
import {
  AddressScopeResource,
  type DnsAssignment,
  FloatingIpResource,
  NetworkResource,
  PortResource,
  RouterResource,
  SubnetPoolResource,
  SubnetResource,
} from '../bus/resources.js';
import type {
  AddressScopeRecord,
  FixedIp,
  FloatingIpRecord,
  NetworkRecord,
  PortRecord,
  RouterRecord,
  SubnetPoolRecord,
  SubnetRecord,
} from '../db/index.js';

/** A network as returned by the API. */
export type NetworkView = NetworkResource;
/** A subnet as returned by the API. */
export type SubnetView = SubnetResource;
/** A port as returned by the API. */
export type PortView = PortResource;

export type { DnsAssignment };
/** A subnet pool as returned by the API. */
export type SubnetPoolView = SubnetPoolResource;
/** An address scope as returned by the API. */
export type AddressScopeView = AddressScopeResource;

/** The schemas of the views, for the API's response schemas (`api/` may import only `service/`). */
export {
  AddressScopeResource,
  FloatingIpResource,
  NetworkResource,
  PortResource,
  RouterResource,
  SubnetPoolResource,
  SubnetResource,
};
/** A router as returned by the API. */
export type RouterView = RouterResource;
/** A floating IP as returned by the API. */
export type FloatingIpView = FloatingIpResource;

/** A network; `scopes` are its address scopes by family (spec §1.11), none when not given. */
export function networkView(
  record: NetworkRecord,
  subnetIds: readonly string[],
  admin: boolean,
  scopes: { readonly 4?: string; readonly 6?: string } = {},
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
    ipv4_address_scope: scopes[4] ?? null,
    ipv6_address_scope: scopes[6] ?? null,
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
    subnetpool_id: record.subnetpoolId,
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
    security_groups: [...record.securityGroups],
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

/** A subnet pool; prefix lengths as decimal strings, as Neutron shows them. */
export function subnetPoolView(record: SubnetPoolRecord): SubnetPoolView {
  return {
    id: record.id,
    name: record.name,
    tenant_id: record.projectId,
    project_id: record.projectId,
    ip_version: record.ipVersion,
    prefixes: [...record.prefixes],
    default_prefixlen: String(record.defaultPrefixlen),
    min_prefixlen: String(record.minPrefixlen),
    max_prefixlen: String(record.maxPrefixlen),
    default_quota: record.defaultQuota,
    is_default: record.isDefault,
    shared: record.shared,
    address_scope_id: record.addressScopeId,
    description: record.description,
    tags: [...record.tags],
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    revision_number: record.revisionNumber,
  };
}

export function addressScopeView(record: AddressScopeRecord): AddressScopeView {
  return {
    id: record.id,
    name: record.name,
    tenant_id: record.projectId,
    project_id: record.projectId,
    shared: record.shared,
    ip_version: record.ipVersion,
  };
}

/** A router; `gatewayIps` are its gateway port's addresses (none without a gateway). */
export function routerView(record: RouterRecord, gatewayIps: readonly FixedIp[]): RouterView {
  return {
    id: record.id,
    name: record.name,
    tenant_id: record.projectId,
    project_id: record.projectId,
    admin_state_up: record.adminStateUp,
    status: record.status,
    external_gateway_info:
      record.gatewayNetworkId === null
        ? null
        : {
            network_id: record.gatewayNetworkId,
            enable_snat: record.enableSnat,
            external_fixed_ips: gatewayIps.map((ip) => ({
              subnet_id: ip.subnetId,
              ip_address: ip.ipAddress,
            })),
          },
    routes: record.routes.map((route) => ({ destination: route.destination, nexthop: route.nexthop })),
    description: record.description,
    tags: [...record.tags],
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    revision_number: record.revisionNumber,
  };
}

export function floatingIpView(record: FloatingIpRecord): FloatingIpView {
  return {
    id: record.id,
    tenant_id: record.projectId,
    project_id: record.projectId,
    floating_network_id: record.floatingNetworkId,
    floating_ip_address: record.floatingIpAddress,
    router_id: record.routerId,
    port_id: record.fixedPortId,
    fixed_ip_address: record.fixedIpAddress,
    status: record.status,
    description: record.description,
    tags: [...record.tags],
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    revision_number: record.revisionNumber,
  };
}
