/**
 * The create and update rules of subnets (spec 1.4), in Neutron's evaluation order, on top of the pure
 * IPAM validators. Returns the record fields to store; throws catalog errors.
 *
 * @module
 */
import type { ServerConfig } from '../common/config.js';
import { QdhcpError } from '../common/errors.js';
import type { AllocationPool, HostRoute, SubnetRecord } from '../db/index.js';
import {
  type Cidr,
  cidrsOverlap,
  defaultAllocationPools,
  defaultGateway,
  formatIp,
  type IpRange,
  parseAllocationPools,
  parseCidr,
  rangeToPool,
  validateAllocationPools,
  validateDnsNameservers,
  validateGateway,
  validateHostRoutes,
  validateIpv6Modes,
  validateSubnetCidr,
} from '../ipam/index.js';
import type { SubnetInput } from './inputs.js';
import { unwrap } from './ipam-errors.js';

function badRequest(msg: string): QdhcpError {
  return new QdhcpError('BAD_RESOURCE_REQUEST', { resource: 'subnet', msg });
}

/** The stored CIDR of a subnet, parsed (it was validated on create). */
export function storedCidr(subnet: Pick<SubnetRecord, 'cidr'>): Cidr {
  return unwrap(parseCidr(subnet.cidr));
}

/** Stored pools as ranges. */
export function storedPools(subnet: Pick<SubnetRecord, 'cidr' | 'allocationPools'>): IpRange[] {
  return unwrap(parseAllocationPools(storedCidr(subnet), subnet.allocationPools));
}

/** The validated addressing of a new subnet. */
export interface SubnetAddressing {
  readonly cidr: Cidr;
  readonly gatewayIp: string | null;
  readonly allocationPools: AllocationPool[];
  readonly dnsNameservers: string[];
  readonly hostRoutes: HostRoute[];
  readonly ipv6RaMode: string | null;
  readonly ipv6AddressMode: string | null;
}

/**
 * Create rules 1–11 of spec 1.4 (the network's existing subnets are needed for the overlap rule). A
 * subnet from a pool arrives here with the CIDR the pool gave it (`subnet-from-pool.ts`).
 */
export function validateNewSubnet(
  config: ServerConfig,
  input: SubnetInput,
  networkId: string,
  siblings: readonly SubnetRecord[],
): SubnetAddressing {
  if (input.cidr !== undefined && input.prefixlen !== undefined) {
    throw badRequest('cidr and prefixlen must not be supplied together');
  }
  if (input.cidr === undefined) throw badRequest('a cidr must be specified in the absence of a subnet pool');
  const ipVersion = input.ip_version ?? 4;
  const enableDhcp = input.enable_dhcp ?? true;
  const cidr = unwrap(validateSubnetCidr(unwrap(parseCidr(input.cidr)), ipVersion, { enableDhcp }));
  const gateway =
    input.gateway_ip === undefined ? defaultGateway(cidr) : unwrap(validateGateway(cidr, input.gateway_ip));
  const limits = { maxDnsNameservers: config.maxDnsNameservers, maxHostRoutes: config.maxSubnetHostRoutes };
  const dnsNameservers = unwrap(validateDnsNameservers(cidr.version, input.dns_nameservers ?? [], limits));
  const hostRoutes = unwrap(validateHostRoutes(cidr.version, input.host_routes ?? [], limits));
  const modes = unwrap(
    validateIpv6Modes(
      cidr,
      { ipv6RaMode: input.ipv6_ra_mode ?? null, ipv6AddressMode: input.ipv6_address_mode ?? null },
      enableDhcp,
    ),
  );
  const pools =
    input.allocation_pools === undefined || input.allocation_pools === null
      ? defaultAllocationPools(cidr, gateway)
      : unwrap(
          validateAllocationPools(cidr, gateway, unwrap(parseAllocationPools(cidr, input.allocation_pools))),
        );
  for (const sibling of siblings) {
    if (cidrsOverlap(cidr, storedCidr(sibling))) {
      throw new QdhcpError('INVALID_INPUT', {
        error_message: `Requested subnet with cidr: ${cidr.text} for network: ${networkId} overlaps with another subnet`,
      });
    }
  }
  return {
    cidr,
    gatewayIp: gateway === null ? null : formatIp(cidr.version, gateway),
    allocationPools: pools.map((p) => rangeToPool(cidr.version, p)),
    dnsNameservers,
    hostRoutes,
    ipv6RaMode: modes.ipv6RaMode,
    ipv6AddressMode: modes.ipv6AddressMode,
  };
}

/** Update rules of spec 1.4: returns the changed fields of the record. */
export function validateSubnetUpdate(
  config: ServerConfig,
  current: SubnetRecord,
  input: SubnetInput,
): Partial<SubnetRecord> {
  const cidr = storedCidr(current);
  const changes: { -readonly [K in keyof SubnetRecord]?: SubnetRecord[K] } = {};
  const limits = {
    subnetId: current.id,
    maxDnsNameservers: config.maxDnsNameservers,
    maxHostRoutes: config.maxSubnetHostRoutes,
  };
  if (input.enable_dhcp === true && !current.enableDhcp) {
    unwrap(validateSubnetCidr(cidr, current.ipVersion, { enableDhcp: true }));
  }
  if (
    input.enable_dhcp === false &&
    current.ipVersion === 6 &&
    (current.ipv6RaMode !== null || current.ipv6AddressMode !== null)
  ) {
    throw new QdhcpError('INVALID_INPUT', {
      error_message: 'ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False',
    });
  }
  let gateway = current.gatewayIp === null ? null : unwrap(validateGateway(cidr, current.gatewayIp));
  const gatewayChanged = input.gateway_ip !== undefined && input.gateway_ip !== current.gatewayIp;
  if (input.gateway_ip !== undefined) {
    gateway = unwrap(validateGateway(cidr, input.gateway_ip));
    changes.gatewayIp = gateway === null ? null : formatIp(cidr.version, gateway);
  }
  if (input.allocation_pools !== undefined && input.allocation_pools !== null) {
    const pools = unwrap(
      validateAllocationPools(cidr, gateway, unwrap(parseAllocationPools(cidr, input.allocation_pools))),
    );
    changes.allocationPools = pools.map((p) => rangeToPool(cidr.version, p));
  } else if (gatewayChanged) {
    unwrap(validateAllocationPools(cidr, gateway, storedPools(current)));
  }
  if (input.dns_nameservers !== undefined) {
    changes.dnsNameservers = unwrap(
      validateDnsNameservers(cidr.version, input.dns_nameservers ?? [], limits),
    );
  }
  if (input.host_routes !== undefined) {
    changes.hostRoutes = unwrap(validateHostRoutes(cidr.version, input.host_routes ?? [], limits));
  }
  if (input.name !== undefined) changes.name = input.name;
  if (input.description !== undefined) changes.description = input.description;
  if (input.enable_dhcp !== undefined) changes.enableDhcp = input.enable_dhcp;
  if (input.service_types !== undefined) changes.serviceTypes = [...input.service_types];
  if (input.dns_publish_fixed_ip !== undefined) changes.dnsPublishFixedIp = input.dns_publish_fixed_ip;
  if (input.segment_id !== undefined) changes.segmentId = input.segment_id;
  return changes;
}
