/**
 * Turning IPAM's failure values into catalog errors. IPAM words its messages as Neutron does; the
 * catalog code chosen here fixes the reported type and status.
 *
 * @module
 */
import { type ErrorCode, QdhcpError } from '../common/errors.js';
import type { IpamErrorType, IpamFailure, ParseResult } from '../ipam/index.js';

const CODES: Record<IpamErrorType, ErrorCode> = {
  InvalidInput: 'INVALID_INPUT',
  HTTPBadRequest: 'INVALID_ATTRIBUTE',
  InvalidIpForSubnet: 'INVALID_IP_FOR_SUBNET',
  InvalidIpForNetwork: 'INVALID_IP_FOR_NETWORK',
  AllocationOnAutoAddressSubnet: 'ALLOCATION_ON_AUTO_ADDRESS_SUBNET',
  InvalidAllocationPool: 'INVALID_ALLOCATION_POOL',
  OutOfBoundsAllocationPool: 'OUT_OF_BOUNDS_ALLOCATION_POOL',
  OverlappingAllocationPools: 'OVERLAPPING_ALLOCATION_POOLS',
  GatewayConflictWithAllocationPools: 'GATEWAY_CONFLICT_WITH_ALLOCATION_POOLS',
  HostRoutesExhausted: 'HOST_ROUTES_EXHAUSTED',
  DNSNameServersExhausted: 'DNS_NAMESERVERS_EXHAUSTED',
  SubnetNotFound: 'SUBNET_NOT_FOUND',
  IpAddressGenerationFailure: 'IP_ADDRESS_GENERATION_FAILURE',
  IpAddressAlreadyAllocated: 'IP_ADDRESS_ALREADY_ALLOCATED',
  IpAddressGenerationFailureNoMatchingSubnet: 'IP_ADDRESS_GENERATION_FAILURE_NO_MATCHING_SUBNET',
};

/** The catalog error for an IPAM failure, keeping IPAM's message. */
export function ipamError(failure: IpamFailure): QdhcpError {
  return new QdhcpError(CODES[failure.type], {}, { message: failure.message });
}

/** The value of a successful result; throws the matching catalog error otherwise. */
export function unwrap<T>(result: ParseResult<T>): T {
  if (result.ok) return result.value;
  throw ipamError(result);
}
