/**
 * Validation of a subnet's `dns_nameservers` and `host_routes` (spec 1.4 rule 5). Two stages run in
 * Neutron's order: the API attribute validators (`validate_nameservers`, `validate_hostroutes`;
 * 400 HTTPBadRequest `Invalid input for <attr>. Reason: ….`) and then the plugin's checks (limits, then
 * IP version; `_validate_subnet`).
 *
 * @module
 */

import { canonicalIp, type IpVersion, parseIp } from './address.js';
import { parseCidr } from './cidr.js';
import { fail, invalidAttribute, invalidInput, ok, type ParseResult } from './result.js';

/** Neutron `[DEFAULT] max_dns_nameservers`. */
export const MAX_DNS_NAMESERVERS = 5;
/** Neutron `[DEFAULT] max_subnet_host_routes`. */
export const MAX_SUBNET_HOST_ROUTES = 20;

/** Limits and naming for the subnet-attribute validators. */
export interface SubnetAttributeOptions {
  /** Subnet id for limit messages; Neutron says `new subnet` on create. */
  readonly subnetId?: string;
  readonly maxDnsNameservers?: number;
  readonly maxHostRoutes?: number;
}

/**
 * Validates `dns_nameservers` for a subnet of family `version`: each entry a valid address
 * (`'<x>' is not a valid nameserver. '<x>' is not a valid IP address`), no duplicates
 * (`Duplicate nameserver '<x>'`; compared after canonicalisation, so `2001:DB8::1` duplicates
 * `2001:db8::1`, which Neutron would let through), at most 5 (400 DNSNameServersExhausted), each of the
 * subnet's family (400 InvalidInput `dns_nameserver '<x>' does not match the ip_version '<v>'`).
 * Returns the list as given (order preserved; Neutron stores it verbatim).
 */
export function validateDnsNameservers(
  version: IpVersion,
  nameservers: readonly string[],
  opts: SubnetAttributeOptions = {},
): ParseResult<string[]> {
  const seen = new Set<string>();
  for (const host of nameservers) {
    const parsed = parseIp(host);
    if (!parsed.ok) {
      return invalidAttribute(
        'dns_nameservers',
        `'${String(host)}' is not a valid nameserver. ${parsed.message}`,
      );
    }
    const key = canonicalIp(host) ?? host;
    if (seen.has(key)) return invalidAttribute('dns_nameservers', `Duplicate nameserver '${host}'`);
    seen.add(key);
  }
  const max = opts.maxDnsNameservers ?? MAX_DNS_NAMESERVERS;
  if (nameservers.length > max) {
    return fail(
      'DNSNameServersExhausted',
      400,
      `Unable to complete operation for ${opts.subnetId ?? 'new subnet'}. The number of DNS nameservers exceeds the limit ${max}.`,
    );
  }
  for (const host of nameservers) {
    const parsed = parseIp(host);
    if (parsed.ok && parsed.value.version !== version) {
      return invalidInput(`dns_nameserver '${host}' does not match the ip_version '${version}'`);
    }
  }
  return ok([...nameservers]);
}

/** A host route as the API carries it. */
export interface HostRoute {
  readonly destination: string;
  readonly nexthop: string;
}

function routeRepr(r: HostRoute): string {
  return `{'destination': '${r.destination}', 'nexthop': '${r.nexthop}'}`;
}

/** Reason text of Neutron's `validate_route_cidr`, or undefined when the destination is acceptable. */
function routeCidrProblem(text: string): string | undefined {
  if (typeof text !== 'string') return `'${String(text)}' is not a valid CIDR`;
  const lenient = parseCidr(text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`);
  if (!lenient.ok) return `'${text}' is not a valid CIDR`;
  const cidr = lenient.value;
  const given = parseIp(text.split('/')[0] ?? '');
  if (!text.includes('/') || (given.ok && given.value.value !== cidr.network)) {
    return `'${text}' is not a recognized CIDR, '${cidr.text}' is recommended`;
  }
  const loopback =
    cidr.version === 4
      ? cidr.prefixLength >= 8 && cidr.network >> 24n === 127n
      : cidr.network === 1n && cidr.prefixLength === 128;
  if (loopback) return `'${text}' is not a routable CIDR`;
  return undefined;
}

/**
 * Validates `host_routes` for a subnet of family `version`, in Neutron's order: per route the destination
 * is a CIDR without host bits and not loopback (`'<d>' is not a recognized CIDR, '<net>' is recommended`,
 * `'<d>' is not a routable CIDR`, `'<d>' is not a valid CIDR`), the nexthop a valid address, no duplicate
 * route (`Duplicate hostroute '{…}'`) — all 400 `Invalid input for host_routes. Reason: ….`; then at most
 * 20 routes (400 HostRoutesExhausted); then nexthop and destination of the subnet's family (400
 * InvalidInput `nexthop '<x>' does not match the ip_version '<v>'`). Returns canonical texts.
 */
export function validateHostRoutes(
  version: IpVersion,
  routes: readonly HostRoute[],
  opts: SubnetAttributeOptions = {},
): ParseResult<HostRoute[]> {
  const seen = new Set<string>();
  for (const route of routes) {
    const problem = routeCidrProblem(route.destination);
    if (problem !== undefined) return invalidAttribute('host_routes', problem);
    const nexthop = parseIp(route.nexthop);
    if (!nexthop.ok) return invalidAttribute('host_routes', nexthop.message);
    const key = `${route.destination}|${route.nexthop}`;
    if (seen.has(key)) return invalidAttribute('host_routes', `Duplicate hostroute '${routeRepr(route)}'`);
    seen.add(key);
  }
  const max = opts.maxHostRoutes ?? MAX_SUBNET_HOST_ROUTES;
  if (routes.length > max) {
    return fail(
      'HostRoutesExhausted',
      400,
      `Unable to complete operation for ${opts.subnetId ?? 'new subnet'}. The number of host routes exceeds the limit ${max}.`,
    );
  }
  const out: HostRoute[] = [];
  for (const route of routes) {
    const nexthop = parseIp(route.nexthop);
    const destination = parseCidr(route.destination);
    if (!nexthop.ok || !destination.ok) return invalidInput(`Invalid route: ${routeRepr(route)}`);
    if (nexthop.value.version !== version) {
      return invalidInput(`nexthop '${route.nexthop}' does not match the ip_version '${version}'`);
    }
    if (destination.value.version !== version) {
      return invalidInput(`destination '${route.destination}' does not match the ip_version '${version}'`);
    }
    out.push({ destination: destination.value.text, nexthop: canonicalIp(route.nexthop) ?? route.nexthop });
  }
  return ok(out);
}
