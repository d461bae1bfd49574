/**
 * The codes that reach the HTTP API: each has the Neutron exception class name it is reported as (`type`,
 * what OpenStack clients and tempest compare), an HTTP status and Neutron's wording (neutron_lib/exceptions)
 * where clients or tests compare text. Part of the one catalog in `errors.ts`; documented in docs/errors.md.
 *
 * `retryable` is false unless sending the same request again later can succeed without anything else
 * changing: "no free address" stays so until a port is deleted, and that deletion reaches an agent as an
 * event, which makes it try again anyway.
 *
 * @module
 */
import type { ApiErrorDefinition } from './error-definition.js';

/** Retrying the same request later may succeed (a transient server-side condition). */
const RETRY = true;

function api(type: string, status: number, template: string, retryable = false): ApiErrorDefinition {
  return { layer: 'api', type, status, template, retryable };
}

/** Every error that reaches the API, keyed by its stable code (never reused). */
export const API_ERRORS = {
  // --- 404 -----------------------------------------------------------------------------------------
  NETWORK_NOT_FOUND: api('NetworkNotFound', 404, 'Network {net_id} could not be found.'),
  SECURITY_GROUP_NOT_FOUND: api('SecurityGroupNotFound', 404, 'Security group {id} does not exist'),
  SUBNET_NOT_FOUND: api('SubnetNotFound', 404, 'Subnet {subnet_id} could not be found.'),
  PORT_NOT_FOUND: api('PortNotFound', 404, 'Port {port_id} could not be found.'),
  RESOURCE_NOT_FOUND: api('HTTPNotFound', 404, 'The resource could not be found.'),
  AGENT_NOT_FOUND: api('AgentNotFound', 404, 'Agent {id} could not be found.'),
  /** Neutron reports an unusable agent in the scheduler API as a not-found error (spec 1.10). */
  INVALID_DHCP_AGENT: api(
    'InvalidDHCPAgent',
    404,
    'Agent {id} is not a valid DHCP Agent or has been disabled.',
  ),
  /** The L3 scheduler's counterpart (neutron/extensions/l3agentscheduler.py, no full stop). */
  INVALID_L3_AGENT: api('InvalidL3Agent', 404, 'Agent {id} is not a L3 Agent or has been disabled'),
  INSTANCE_NOT_FOUND: api('InstanceNotFound', 404, 'Instance {instance_id} could not be found.'),
  SUBNETPOOL_NOT_FOUND: api('SubnetPoolNotFound', 404, 'Subnet pool {subnetpool_id} could not be found.'),
  ADDRESS_SCOPE_NOT_FOUND: api(
    'AddressScopeNotFound',
    404,
    'Address scope {address_scope_id} could not be found.',
  ),
  // Routers and floating IPs (issue 13; neutron_lib/exceptions/l3.py, Neutron's own wording, no full stop).
  ROUTER_NOT_FOUND: api('RouterNotFound', 404, 'Router {router_id} could not be found'),
  ROUTER_INTERFACE_NOT_FOUND: api(
    'RouterInterfaceNotFound',
    404,
    'Router {router_id} does not have an interface with id {port_id}',
  ),
  ROUTER_INTERFACE_NOT_FOUND_FOR_SUBNET: api(
    'RouterInterfaceNotFoundForSubnet',
    404,
    'Router {router_id} has no interface on subnet {subnet_id}',
  ),
  FLOATINGIP_NOT_FOUND: api('FloatingIPNotFound', 404, 'Floating IP {floatingip_id} could not be found'),
  EXTERNAL_GATEWAY_FOR_FLOATINGIP_NOT_FOUND: api(
    'ExternalGatewayForFloatingIPNotFound',
    404,
    'External network {external_network_id} is not reachable from subnet {subnet_id}.  Therefore, cannot associate Port {port_id} with a Floating IP.',
  ),
  EXTENSION_NOT_FOUND: api('HTTPNotFound', 404, 'Extension with alias {alias} does not exist'),
  // --- 400 raised by the request pipeline (body, attributes, query) ---------------------------------
  BODY_INVALID: api('HTTPBadRequest', 400, 'Body contains invalid data'),
  BODY_TOO_LARGE: api('HTTPBadRequest', 400, 'Request body is larger than the limit of {limit} bytes'),
  URL_INVALID: api('HTTPBadRequest', 400, 'Invalid URL: {reason}'),
  REQUEST_MALFORMED: api('HTTPBadRequest', 400, 'Malformed request: {reason}'),
  REQUEST_TIMEOUT: api('HTTPRequestTimeout', 408, 'The request was not received in time'),
  REQUEST_HEADERS_TOO_LARGE: api('HTTPRequestHeaderFieldsTooLarge', 431, 'Request header fields too large'),
  RESOURCE_KEY_MISSING: api('HTTPBadRequest', 400, "Unable to find '{resource}' in request body"),
  BULK_EMPTY: api('HTTPBadRequest', 400, 'Resources required'),
  BULK_NOT_SUPPORTED: api('HTTPBadRequest', 400, 'Bulk operation not supported for {method}'),
  UNRECOGNIZED_ATTRIBUTES: api('HTTPBadRequest', 400, "Unrecognized attribute(s) '{names}'"),
  ATTRIBUTE_NOT_ALLOWED_IN_POST: api('HTTPBadRequest', 400, "Attribute '{attr}' not allowed in POST"),
  READ_ONLY_ATTRIBUTE: api('HTTPBadRequest', 400, 'Cannot update read-only attribute {attr}'),
  MISSING_ATTRIBUTE: api(
    'HTTPBadRequest',
    400,
    "Failed to parse request. Required attribute '{attr}' not specified",
  ),
  INVALID_ATTRIBUTE: api('HTTPBadRequest', 400, 'Invalid input for {attr}. Reason: {reason}.'),
  PROJECT_ID_MISMATCH: api('HTTPBadRequest', 400, "'project_id' and 'tenant_id' do not match"),
  FOREIGN_PROJECT: api(
    'HTTPBadRequest',
    400,
    "Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin privileges",
  ),
  INVALID_QUERY: api('HTTPBadRequest', 400, '{message}'),
  INVALID_IF_MATCH: api('HTTPBadRequest', 400, 'Invalid If-Match header: {header}'),
  // --- 400 raised by validation in the service layer ------------------------------------------------
  INVALID_INPUT: api('InvalidInput', 400, 'Invalid input for operation: {error_message}.'),
  PORT_NOT_USABLE: api('PortNotUsable', 400, 'Port {port_id} not usable for instance {instance}: {reason}.'),
  BAD_RESOURCE_REQUEST: api('BadRequest', 400, 'Bad {resource} request: {msg}.'),
  /** neutron/extensions/extraroute.py. */
  INVALID_ROUTES: api('InvalidRoutes', 400, 'Invalid format for routes: {routes}, {reason}'),
  // Subnet pools and address scopes (issue 12; neutron_lib/exceptions, address_scope.py).
  EMPTY_SUBNETPOOL_PREFIX_LIST: api('EmptySubnetPoolPrefixList', 400, 'Empty subnet pool prefix list.'),
  PREFIX_VERSION_MISMATCH: api(
    'PrefixVersionMismatch',
    400,
    'Cannot mix IPv4 and IPv6 prefixes in a subnet pool.',
  ),
  ILLEGAL_SUBNETPOOL_PREFIX_BOUNDS: api(
    'IllegalSubnetPoolPrefixBounds',
    400,
    'Illegal prefix bounds: {prefix_type}={prefixlen}, {base_prefix_type}={base_prefixlen}.',
  ),
  ILLEGAL_SUBNETPOOL_PREFIX_UPDATE: api(
    'IllegalSubnetPoolPrefixUpdate',
    400,
    'Illegal update to prefixes: {msg}.',
  ),
  ILLEGAL_SUBNETPOOL_ASSOCIATION_TO_ADDRESS_SCOPE: api(
    'IllegalSubnetPoolAssociationToAddressScope',
    400,
    'Illegal subnetpool association: subnetpool {subnetpool_id} cannot be associated with address scope {address_scope_id}.',
  ),
  ILLEGAL_SUBNETPOOL_IP_VERSION_ASSOCIATION_TO_ADDRESS_SCOPE: api(
    'IllegalSubnetPoolIpVersionAssociationToAddressScope',
    400,
    'Illegal subnetpool association: subnetpool {subnetpool_id} cannot associate with address scope {address_scope_id} because subnetpool ip_version is not {ip_version}.',
  ),
  ILLEGAL_SUBNETPOOL_UPDATE: api('IllegalSubnetPoolUpdate', 400, 'Illegal subnetpool update : {reason}.'),
  MIN_PREFIX_SUBNET_ALLOCATION_ERROR: api(
    'MinPrefixSubnetAllocationError',
    400,
    'Unable to allocate subnet with prefix length {prefixlen}, minimum allowed prefix is {min_prefixlen}.',
  ),
  MAX_PREFIX_SUBNET_ALLOCATION_ERROR: api(
    'MaxPrefixSubnetAllocationError',
    400,
    'Unable to allocate subnet with prefix length {prefixlen}, maximum allowed prefix is {max_prefixlen}.',
  ),
  SUBNETPOOL_DELETE_ERROR: api('SubnetPoolDeleteError', 400, 'Unable to delete subnet pool: {reason}.'),
  NETWORK_SUBNETPOOL_AFFINITY_ERROR: api(
    'NetworkSubnetPoolAffinityError',
    400,
    'Subnets hosted on the same network must be allocated from the same subnet pool.',
  ),
  NETWORK_ADDRESS_SCOPE_AFFINITY_ERROR: api(
    'NetworkAddressScopeAffinityError',
    400,
    'Subnets of the same address family hosted on the same network must all participate in the same address scope.',
  ),
  ADDRESS_SCOPE_UPDATE_ERROR: api(
    'AddressScopeUpdateError',
    400,
    'Unable to update address scope {address_scope_id} : {reason}.',
  ),
  INVALID_IP_FOR_SUBNET: api(
    'InvalidIpForSubnet',
    400,
    'IP address {ip_address} is not a valid IP for the specified subnet.',
  ),
  INVALID_IP_FOR_NETWORK: api(
    'InvalidIpForNetwork',
    400,
    'IP address {ip_address} is not a valid IP for any of the subnets on the specified network.',
  ),
  ALLOCATION_ON_AUTO_ADDRESS_SUBNET: api(
    'AllocationOnAutoAddressSubnet',
    400,
    'IPv6 address {ip} cannot be directly assigned to a port on subnet {subnet_id} as the subnet is configured for automatic addresses',
  ),
  INVALID_ALLOCATION_POOL: api('InvalidAllocationPool', 400, 'The allocation pool {pool} is not valid.'),
  OUT_OF_BOUNDS_ALLOCATION_POOL: api(
    'OutOfBoundsAllocationPool',
    400,
    'The allocation pool {pool} spans beyond the subnet cidr {subnet_cidr}.',
  ),
  HOST_ROUTES_EXHAUSTED: api(
    'HostRoutesExhausted',
    400,
    'Unable to complete operation for {subnet_id}. The number of host routes exceeds the limit {quota}.',
  ),
  DNS_NAMESERVERS_EXHAUSTED: api(
    'DNSNameServersExhausted',
    400,
    'Unable to complete operation for {subnet_id}. The number of DNS nameservers exceeds the limit {quota}.',
  ),
  // --- 401 / 403 / 412 -------------------------------------------------------------------------------
  UNAUTHORIZED: api('HTTPUnauthorized', 401, 'Authentication required'),
  FORBIDDEN: api('HTTPForbidden', 403, '{message}'),
  REVISION_MISMATCH: api(
    'HTTPPreconditionFailed',
    412,
    'Constrained to {expected}, but current revision is {current}',
  ),
  // --- 409 -------------------------------------------------------------------------------------------
  OVERLAPPING_ALLOCATION_POOLS: api(
    'OverlappingAllocationPools',
    409,
    'Found overlapping allocation pools: {pool_1} {pool_2} for subnet {subnet_cidr}.',
  ),
  GATEWAY_CONFLICT_WITH_ALLOCATION_POOLS: api(
    'GatewayConflictWithAllocationPools',
    409,
    'Gateway ip {ip_address} conflicts with allocation pool {pool}.',
  ),
  IP_ADDRESS_ALREADY_ALLOCATED: api(
    'IpAddressAlreadyAllocated',
    409,
    'IP address {ip} already allocated in subnet {subnet_id}',
  ),
  IP_ADDRESS_GENERATION_FAILURE: api(
    'IpAddressGenerationFailure',
    409,
    'No more IP addresses available on network {net_id}.',
  ),
  IP_ADDRESS_GENERATION_FAILURE_NO_MATCHING_SUBNET: api(
    'IpAddressGenerationFailureNoMatchingSubnet',
    409,
    'No valid service subnet for the given device owner, network {network_id}, service type {service_type}.',
  ),
  MAC_ADDRESS_IN_USE: api(
    'MacAddressInUse',
    409,
    'Unable to complete operation for network {net_id}. The mac address {mac} is in use.',
  ),
  MAC_ADDRESS_GENERATION_FAILURE: api(
    'MacAddressGenerationFailure',
    503,
    'Unable to generate unique mac on network {net_id}.',
    RETRY,
  ),
  UNSUPPORTED_PORT_DEVICE_OWNER: api(
    'UnsupportedPortDeviceOwner',
    409,
    'Operation {op} is not supported for device_owner {device_owner} on port {port_id}.',
  ),
  PORT_IN_USE: api(
    'PortInUse',
    409,
    'Unable to complete operation on port {port_id} for network {net_id}. Port already has an attached device {device_id}.',
  ),
  PORT_BOUND: api(
    'PortBound',
    409,
    'Unable to complete operation on port {port_id}, port is already bound, port type: {vif_type}, old_mac {old_mac}, new_mac {new_mac}.',
  ),
  ADDRESS_PAIR_AND_PORT_SECURITY_REQUIRED: api(
    'AddressPairAndPortSecurityRequired',
    409,
    'Port Security must be enabled in order to have allowed address pairs on a port.',
  ),
  NETWORK_HOSTED_BY_DHCP_AGENT: api(
    'NetworkHostedByDHCPAgent',
    409,
    'The network {network_id} has been already hosted by the DHCP Agent {agent_id}.',
  ),
  NETWORK_NOT_HOSTED_BY_DHCP_AGENT: api(
    'NetworkNotHostedByDhcpAgent',
    409,
    'The network {network_id} is not hosted by the DHCP agent {agent_id}.',
  ),
  ROUTER_HOSTED_BY_L3_AGENT: api(
    'RouterHostedByL3Agent',
    409,
    'The router {router_id} has been already hosted by the L3 Agent {agent_id}.',
  ),
  ROUTER_NOT_HOSTED_BY_L3_AGENT: api(
    'RouterNotHostedByL3Agent',
    409,
    'The router {router_id} is not hosted by L3 agent {agent_id}.',
  ),
  ROUTER_IN_USE: api('RouterInUse', 409, 'Router {router_id} {reason}'),
  ROUTER_INTERFACE_IN_USE_BY_FLOATING_IP: api(
    'RouterInterfaceInUseByFloatingIP',
    409,
    'Router interface for subnet {subnet_id} on router {router_id} cannot be deleted, as it is required by one or more floating IPs.',
  ),
  ROUTER_INTERFACE_IN_USE_BY_ROUTE: api(
    'RouterInterfaceInUseByRoute',
    409,
    'Router interface for subnet {subnet_id} on router {router_id} cannot be deleted, as it is required by one or more routes.',
  ),
  ROUTER_GATEWAY_IN_USE_BY_FLOATING_IP: api(
    'RouterExternalGatewayInUseByFloatingIp',
    409,
    'Gateway cannot be updated for router {router_id}, since a gateway to external network {net_id} is required by one or more floating IPs.',
  ),
  FLOATINGIP_PORT_ALREADY_ASSOCIATED: api(
    'FloatingIPPortAlreadyAssociated',
    409,
    'Cannot associate floating IP {floating_ip_address} ({fip_id}) with port {port_id} using fixed IP {fixed_ip}, as that fixed IP already has a floating IP on external network {net_id}.',
  ),
  SERVICE_PORT_IN_USE: api(
    'ServicePortInUse',
    409,
    'Port {port_id} cannot be deleted directly via the port API: {reason}.',
  ),
  NETWORK_IN_USE: api('NetworkInUse', 409, 'Unable to complete operation on network {net_id}. {reason}'),
  SUBNET_IN_USE: api('SubnetInUse', 409, 'Unable to complete operation on subnet {subnet_id}: {reason}.'),
  ADDRESS_SCOPE_PREFIX_CONFLICT: api(
    'AddressScopePrefixConflict',
    409,
    'Failed to associate address scope: subnetpools within an address scope must have unique prefixes.',
  ),
  ADDRESS_SCOPE_IN_USE: api(
    'AddressScopeInUse',
    409,
    'Unable to complete operation on address scope {address_scope_id}. There are one or more subnet pools in use on the address scope.',
  ),
  SUBNETPOOL_QUOTA_EXCEEDED: api(
    'SubnetPoolQuotaExceeded',
    409,
    'Per-project subnet pool prefix quota exceeded.',
  ),
  INVALID_SHARED_SETTING: api(
    'InvalidSharedSetting',
    409,
    'Unable to reconfigure sharing settings for network {network}. Multiple tenants are using it.',
  ),
  FLAT_NETWORK_IN_USE: api(
    'FlatNetworkInUse',
    409,
    'Unable to create the flat network. Physical network {physical_network} is in use.',
  ),
  VLAN_ID_IN_USE: api(
    'VlanIdInUse',
    409,
    'Unable to create the network. The VLAN {vlan_id} on physical network {physical_network} is in use.',
  ),
  TUNNEL_ID_IN_USE: api(
    'TunnelIdInUse',
    409,
    'Unable to create the network. The tunnel ID {tunnel_id} is in use.',
  ),
  // --- 5xx -------------------------------------------------------------------------------------------
  NO_NETWORK_AVAILABLE: api(
    'NoNetworkAvailable',
    503,
    'Unable to create the network. No tenant network is available for allocation.',
  ),
  STORAGE_FULL: api(
    'ServiceUnavailable',
    503,
    'The service is unavailable: no space left to store the change.',
    RETRY,
  ),
  DATABASE_LOCKED: api(
    'ServiceUnavailable',
    503,
    'The service is unavailable: the database stayed locked for {timeout_ms} ms.',
    RETRY,
  ),
  /**
   * No room left in a subnet pool. Neutron's SubnetAllocationError maps to no HTTP fault, so Neutron
   * answers it as a 500; qdhcp answers no request with a 500 (a full pool is the caller's to resolve), so
   * it is a 409 with Neutron's type and message.
   */
  SUBNET_ALLOCATION_ERROR: api('SubnetAllocationError', 409, 'Failed to allocate subnet: {reason}.'),
  INTERNAL: api(
    'HTTPInternalServerError',
    500,
    'Request Failed: internal server error while processing your request.',
    RETRY,
  ),
} as const satisfies Record<string, ApiErrorDefinition>;
