/**
 * The pure checks of routers (issue 13), worded as Neutron words them: extra routes must go through a
 * network the router is on (neutron/db/extraroute_db.py `_validate_routes_nexthop`), one router is on a
 * subnet once and on no two overlapping subnets (l3_db `_check_for_dup_router_subnets`), and an interface
 * stays while routes or floating IPs need it (`_confirm_router_interface_not_in_use`).
 *
 * @module
 */
import { QdhcpError } from '../common/errors.js';
import type { RouterRoute } from '../db/index.js';
import { type Cidr, canonicalIp, cidrContains, cidrsOverlap, parseCidr, parseIp } from '../ipam/index.js';
import { unwrap } from './ipam-errors.js';

/** A subnet as these checks see it. */
export interface SubnetOnRouter {
  readonly id: string;
  readonly cidr: string;
}

/** A stored subnet's CIDR (valid: IPAM checked it when the subnet was made). */
function cidrOf(text: string): Cidr {
  return unwrap(parseCidr(text));
}

function contains(cidrText: string, address: string): boolean {
  const ip = parseIp(address);
  const cidr = cidrOf(cidrText);
  return ip.ok && ip.value.version === cidr.version && cidrContains(cidr, ip.value.value);
}

/** Python's repr of the routes list, as Neutron puts it in InvalidRoutes. */
function routesRepr(routes: readonly RouterRoute[]): string {
  const items = routes.map((r) => `{'destination': '${r.destination}', 'nexthop': '${r.nexthop}'}`);
  return `[${items.join(', ')}]`;
}

function invalidRoutes(routes: readonly RouterRoute[], reason: string): QdhcpError {
  return new QdhcpError('INVALID_ROUTES', { routes: routesRepr(routes), reason });
}

/**
 * Routes with canonical destinations and next hops; 400 InvalidRoutes unless every next hop is inside a
 * subnet the router has a port on (`connected`) and is none of the router's own addresses (`own`).
 */
export function checkRoutes(
  routes: readonly RouterRoute[],
  connected: readonly string[],
  own: readonly string[],
): RouterRoute[] {
  const ownAddresses = new Set(own.map((ip) => canonicalIp(ip) ?? ip));
  const out: RouterRoute[] = [];
  for (const route of routes) {
    const destination = parseCidr(route.destination);
    const nexthop = canonicalIp(route.nexthop);
    if (!destination.ok || nexthop === undefined) throw invalidRoutes(routes, 'the route is not valid');
    if (!connected.some((cidr) => contains(cidr, nexthop)))
      throw invalidRoutes(routes, 'the nexthop is not connected with router');
    if (ownAddresses.has(nexthop)) throw invalidRoutes(routes, 'the nexthop is used by router');
    out.push({ destination: destination.value.text, nexthop });
  }
  return out;
}

function badRouterRequest(msg: string): QdhcpError {
  return new QdhcpError('BAD_RESOURCE_REQUEST', { resource: 'router', msg });
}

/**
 * 400 unless the router can join `added`: it is on none of them yet (`onRouter` are the subnets of all
 * its ports) and none overlaps a subnet of its interfaces (`interfaces`; the gateway's subnets may).
 */
export function checkNewInterfaceSubnets(
  onRouter: readonly string[],
  interfaces: readonly SubnetOnRouter[],
  added: readonly SubnetOnRouter[],
): void {
  for (const subnet of added) {
    if (onRouter.includes(subnet.id))
      throw badRouterRequest(`Router already has a port on subnet ${subnet.id}`);
  }
  for (const existing of interfaces) {
    for (const subnet of added) {
      if (cidrsOverlap(cidrOf(existing.cidr), cidrOf(subnet.cidr))) {
        throw badRouterRequest(
          `Cidr ${subnet.cidr} of subnet ${subnet.id} overlaps with cidr ${existing.cidr} of subnet ${existing.id}`,
        );
      }
    }
  }
}

/**
 * 409 while the router's interface on `subnet` is needed: a floating IP of the router is associated
 * with an address in it, or (checked second, as extraroute_db.py extends l3_db.py) a route's next hop is in it.
 */
export function checkInterfaceNotInUse(
  routerId: string,
  subnet: SubnetOnRouter,
  routes: readonly RouterRoute[],
  floatingFixedIps: readonly string[],
): void {
  if (floatingFixedIps.some((ip) => contains(subnet.cidr, ip)))
    throw new QdhcpError('ROUTER_INTERFACE_IN_USE_BY_FLOATING_IP', {
      router_id: routerId,
      subnet_id: subnet.id,
    });
  if (routes.some((route) => contains(subnet.cidr, route.nexthop)))
    throw new QdhcpError('ROUTER_INTERFACE_IN_USE_BY_ROUTE', { router_id: routerId, subnet_id: subnet.id });
}
