/**
 * The stored resources as typed records: what repositories return and accept. Their mapping to and from
 * table rows is in `row-mappers.ts` (routers and floating IPs: `router-row-mappers.ts`).
 *
 * @module
 */

/** A network and its (single) provider segment. */
export interface NetworkRecord {
  readonly id: string;
  readonly projectId: string;
  readonly name: string;
  readonly description: string;
  readonly adminStateUp: boolean;
  readonly status: string;
  readonly shared: boolean;
  readonly mtu: number;
  readonly dnsDomain: string;
  readonly portSecurityEnabled: boolean;
  readonly routerExternal: boolean;
  readonly networkType: string;
  readonly physicalNetwork: string | null;
  readonly segmentationId: number | null;
  readonly availabilityZoneHints: readonly string[];
  readonly tags: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly revisionNumber: number;
  readonly syncRevision: number;
}

/** One allocation pool, inclusive. */
export interface AllocationPool {
  readonly start: string;
  readonly end: string;
}

/** One host route of a subnet. */
export interface HostRoute {
  readonly destination: string;
  readonly nexthop: string;
}

/** A subnet. */
export interface SubnetRecord {
  readonly id: string;
  readonly networkId: string;
  readonly projectId: string;
  readonly name: string;
  readonly description: string;
  readonly ipVersion: 4 | 6;
  readonly cidr: string;
  readonly gatewayIp: string | null;
  readonly enableDhcp: boolean;
  readonly ipv6RaMode: string | null;
  readonly ipv6AddressMode: string | null;
  readonly allocationPools: readonly AllocationPool[];
  readonly dnsNameservers: readonly string[];
  readonly hostRoutes: readonly HostRoute[];
  readonly serviceTypes: readonly string[];
  readonly dnsPublishFixedIp: boolean;
  readonly segmentId: string | null;
  /** The pool the CIDR was allocated from, or null. */
  readonly subnetpoolId: string | null;
  readonly tags: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly revisionNumber: number;
}

/** An address scope (issue 12). */
export interface AddressScopeRecord {
  readonly id: string;
  readonly projectId: string;
  readonly name: string;
  readonly shared: boolean;
  readonly ipVersion: 4 | 6;
}

/** A subnet pool (issue 12); `prefixes` are compacted canonical CIDRs in address order. */
export interface SubnetPoolRecord {
  readonly id: string;
  readonly projectId: string;
  readonly name: string;
  readonly description: string;
  readonly ipVersion: 4 | 6;
  readonly prefixes: readonly string[];
  readonly defaultPrefixlen: number;
  readonly minPrefixlen: number;
  readonly maxPrefixlen: number;
  readonly defaultQuota: number | null;
  readonly isDefault: boolean;
  readonly shared: boolean;
  readonly addressScopeId: string | null;
  readonly tags: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly revisionNumber: number;
}

/** One extra DHCP option of a port (spec 1.6). */
export interface ExtraDhcpOpt {
  readonly opt_name: string;
  readonly opt_value: string | null;
  readonly ip_version: 4 | 6;
}

/** One allowed address pair of a port. */
export interface AddressPair {
  readonly ip_address: string;
  readonly mac_address: string;
}

/** One fixed IP of a port. */
export interface FixedIp {
  readonly subnetId: string;
  readonly ipAddress: string;
}

/** A port with its fixed IPs in their stored order. */
export interface PortRecord {
  readonly id: string;
  readonly networkId: string;
  readonly projectId: string;
  readonly name: string;
  readonly description: string;
  readonly adminStateUp: boolean;
  readonly macAddress: string;
  readonly deviceId: string;
  readonly deviceOwner: string;
  readonly status: string;
  readonly bindingHostId: string;
  readonly bindingVnicType: string;
  readonly bindingProfile: Readonly<Record<string, unknown>>;
  readonly bindingVifType: string;
  readonly dnsName: string;
  readonly dnsDomain: string;
  readonly portSecurityEnabled: boolean;
  readonly extraDhcpOpts: readonly ExtraDhcpOpt[];
  readonly allowedAddressPairs: readonly AddressPair[];
  readonly ipAllocation: string;
  readonly tags: readonly string[];
  readonly fixedIps: readonly FixedIp[];
  /** The security groups the port is in (issue 14), in the order they were given. */
  readonly securityGroups: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly revisionNumber: number;
}

/** An agent as the services see it. */
export interface AgentRecord {
  readonly id: string;
  readonly agentType: string;
  readonly binary: string;
  readonly host: string;
  readonly topic: string;
  readonly availabilityZone: string | null;
  readonly adminStateUp: boolean;
  readonly configurations: Record<string, unknown>;
  readonly load: number;
  readonly createdAt: string;
  readonly startedAt: string;
  readonly heartbeatTimestamp: string;
  readonly description: string | null;
}

/** An instance as stored; JSON columns parsed, user data still base64 (it travels base64 everywhere). */
export interface InstanceRecord {
  readonly id: string;
  readonly projectId: string;
  readonly name: string;
  readonly hostname: string;
  readonly availabilityZone: string;
  /** Key name → public key, in the order given. */
  readonly publicKeys: Readonly<Record<string, string>>;
  readonly userDataBase64: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly launchIndex: number;
  /** The integer of the EC2 instance id (`i-%08x`), assigned at creation by {@link instancesRepository}. */
  readonly ec2Id: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly revisionNumber: number;
}

/** One extra route of a router. */
export interface RouterRoute {
  readonly destination: string;
  readonly nexthop: string;
}

/** A router (issue 13); its gateway and interface addresses are its ports. */
export interface RouterRecord {
  readonly id: string;
  readonly projectId: string;
  readonly name: string;
  readonly description: string;
  readonly adminStateUp: boolean;
  readonly status: string;
  /** The external network of the gateway, or null without one. */
  readonly gatewayNetworkId: string | null;
  readonly enableSnat: boolean;
  readonly routes: readonly RouterRoute[];
  readonly tags: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly revisionNumber: number;
}

/** A floating IP (issue 13): its address is held by a `network:floatingip` port. */
export interface FloatingIpRecord {
  readonly id: string;
  readonly projectId: string;
  readonly description: string;
  readonly floatingNetworkId: string;
  readonly floatingIpAddress: string;
  readonly floatingPortId: string;
  /** The associated port, its address and the router that reaches it; all null when not associated. */
  readonly fixedPortId: string | null;
  readonly fixedIpAddress: string | null;
  readonly routerId: string | null;
  readonly status: string;
  readonly tags: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly revisionNumber: number;
}

/** A security group (issue 14). Its rules are separate records. */
export interface SecurityGroupRecord {
  readonly id: string;
  readonly projectId: string;
  readonly name: string;
  readonly description: string;
  readonly stateful: boolean;
  readonly tags: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly revisionNumber: number;
}

/** A security group rule; null means "any" (protocol, ports, remote). */
export interface SecurityGroupRuleRecord {
  readonly id: string;
  readonly securityGroupId: string;
  readonly projectId: string;
  readonly direction: 'ingress' | 'egress';
  readonly ethertype: 'IPv4' | 'IPv6';
  readonly protocol: string | null;
  readonly portRangeMin: number | null;
  readonly portRangeMax: number | null;
  readonly remoteIpPrefix: string | null;
  readonly remoteGroupId: string | null;
  readonly description: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly revisionNumber: number;
}
