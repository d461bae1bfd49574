/**
 * Every mapping between a table row and its record (networks, subnets, ports, agents, instances, address
 * scopes, subnet pools), in one place. JSON columns are parsed here, at the storage edge, so nothing above
 * sees text; booleans are 0/1 integers in both SQLite and PostgreSQL.
 *
 * @module
 */
import type {
  AddressScopeRecord,
  AgentRecord,
  FixedIp,
  InstanceRecord,
  NetworkRecord,
  PortRecord,
  SubnetPoolRecord,
  SubnetRecord,
} from './records.js';
import type {
  AddressScopesTable,
  AgentsTable,
  InstancesTable,
  NetworksTable,
  PortsTable,
  SubnetPoolsTable,
  SubnetsTable,
} from './schema.js';

function parseJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

export function networkFromRow(row: NetworksTable): NetworkRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    description: row.description,
    adminStateUp: row.admin_state_up === 1,
    status: row.status,
    shared: row.shared === 1,
    mtu: row.mtu,
    dnsDomain: row.dns_domain,
    portSecurityEnabled: row.port_security_enabled === 1,
    routerExternal: row.router_external === 1,
    networkType: row.network_type,
    physicalNetwork: row.physical_network,
    segmentationId: row.segmentation_id,
    availabilityZoneHints: parseJson(row.availability_zone_hints),
    tags: parseJson(row.tags),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    revisionNumber: row.revision_number,
    syncRevision: row.sync_revision,
  };
}

/** The segment's uniqueness key: one network per flat physnet, VLAN id per physnet, or VNI. */
export function segmentKey(
  record: Pick<NetworkRecord, 'networkType' | 'physicalNetwork' | 'segmentationId'>,
): string | null {
  switch (record.networkType) {
    case 'flat':
      return `flat:${record.physicalNetwork}`;
    case 'vlan':
      return `vlan:${record.physicalNetwork}:${record.segmentationId}`;
    case 'vxlan':
      return `vxlan:${record.segmentationId}`;
    default:
      return null;
  }
}

export function networkToRow(record: NetworkRecord): NetworksTable {
  return {
    id: record.id,
    project_id: record.projectId,
    name: record.name,
    description: record.description,
    admin_state_up: record.adminStateUp ? 1 : 0,
    status: record.status,
    shared: record.shared ? 1 : 0,
    mtu: record.mtu,
    dns_domain: record.dnsDomain,
    port_security_enabled: record.portSecurityEnabled ? 1 : 0,
    router_external: record.routerExternal ? 1 : 0,
    network_type: record.networkType,
    physical_network: record.physicalNetwork,
    segmentation_id: record.segmentationId,
    segment_key: segmentKey(record),
    availability_zone_hints: JSON.stringify(record.availabilityZoneHints),
    tags: JSON.stringify(record.tags),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    revision_number: record.revisionNumber,
    sync_revision: record.syncRevision,
  };
}

export function subnetFromRow(row: SubnetsTable): SubnetRecord {
  return {
    id: row.id,
    networkId: row.network_id,
    projectId: row.project_id,
    name: row.name,
    description: row.description,
    ipVersion: row.ip_version === 6 ? 6 : 4,
    cidr: row.cidr,
    gatewayIp: row.gateway_ip,
    enableDhcp: row.enable_dhcp === 1,
    ipv6RaMode: row.ipv6_ra_mode,
    ipv6AddressMode: row.ipv6_address_mode,
    allocationPools: parseJson(row.allocation_pools),
    dnsNameservers: parseJson(row.dns_nameservers),
    hostRoutes: parseJson(row.host_routes),
    serviceTypes: parseJson(row.service_types),
    dnsPublishFixedIp: row.dns_publish_fixed_ip === 1,
    segmentId: row.segment_id,
    subnetpoolId: row.subnetpool_id,
    tags: parseJson(row.tags),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    revisionNumber: row.revision_number,
  };
}

export function subnetToRow(record: SubnetRecord): SubnetsTable {
  return {
    id: record.id,
    network_id: record.networkId,
    project_id: record.projectId,
    name: record.name,
    description: record.description,
    ip_version: record.ipVersion,
    cidr: record.cidr,
    gateway_ip: record.gatewayIp,
    enable_dhcp: record.enableDhcp ? 1 : 0,
    ipv6_ra_mode: record.ipv6RaMode,
    ipv6_address_mode: record.ipv6AddressMode,
    allocation_pools: JSON.stringify(record.allocationPools),
    dns_nameservers: JSON.stringify(record.dnsNameservers),
    host_routes: JSON.stringify(record.hostRoutes),
    service_types: JSON.stringify(record.serviceTypes),
    dns_publish_fixed_ip: record.dnsPublishFixedIp ? 1 : 0,
    segment_id: record.segmentId,
    subnetpool_id: record.subnetpoolId,
    tags: JSON.stringify(record.tags),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    revision_number: record.revisionNumber,
  };
}

export function portFromRow(
  row: PortsTable,
  fixedIps: readonly FixedIp[],
  securityGroups: readonly string[] = [],
): PortRecord {
  return {
    id: row.id,
    networkId: row.network_id,
    projectId: row.project_id,
    name: row.name,
    description: row.description,
    adminStateUp: row.admin_state_up === 1,
    macAddress: row.mac_address,
    deviceId: row.device_id,
    deviceOwner: row.device_owner,
    status: row.status,
    bindingHostId: row.binding_host_id,
    bindingVnicType: row.binding_vnic_type,
    bindingProfile: parseJson(row.binding_profile),
    bindingVifType: row.binding_vif_type,
    dnsName: row.dns_name,
    dnsDomain: row.dns_domain,
    portSecurityEnabled: row.port_security_enabled === 1,
    extraDhcpOpts: parseJson(row.extra_dhcp_opts),
    allowedAddressPairs: parseJson(row.allowed_address_pairs),
    ipAllocation: row.ip_allocation,
    tags: parseJson(row.tags),
    fixedIps,
    securityGroups,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    revisionNumber: row.revision_number,
  };
}

export function portToRow(record: PortRecord): PortsTable {
  return {
    id: record.id,
    network_id: record.networkId,
    project_id: record.projectId,
    name: record.name,
    description: record.description,
    admin_state_up: record.adminStateUp ? 1 : 0,
    mac_address: record.macAddress,
    device_id: record.deviceId,
    device_owner: record.deviceOwner,
    status: record.status,
    binding_host_id: record.bindingHostId,
    binding_vnic_type: record.bindingVnicType,
    binding_profile: JSON.stringify(record.bindingProfile),
    binding_vif_type: record.bindingVifType,
    dns_name: record.dnsName,
    dns_domain: record.dnsDomain,
    port_security_enabled: record.portSecurityEnabled ? 1 : 0,
    extra_dhcp_opts: JSON.stringify(record.extraDhcpOpts),
    allowed_address_pairs: JSON.stringify(record.allowedAddressPairs),
    ip_allocation: record.ipAllocation,
    tags: JSON.stringify(record.tags),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    revision_number: record.revisionNumber,
  };
}

export function agentFromRow(row: AgentsTable): AgentRecord {
  let configurations: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(row.configurations);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      configurations = parsed as Record<string, unknown>;
    }
  } catch {
    // A row written by us is always JSON; anything else shows as no configuration.
  }
  return {
    id: row.id,
    agentType: row.agent_type,
    binary: row.binary,
    host: row.host,
    topic: row.topic,
    availabilityZone: row.availability_zone,
    adminStateUp: row.admin_state_up !== 0,
    configurations,
    load: row.load,
    createdAt: row.created_at,
    startedAt: row.started_at,
    heartbeatTimestamp: row.heartbeat_timestamp,
    description: row.description,
  };
}

export function agentToRow(record: AgentRecord): AgentsTable {
  return {
    id: record.id,
    agent_type: record.agentType,
    binary: record.binary,
    host: record.host,
    topic: record.topic,
    availability_zone: record.availabilityZone,
    admin_state_up: record.adminStateUp ? 1 : 0,
    configurations: JSON.stringify(record.configurations),
    load: record.load,
    created_at: record.createdAt,
    started_at: record.startedAt,
    heartbeat_timestamp: record.heartbeatTimestamp,
    description: record.description,
  };
}

export function instanceFromRow(row: InstancesTable): InstanceRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    hostname: row.hostname,
    availabilityZone: row.availability_zone,
    publicKeys: JSON.parse(row.public_keys) as Record<string, string>,
    userDataBase64: row.user_data,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    launchIndex: row.launch_index,
    ec2Id: row.ec2_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    revisionNumber: row.revision_number,
  };
}

export function instanceToRow(record: InstanceRecord): InstancesTable {
  return {
    id: record.id,
    project_id: record.projectId,
    name: record.name,
    hostname: record.hostname,
    availability_zone: record.availabilityZone,
    public_keys: JSON.stringify(record.publicKeys),
    user_data: record.userDataBase64,
    metadata: JSON.stringify(record.metadata),
    launch_index: record.launchIndex,
    ec2_id: record.ec2Id,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    revision_number: record.revisionNumber,
  };
}

export function addressScopeFromRow(row: AddressScopesTable): AddressScopeRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    shared: row.shared === 1,
    ipVersion: row.ip_version === 6 ? 6 : 4,
  };
}

export function addressScopeToRow(record: AddressScopeRecord): AddressScopesTable {
  return {
    id: record.id,
    project_id: record.projectId,
    name: record.name,
    shared: record.shared ? 1 : 0,
    ip_version: record.ipVersion,
  };
}

export function subnetPoolFromRow(row: SubnetPoolsTable): SubnetPoolRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    description: row.description,
    ipVersion: row.ip_version === 6 ? 6 : 4,
    prefixes: parseJson(row.prefixes),
    defaultPrefixlen: row.default_prefixlen,
    minPrefixlen: row.min_prefixlen,
    maxPrefixlen: row.max_prefixlen,
    defaultQuota: row.default_quota,
    isDefault: row.is_default === 1,
    shared: row.shared === 1,
    addressScopeId: row.address_scope_id,
    tags: parseJson(row.tags),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    revisionNumber: row.revision_number,
  };
}

export function subnetPoolToRow(record: SubnetPoolRecord): SubnetPoolsTable {
  return {
    id: record.id,
    project_id: record.projectId,
    name: record.name,
    description: record.description,
    ip_version: record.ipVersion,
    prefixes: JSON.stringify(record.prefixes),
    default_prefixlen: record.defaultPrefixlen,
    min_prefixlen: record.minPrefixlen,
    max_prefixlen: record.maxPrefixlen,
    default_quota: record.defaultQuota,
    is_default: record.isDefault ? 1 : 0,
    shared: record.shared ? 1 : 0,
    address_scope_id: record.addressScopeId,
    tags: JSON.stringify(record.tags),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    revision_number: record.revisionNumber,
  };
}
