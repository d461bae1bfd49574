/**
 * The `ip` batch lines that converge a router namespace from what exists (its devices, addresses and
 * routes, read by src/linux/netlink-state.ts) to a {@link DesiredRouter}: nothing for what is right
 * already, so a second converge (or the first after an agent restart) issues no line and forwarding never
 * pauses. Pure.
 *
 * @module
 */
import { QdhcpError } from '../../common/errors.js';
import type { ObservedLink, ObservedRoute } from '../../linux/observed-links.js';
import type { DesiredRoute, DesiredRouter } from './desired-router.js';

/** What converging a router namespace takes. */
export interface RouterNamespaceCommands {
  /** Loopback, devices and addresses. */
  readonly lines: readonly string[];
  /**
   * Routes that must go. Run apart and forgiving (`ip -force`): the kernel drops a route itself when its
   * device or the address its next hop was reached through goes, which can happen in `lines` just before.
   */
  readonly staleRoutes: readonly string[];
  /** Routes to add or change, after `lines` (their next hops are reached through those addresses). */
  readonly routes: readonly string[];
  /** IPv4 addresses newly put on the gateway device (gateway address, floating IPs): announce them. */
  readonly announce: readonly string[];
}

/** What a router namespace holds now. */
export interface ObservedRouterNamespace {
  readonly links: ReadonlyMap<string, ObservedLink>;
  readonly routes: readonly ObservedRoute[];
  readonly routes6: readonly ObservedRoute[];
}

/** The kernel's own IPv6 link-local addresses stay (qdhcp never configures one on a router device). */
function isKernelLinkLocal(address: string, family: 4 | 6): boolean {
  return family === 6 && address.toLowerCase().startsWith('fe80:');
}

function replaceLine(route: DesiredRoute): string {
  const destination = route.destination === 'default' && route.family === 6 ? '::/0' : route.destination;
  const device = route.device === undefined ? '' : ` dev ${route.device}`;
  return `route replace ${destination} via ${route.via}${device}${route.onLink ? ' onlink' : ''}`;
}

/** The lines for the routes of one family: stale ones deleted, missing or different ones replaced. */
function routeLines(
  family: 4 | 6,
  wanted: readonly DesiredRoute[],
  observed: readonly ObservedRoute[],
): { stale: string[]; replace: string[] } {
  const stale: string[] = [];
  const replace: string[] = [];
  // Routes with a gateway are ours (connected routes have none); the kernel's own are left alone.
  const present = observed.filter((route) => route.gateway !== undefined);
  const matches = (route: DesiredRoute, seen: ObservedRoute): boolean =>
    seen.destination === route.destination &&
    seen.gateway === route.via &&
    (route.device === undefined || seen.device === route.device);
  for (const seen of present) {
    const wantedHere = wanted.find((route) => route.destination === seen.destination);
    if (wantedHere === undefined) {
      const destination = seen.destination === 'default' && family === 6 ? '::/0' : seen.destination;
      stale.push(`route del ${destination} via ${seen.gateway}`);
    }
  }
  for (const route of wanted) {
    if (!present.some((seen) => matches(route, seen))) replace.push(replaceLine(route));
  }
  return { stale, replace };
}

/**
 * Lines (inside the router namespace) for loopback, every port device (MAC, MTU, up, exactly its
 * addresses), no device that is not a port of the router, then the routes (after the addresses their next
 * hops are reached through). Every port's device must exist (the host side made the veth pairs first).
 */
export function routerNamespaceCommands(
  desired: DesiredRouter,
  observed: ObservedRouterNamespace,
): RouterNamespaceCommands {
  const lines: string[] = [];
  const announce: string[] = [];
  const links = observed.links;
  if (links.get('lo')?.up !== true) lines.push('link set lo up');
  const wantedDevices = new Set(desired.ports.map((port) => port.device));
  for (const name of links.keys()) {
    if (name !== 'lo' && !wantedDevices.has(name)) lines.push(`link del ${name}`);
  }
  const additions: string[] = [];
  for (const port of desired.ports) {
    const device = links.get(port.device);
    if (device === undefined)
      throw new QdhcpError('PLUMBING_FAILED', {
        reason: `${port.device} is missing in ${desired.namespace}`,
      });
    if (device.mac !== port.mac) lines.push(`link set ${port.device} address ${port.mac}`);
    if (port.mtu !== undefined && device.mtu !== port.mtu)
      lines.push(`link set ${port.device} mtu ${port.mtu}`);
    if (!device.up) lines.push(`link set ${port.device} up`);
    const present = new Set(device.addresses.map((entry) => `${entry.address}/${entry.prefixLength}`));
    const wanted = new Set(port.addresses);
    for (const entry of device.addresses) {
      const key = `${entry.address}/${entry.prefixLength}`;
      if (!wanted.has(key) && !isKernelLinkLocal(entry.address, entry.family))
        lines.push(`addr del ${key} dev ${port.device}`);
    }
    for (const address of port.addresses) {
      if (present.has(address)) continue;
      additions.push(`addr add ${address} dev ${port.device}`);
      if (port.role === 'gateway' && !address.includes(':')) announce.push(address.split('/')[0] ?? address);
    }
  }
  // Deletions first: an address moving between devices (a port replaced) is then added, not refused.
  lines.push(...additions);
  const v4 = routeLines(
    4,
    desired.routes.filter((route) => route.family === 4),
    observed.routes,
  );
  const v6 = routeLines(
    6,
    desired.routes.filter((route) => route.family === 6),
    observed.routes6,
  );
  return { lines, staleRoutes: [...v4.stale, ...v6.stale], routes: [...v4.replace, ...v6.replace], announce };
}
