/**
 * Whole-subnet validation for create and update (spec 1.4 "Subnet create rules" 2–11 and "Subnet update
 * rules"), composed from the single-attribute checks in Neutron's order, so the service layer makes one
 * call and gets either the values to store or Neutron's first error.
 *
 * Not covered here (need other state or belong to the API layer): `cidr` + `prefixlen`, subnet pools,
 * the `ip_version` enum, and GatewayIpInUse (needs the router ports).
 *
 * @module
 */

import { formatIp, type IpVersion, parseIp } from './address.js';
import { type Cidr, cidrsOverlap, parseCidr } from './cidr.js';
import {
  defaultAllocationPools,
  type IpRange,
  parseAllocationPools,
  rangeToPool,
  validateAllocationPools,
} from './pools.js';
import { invalidInput, ok, type ParseResult } from './result.js';
import {
  type HostRoute,
  type SubnetAttributeOptions,
  validateDnsNameservers,
  validateHostRoutes,
} from './subnet-attributes.js';
import {
  defaultGateway,
  type Ipv6Modes,
  validateGateway,
  validateIpv6Modes,
  validateSubnetCidr,
} from './subnet-rules.js';

/** The IPAM-relevant attributes of a subnet create request. `undefined` = not specified. */
export interface SubnetCreateRequest {
  readonly ipVersion: IpVersion;
  readonly cidr: string;
  /** `null` = no gateway; `undefined` = default ({@link defaultGateway}). */
  readonly gatewayIp?: string | null;
  readonly allocationPools?: readonly { readonly start: string; readonly end: string }[];
  readonly dnsNameservers?: readonly string[] | null;
  readonly hostRoutes?: readonly HostRoute[] | null;
  readonly enableDhcp: boolean;
  readonly ipv6RaMode: string | null;
  readonly ipv6AddressMode: string | null;
}

/** What to store for a subnet, canonical. */
export interface ValidatedSubnet extends Ipv6Modes {
  readonly cidr: Cidr;
  readonly gateway: bigint | null;
  /** Canonical text of the gateway, or null. */
  readonly gatewayIp: string | null;
  /** In request (stored) order; automatic choice walks them in this order. */
  readonly allocationPools: readonly IpRange[];
  readonly dnsNameservers: readonly string[];
  readonly hostRoutes: readonly HostRoute[];
  readonly enableDhcp: boolean;
}

/** Context for create: the network and the CIDRs of its other subnets (overlap across networks is allowed). */
export interface SubnetCreateContext extends SubnetAttributeOptions {
  readonly networkId: string;
  readonly otherSubnetCidrs: readonly Cidr[];
}

/** The request's CIDR after Neutron's converter: canonical address text, host bits kept (used in messages). */
function convertedCidrText(text: string, cidr: Cidr): string {
  const address = parseIp(text.slice(0, text.indexOf('/')));
  return address.ok ? `${formatIp(cidr.version, address.value.value)}/${cidr.prefixLength}` : cidr.text;
}

/**
 * Validates a subnet create request and computes the defaults (gateway, pools). Order: cidr format,
 * family and DHCP rules, gateway, DNS nameservers, host routes, IPv6 modes, allocation pools (or their
 * defaults), then /0 and overlap with the network's other subnets (400 InvalidInput
 * `Requested subnet with cidr: <cidr> for network: <id> overlaps with another subnet.`).
 */
export function validateSubnetCreate(
  req: SubnetCreateRequest,
  ctx: SubnetCreateContext,
): ParseResult<ValidatedSubnet> {
  const parsed = parseCidr(req.cidr);
  if (!parsed.ok) return parsed;
  const cidr = parsed.value;
  const cidrCheck = validateSubnetCidr(cidr, req.ipVersion, { enableDhcp: req.enableDhcp });
  // The /0 rule belongs to the overlap stage (rule 11); report every other CIDR problem now.
  if (!cidrCheck.ok && cidr.prefixLength !== 0) return cidrCheck;
  const gatewayCheck =
    req.gatewayIp === undefined ? ok(defaultGateway(cidr)) : validateGateway(cidr, req.gatewayIp);
  if (!gatewayCheck.ok) return gatewayCheck;
  const gateway = gatewayCheck.value;
  const dns = validateDnsNameservers(cidr.version, req.dnsNameservers ?? [], ctx);
  if (!dns.ok) return dns;
  const routes = validateHostRoutes(cidr.version, req.hostRoutes ?? [], ctx);
  if (!routes.ok) return routes;
  const modes = validateIpv6Modes(
    cidr,
    { ipv6AddressMode: req.ipv6AddressMode, ipv6RaMode: req.ipv6RaMode },
    req.enableDhcp,
  );
  if (!modes.ok) return modes;
  let pools: IpRange[];
  if (req.allocationPools === undefined) {
    pools = defaultAllocationPools(cidr, gateway);
  } else {
    const requested = parseAllocationPools(cidr, req.allocationPools);
    if (!requested.ok) return requested;
    const checked = validateAllocationPools(cidr, gateway, requested.value);
    if (!checked.ok) return checked;
    pools = checked.value;
  }
  if (!cidrCheck.ok) return cidrCheck;
  if (ctx.otherSubnetCidrs.some((other) => cidrsOverlap(other, cidr))) {
    return invalidInput(
      `Requested subnet with cidr: ${convertedCidrText(req.cidr, cidr)} for network: ${ctx.networkId} overlaps with another subnet`,
    );
  }
  return ok({
    cidr,
    gateway,
    gatewayIp: gateway === null ? null : formatIp(cidr.version, gateway),
    allocationPools: pools,
    dnsNameservers: dns.value,
    hostRoutes: routes.value,
    enableDhcp: req.enableDhcp,
    ipv6AddressMode: req.ipv6AddressMode,
    ipv6RaMode: req.ipv6RaMode,
  });
}

/** The updatable IPAM attributes; `undefined` = unchanged. */
export interface SubnetUpdateRequest {
  readonly gatewayIp?: string | null;
  readonly allocationPools?: readonly { readonly start: string; readonly end: string }[];
  readonly dnsNameservers?: readonly string[] | null;
  readonly hostRoutes?: readonly HostRoute[] | null;
  readonly enableDhcp?: boolean;
}

/**
 * Validates a subnet update against the stored subnet: DHCP prefix rules only when DHCP goes from off to
 * on; turning DHCP off on an IPv6 subnet with modes → 400 `Cannot disable enable_dhcp with ipv6
 * attributes set`; a new gateway is checked like on create; new pools are re-validated; whenever the
 * gateway changes or pools are supplied the gateway must lie outside the (new or current) pools (409).
 * Pools are not regenerated when only the gateway changes (as in Neutron).
 */
export function validateSubnetUpdate(
  current: ValidatedSubnet,
  req: SubnetUpdateRequest,
  opts: SubnetAttributeOptions = {},
): ParseResult<ValidatedSubnet> {
  const cidr = current.cidr;
  const enableDhcp = req.enableDhcp ?? current.enableDhcp;
  if (enableDhcp && !current.enableDhcp) {
    const check = validateSubnetCidr(cidr, cidr.version, { enableDhcp: true });
    if (!check.ok && cidr.prefixLength !== 0) return check;
  }
  if (
    req.enableDhcp === false &&
    cidr.version === 6 &&
    (current.ipv6AddressMode !== null || current.ipv6RaMode !== null)
  ) {
    return invalidInput('Cannot disable enable_dhcp with ipv6 attributes set');
  }
  let gateway = current.gateway;
  if (req.gatewayIp !== undefined) {
    const checked = validateGateway(cidr, req.gatewayIp);
    if (!checked.ok) return checked;
    gateway = checked.value;
  }
  const dns =
    req.dnsNameservers === undefined
      ? ok([...current.dnsNameservers])
      : validateDnsNameservers(cidr.version, req.dnsNameservers ?? [], opts);
  if (!dns.ok) return dns;
  const routes =
    req.hostRoutes === undefined
      ? ok([...current.hostRoutes])
      : validateHostRoutes(cidr.version, req.hostRoutes ?? [], opts);
  if (!routes.ok) return routes;
  let pools = [...current.allocationPools];
  if (req.allocationPools !== undefined) {
    const parsed = parseAllocationPools(cidr, req.allocationPools);
    if (!parsed.ok) return parsed;
    pools = parsed.value;
  }
  const gatewayChanged = req.gatewayIp !== undefined && gateway !== current.gateway;
  if (req.allocationPools !== undefined) {
    const checked = validateAllocationPools(cidr, gateway, pools);
    if (!checked.ok) return checked;
  } else if (gatewayChanged && gateway !== null) {
    const conflict = pools.find((p) => gateway >= p.first && gateway <= p.last);
    const checked = conflict === undefined ? ok([]) : validateAllocationPools(cidr, gateway, [conflict]);
    if (!checked.ok) return checked;
  }
  return ok({
    ...current,
    gateway,
    gatewayIp: gateway === null ? null : formatIp(cidr.version, gateway),
    allocationPools: pools,
    dnsNameservers: dns.value,
    hostRoutes: routes.value,
    enableDhcp,
  });
}

/** The subnet's pools as the API shows them. */
export function allocationPoolsForApi(
  subnet: Pick<ValidatedSubnet, 'cidr' | 'allocationPools'>,
): { start: string; end: string }[] {
  return subnet.allocationPools.map((p) => rangeToPool(subnet.cidr.version, p));
}
