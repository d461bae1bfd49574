/**
 * The one error catalog of qdhcp. Every error the control plane can raise has a stable `code` (never
 * reused), the Neutron exception class name it is reported as (`type`, what OpenStack clients and tempest
 * compare), an HTTP status, and a message template with named parameters.
 *
 * Code throws `QdhcpError` built from this catalog; the HTTP edge (`src/api/error-mapping.ts`) turns it
 * into `{"NeutronError": {type, message, detail: ""}}` in one place. Wording follows Neutron's templates
 * (neutron_lib/exceptions) where clients or tests compare text.
 *
 * @module
 */

/** One catalog entry: Neutron type, HTTP status and message template (`{name}` placeholders). */
export interface ErrorDefinition {
  readonly type: string;
  readonly status: number;
  readonly template: string;
}

/** Every error, keyed by its stable code. */
export const ERROR_CATALOG = {
  // --- 404 -----------------------------------------------------------------------------------------
  NETWORK_NOT_FOUND: {
    type: 'NetworkNotFound',
    status: 404,
    template: 'Network {net_id} could not be found.',
  },
  SECURITY_GROUP_NOT_FOUND: {
    type: 'SecurityGroupNotFound',
    status: 404,
    template: 'Security group {id} does not exist',
  },
  SUBNET_NOT_FOUND: {
    type: 'SubnetNotFound',
    status: 404,
    template: 'Subnet {subnet_id} could not be found.',
  },
  PORT_NOT_FOUND: { type: 'PortNotFound', status: 404, template: 'Port {port_id} could not be found.' },
  RESOURCE_NOT_FOUND: { type: 'HTTPNotFound', status: 404, template: 'The resource could not be found.' },
  AGENT_NOT_FOUND: { type: 'AgentNotFound', status: 404, template: 'Agent {id} could not be found.' },
  /** Neutron reports an unusable agent in the scheduler API as a not-found error (spec 1.10). */
  INVALID_DHCP_AGENT: {
    type: 'InvalidDHCPAgent',
    status: 404,
    template: 'Agent {id} is not a valid DHCP Agent or has been disabled.',
  },
  INSTANCE_NOT_FOUND: {
    type: 'InstanceNotFound',
    status: 404,
    template: 'Instance {instance_id} could not be found.',
  },
  EXTENSION_NOT_FOUND: {
    type: 'HTTPNotFound',
    status: 404,
    template: 'Extension with alias {alias} does not exist',
  },
  // --- 400 raised by the request pipeline (body, attributes, query) ---------------------------------
  BODY_INVALID: { type: 'HTTPBadRequest', status: 400, template: 'Body contains invalid data' },
  BODY_TOO_LARGE: {
    type: 'HTTPBadRequest',
    status: 400,
    template: 'Request body is larger than the limit of {limit} bytes',
  },
  RESOURCE_KEY_MISSING: {
    type: 'HTTPBadRequest',
    status: 400,
    template: "Unable to find '{resource}' in request body",
  },
  BULK_EMPTY: { type: 'HTTPBadRequest', status: 400, template: 'Resources required' },
  BULK_NOT_SUPPORTED: {
    type: 'HTTPBadRequest',
    status: 400,
    template: 'Bulk operation not supported for {method}',
  },
  UNRECOGNIZED_ATTRIBUTES: {
    type: 'HTTPBadRequest',
    status: 400,
    template: "Unrecognized attribute(s) '{names}'",
  },
  ATTRIBUTE_NOT_ALLOWED_IN_POST: {
    type: 'HTTPBadRequest',
    status: 400,
    template: "Attribute '{attr}' not allowed in POST",
  },
  READ_ONLY_ATTRIBUTE: {
    type: 'HTTPBadRequest',
    status: 400,
    template: 'Cannot update read-only attribute {attr}',
  },
  MISSING_ATTRIBUTE: {
    type: 'HTTPBadRequest',
    status: 400,
    template: "Failed to parse request. Required attribute '{attr}' not specified",
  },
  INVALID_ATTRIBUTE: {
    type: 'HTTPBadRequest',
    status: 400,
    template: 'Invalid input for {attr}. Reason: {reason}.',
  },
  PROJECT_ID_MISMATCH: {
    type: 'HTTPBadRequest',
    status: 400,
    template: "'project_id' and 'tenant_id' do not match",
  },
  FOREIGN_PROJECT: {
    type: 'HTTPBadRequest',
    status: 400,
    template:
      "Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin privileges",
  },
  INVALID_QUERY: { type: 'HTTPBadRequest', status: 400, template: '{message}' },
  INVALID_IF_MATCH: { type: 'HTTPBadRequest', status: 400, template: 'Invalid If-Match header: {header}' },
  // --- 400 raised by validation in the service layer ------------------------------------------------
  INVALID_INPUT: {
    type: 'InvalidInput',
    status: 400,
    template: 'Invalid input for operation: {error_message}.',
  },
  PORT_NOT_USABLE: {
    type: 'PortNotUsable',
    status: 400,
    template: 'Port {port_id} not usable for instance {instance}: {reason}.',
  },
  BAD_RESOURCE_REQUEST: { type: 'BadRequest', status: 400, template: 'Bad {resource} request: {msg}.' },
  INVALID_IP_FOR_SUBNET: {
    type: 'InvalidIpForSubnet',
    status: 400,
    template: 'IP address {ip_address} is not a valid IP for the specified subnet.',
  },
  INVALID_IP_FOR_NETWORK: {
    type: 'InvalidIpForNetwork',
    status: 400,
    template: 'IP address {ip_address} is not a valid IP for any of the subnets on the specified network.',
  },
  ALLOCATION_ON_AUTO_ADDRESS_SUBNET: {
    type: 'AllocationOnAutoAddressSubnet',
    status: 400,
    template:
      'IPv6 address {ip} cannot be directly assigned to a port on subnet {subnet_id} as the subnet is configured for automatic addresses',
  },
  INVALID_ALLOCATION_POOL: {
    type: 'InvalidAllocationPool',
    status: 400,
    template: 'The allocation pool {pool} is not valid.',
  },
  OUT_OF_BOUNDS_ALLOCATION_POOL: {
    type: 'OutOfBoundsAllocationPool',
    status: 400,
    template: 'The allocation pool {pool} spans beyond the subnet cidr {subnet_cidr}.',
  },
  HOST_ROUTES_EXHAUSTED: {
    type: 'HostRoutesExhausted',
    status: 400,
    template:
      'Unable to complete operation for {subnet_id}. The number of host routes exceeds the limit {quota}.',
  },
  DNS_NAMESERVERS_EXHAUSTED: {
    type: 'DNSNameServersExhausted',
    status: 400,
    template:
      'Unable to complete operation for {subnet_id}. The number of DNS nameservers exceeds the limit {quota}.',
  },
  // --- 401 / 403 / 412 -------------------------------------------------------------------------------
  UNAUTHORIZED: { type: 'HTTPUnauthorized', status: 401, template: 'Authentication required' },
  FORBIDDEN: { type: 'HTTPForbidden', status: 403, template: '{message}' },
  REVISION_MISMATCH: {
    type: 'HTTPPreconditionFailed',
    status: 412,
    template: 'Constrained to {expected}, but current revision is {current}',
  },
  // --- 409 -------------------------------------------------------------------------------------------
  OVERLAPPING_ALLOCATION_POOLS: {
    type: 'OverlappingAllocationPools',
    status: 409,
    template: 'Found overlapping allocation pools: {pool_1} {pool_2} for subnet {subnet_cidr}.',
  },
  GATEWAY_CONFLICT_WITH_ALLOCATION_POOLS: {
    type: 'GatewayConflictWithAllocationPools',
    status: 409,
    template: 'Gateway ip {ip_address} conflicts with allocation pool {pool}.',
  },
  IP_ADDRESS_ALREADY_ALLOCATED: {
    type: 'IpAddressAlreadyAllocated',
    status: 409,
    template: 'IP address {ip} already allocated in subnet {subnet_id}',
  },
  IP_ADDRESS_GENERATION_FAILURE: {
    type: 'IpAddressGenerationFailure',
    status: 409,
    template: 'No more IP addresses available on network {net_id}.',
  },
  IP_ADDRESS_GENERATION_FAILURE_NO_MATCHING_SUBNET: {
    type: 'IpAddressGenerationFailureNoMatchingSubnet',
    status: 409,
    template:
      'No valid service subnet for the given device owner, network {network_id}, service type {service_type}.',
  },
  MAC_ADDRESS_IN_USE: {
    type: 'MacAddressInUse',
    status: 409,
    template: 'Unable to complete operation for network {net_id}. The mac address {mac} is in use.',
  },
  MAC_ADDRESS_GENERATION_FAILURE: {
    type: 'MacAddressGenerationFailure',
    status: 503,
    template: 'Unable to generate unique mac on network {net_id}.',
  },
  UNSUPPORTED_PORT_DEVICE_OWNER: {
    type: 'UnsupportedPortDeviceOwner',
    status: 409,
    template: 'Operation {op} is not supported for device_owner {device_owner} on port {port_id}.',
  },
  PORT_IN_USE: {
    type: 'PortInUse',
    status: 409,
    template:
      'Unable to complete operation on port {port_id} for network {net_id}. Port already has an attached device {device_id}.',
  },
  PORT_BOUND: {
    type: 'PortBound',
    status: 409,
    template:
      'Unable to complete operation on port {port_id}, port is already bound, port type: {vif_type}, old_mac {old_mac}, new_mac {new_mac}.',
  },
  NETWORK_HOSTED_BY_DHCP_AGENT: {
    type: 'NetworkHostedByDHCPAgent',
    status: 409,
    template: 'The network {network_id} has been already hosted by the DHCP Agent {agent_id}.',
  },
  NETWORK_NOT_HOSTED_BY_DHCP_AGENT: {
    type: 'NetworkNotHostedByDhcpAgent',
    status: 409,
    template: 'The network {network_id} is not hosted by the DHCP agent {agent_id}.',
  },
  NETWORK_IN_USE: {
    type: 'NetworkInUse',
    status: 409,
    template: 'Unable to complete operation on network {net_id}. {reason}',
  },
  SUBNET_IN_USE: {
    type: 'SubnetInUse',
    status: 409,
    template: 'Unable to complete operation on subnet {subnet_id}: {reason}.',
  },
  INVALID_SHARED_SETTING: {
    type: 'InvalidSharedSetting',
    status: 409,
    template: 'Unable to reconfigure sharing settings for network {network}. Multiple tenants are using it.',
  },
  FLAT_NETWORK_IN_USE: {
    type: 'FlatNetworkInUse',
    status: 409,
    template: 'Unable to create the flat network. Physical network {physical_network} is in use.',
  },
  VLAN_ID_IN_USE: {
    type: 'VlanIdInUse',
    status: 409,
    template:
      'Unable to create the network. The VLAN {vlan_id} on physical network {physical_network} is in use.',
  },
  TUNNEL_ID_IN_USE: {
    type: 'TunnelIdInUse',
    status: 409,
    template: 'Unable to create the network. The tunnel ID {tunnel_id} is in use.',
  },
  // --- 5xx -------------------------------------------------------------------------------------------
  NO_NETWORK_AVAILABLE: {
    type: 'NoNetworkAvailable',
    status: 503,
    template: 'Unable to create the network. No tenant network is available for allocation.',
  },
  INTERNAL: {
    type: 'HTTPInternalServerError',
    status: 500,
    template: 'Request Failed: internal server error while processing your request.',
  },
  // --- not HTTP: configuration ----------------------------------------------------------------------
  CONFIG_INVALID: { type: 'ConfigError', status: 500, template: 'Invalid configuration: {message}' },
} as const satisfies Record<string, ErrorDefinition>;

/** A stable error code, one key of {@link ERROR_CATALOG}. */
export type ErrorCode = keyof typeof ERROR_CATALOG;

/** Named parameters of a message template. */
export type ErrorParams = Readonly<Record<string, string | number>>;

/** Fills `{name}` placeholders; an unknown placeholder stays as written so a bug is visible, not hidden. */
export function formatMessage(template: string, params: ErrorParams): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

/**
 * The only error type qdhcp code throws on purpose. Carries the catalog code and parameters; the Neutron
 * type, HTTP status and message are derived from the catalog.
 *
 * @example
 * throw new QdhcpError('NETWORK_NOT_FOUND', { net_id: id });
 */
export class QdhcpError extends Error {
  readonly code: ErrorCode;
  readonly params: ErrorParams;
  readonly type: string;
  readonly status: number;

  /**
   * @param message the already-formatted text, only for pure modules (IPAM) that word their failures
   *   themselves in Neutron's terms; the catalog still decides type and status.
   */
  constructor(code: ErrorCode, params: ErrorParams = {}, message?: string) {
    const definition: ErrorDefinition = ERROR_CATALOG[code];
    super(message ?? formatMessage(definition.template, params));
    this.name = 'QdhcpError';
    this.code = code;
    this.params = params;
    this.type = definition.type;
    this.status = definition.status;
  }
}

/** True when `error` is a {@link QdhcpError}, optionally with the given code. */
export function isQdhcpError(error: unknown, code?: ErrorCode): error is QdhcpError {
  return error instanceof QdhcpError && (code === undefined || error.code === code);
}
