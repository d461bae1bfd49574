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
  addressBits,
  canonicalIp,
  formatAddress,
  formatIp,
  type IpAddress,
  type IpVersion,
  maxAddress,
  parseIp,
} from './address.js';
export {
  type AllocatedAddresses,
  BULK_WINDOW_MAX,
  BULK_WINDOW_MULTIPLIER,
  type ChooseOptions,
  chooseAddress,
  chooseAddresses,
  freeAddressCount,
  indexAllocations,
  RANDOM_WINDOW,
  SortedAllocations,
  sortedAllocations,
} from './choose.js';
export {
  broadcastAddress,
  type Cidr,
  cidrContains,
  cidrFirst,
  cidrLast,
  cidrSize,
  cidrsOverlap,
  hostMask,
  makeCidr,
  type ParseCidrOptions,
  parseCidr,
} from './cidr.js';
export {
  DEVICE_OWNER_DHCP,
  DEVICE_OWNER_DISTRIBUTED,
  DEVICE_OWNER_HA_REPLICATED_INTERFACE,
  DEVICE_OWNER_ROUTER_GATEWAY,
  DEVICE_OWNER_ROUTER_INTERFACE,
  DEVICE_OWNER_ROUTER_INTERFACE_DISTRIBUTED,
  DEVICE_OWNER_ROUTER_SNAT,
  prefersNextAddress,
  ROUTER_INTERFACE_OWNERS,
  ROUTER_INTERFACE_OWNERS_SNAT,
  ROUTER_PORT_OWNERS,
} from './device-owners.js';
export { eui64Address, isEui64Address } from './eui64.js';
export {
  formatMac,
  generateMac,
  generateMacs,
  isMulticastMac,
  macOctets,
  parseMac,
  type RandomBytes,
} from './mac.js';
export {
  defaultAllocationPools,
  formatRange,
  type IpRange,
  parseAllocationPool,
  parseAllocationPools,
  poolSize,
  poolsContain,
  rangeToPool,
  usableRange,
  validateAllocationPools,
} from './pools.js';
export {
  allocationOnAutoAddressSubnet,
  fixedIpSubnetNotOnNetwork,
  invalidIpForNetwork,
  invalidIpForSubnet,
  ipAddressAlreadyAllocated,
  ipAddressGenerationFailure,
  noMatchingServiceSubnet,
  subnetNotFound,
} from './port-messages.js';
export {
  type AllocationStep,
  type FixedIpRequest,
  type PortAllocationInput,
  planPortAllocation,
  resolveFixedIp,
  type SubnetInfo,
  selectCandidateSubnets,
  validateFixedIps,
} from './port-plan.js';
export {
  type CurrentFixedIp,
  diffFixedIps,
  type FixedIpsDiff,
  type FixedIpUpdateRequest,
} from './port-update.js';
export {
  fail,
  type IpamErrorType,
  type IpamFailure,
  invalidAttribute,
  invalidInput,
  ok,
  type ParseResult,
} from './result.js';
export {
  type HostRoute,
  MAX_DNS_NAMESERVERS,
  MAX_SUBNET_HOST_ROUTES,
  type SubnetAttributeOptions,
  validateDnsNameservers,
  validateHostRoutes,
} from './subnet-attributes.js';
export {
  allocationPoolsForApi,
  type SubnetCreateContext,
  type SubnetCreateRequest,
  type SubnetUpdateRequest,
  type ValidatedSubnet,
  validateSubnetCreate,
  validateSubnetUpdate,
} from './subnet-request.js';
export {
  classifySubnet,
  defaultGateway,
  formatInCidr,
  IPV6_MODES,
  type Ipv6Mode,
  type Ipv6Modes,
  isAutoAddressSubnet,
  isGatewayInvalid,
  isValidIpForSubnet,
  type SubnetClass,
  validateGateway,
  validateIpv6Modes,
  validateSubnetCidr,
} from './subnet-rules.js';
