/**
 * IPAM and MAC generation: pure functions, no I/O, no clock, no randomness of their own.
 *
 * Addresses are `bigint` inside (one type for IPv4 and IPv6) and strings at the surface. Failures are
 * values ({@link ParseResult}) carrying Neutron's exception type, HTTP status and message. See
 * `docs/ipam.md` for the strategies and where we differ from Neutron.
 *
 * @module
 */

export {
  canonicalIp,
  formatIp,
  parseIp,
} from './address.js';
export { chooseAddress } from './choose.js';
export {
  type Cidr,
  cidrContains,
  cidrSize,
  cidrsOverlap,
  makeCidr,
  parseCidr,
} from './cidr.js';
export {
  DEVICE_OWNER_FLOATINGIP,
  DEVICE_OWNER_ROUTER_GATEWAY,
  DEVICE_OWNER_ROUTER_INTERFACE,
  prefersNextAddress,
  ROUTER_INTERFACE_OWNERS_SNAT,
  ROUTER_PORT_OWNERS,
} from './device-owners.js';
export {
  eui64Address,
  isEui64Address,
  macOfEui64Address,
} from './eui64.js';
export {
  generateMac,
  parseMac,
} from './mac.js';
export {
  defaultAllocationPools,
  type IpRange,
  parseAllocationPools,
  rangeToPool,
  validateAllocationPools,
} from './pools.js';
export {
  allocateAnySubnet,
  compactPrefixes,
  fitsAvailable,
  prefixDifference,
  prefixesCover,
  prefixesIntersect,
  quotaUnits,
} from './prefix-set.js';
export type {
  IpamErrorType,
  IpamFailure,
  ParseResult,
} from './result.js';
export { SortedAddresses, sortAddresses } from './sorted-addresses.js';
export {
  validateDnsNameservers,
  validateHostRoutes,
} from './subnet-attributes.js';
export {
  classifySubnet,
  defaultGateway,
  type Ipv6Mode,
  isAutoAddressSubnet,
  isValidIpForSubnet,
  validateGateway,
  validateIpv6Modes,
  validateSubnetCidr,
} from './subnet-rules.js';
