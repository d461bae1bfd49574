/**
 * Results and failures of the pure IPAM functions.
 *
 * IPAM never throws for bad *input*: it returns a failure carrying the Neutron exception class name
 * (`type`, what clients and tempest compare), the HTTP status Neutron answers with, and the full message
 * worded as Neutron words it (`neutron_lib/exceptions`, `neutron/ipam/exceptions.py`). The HTTP edge puts
 * these into `{"NeutronError": {type, message, detail: ""}}` unchanged.
 *
 * @module
 */

/** Neutron exception class names that IPAM can report. */
export type IpamErrorType =
  | 'InvalidInput'
  | 'HTTPBadRequest'
  | 'InvalidIpForSubnet'
  | 'InvalidIpForNetwork'
  | 'AllocationOnAutoAddressSubnet'
  | 'InvalidAllocationPool'
  | 'OutOfBoundsAllocationPool'
  | 'OverlappingAllocationPools'
  | 'GatewayConflictWithAllocationPools'
  | 'HostRoutesExhausted'
  | 'DNSNameServersExhausted'
  | 'SubnetNotFound'
  | 'IpAddressGenerationFailure'
  | 'IpAddressGenerationFailureNoMatchingSubnet'
  | 'IpAddressAlreadyAllocated';

/** A failed validation: Neutron's type, HTTP status and exact message. */
export interface IpamFailure {
  readonly ok: false;
  /** The complete message, e.g. `Invalid input for operation: banana is not in a CIDR format.` */
  readonly message: string;
  readonly type: IpamErrorType;
  readonly status: 400 | 404 | 409;
  /** For attribute-validator failures: the bare reason, without the `Invalid input for …` wrapper. */
  readonly reason?: string;
}

/**
 * Outcome of parsing or validating. On failure `message` is Neutron's wording; `type`/`status` say how
 * to report it. Functions documented as returning a *reason* (parseIp, parseMac) give the bare validator
 * reason (e.g. `'x' is not a valid IP address`) unless given the attribute name; `reason` always holds it.
 */
export type ParseResult<T> = { readonly ok: true; readonly value: T } | IpamFailure;

/** Successful result. */
export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

/** Failure with an explicit type and status. */
export function fail(type: IpamErrorType, status: 400 | 404 | 409, message: string): IpamFailure {
  return { ok: false, type, status, message };
}

/** Neutron `InvalidInput` (400): `Invalid input for operation: <error_message>.` */
export function invalidInput(errorMessage: string): IpamFailure {
  return fail('InvalidInput', 400, `Invalid input for operation: ${errorMessage}.`);
}

/**
 * The API pipeline's attribute-validator failure (400 `HTTPBadRequest`):
 * `Invalid input for <attr>. Reason: <reason>.` (neutron/api/v2/base.py).
 */
export function invalidAttribute(attribute: string | undefined, reason: string): IpamFailure {
  const message = attribute === undefined ? reason : `Invalid input for ${attribute}. Reason: ${reason}.`;
  return { ok: false, type: 'HTTPBadRequest', status: 400, message, reason };
}
