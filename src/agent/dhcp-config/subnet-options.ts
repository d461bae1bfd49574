import { type ClasslessRoute, routeFromText } from '../../dhcp/index.js';
import type { AgentNetwork } from '../model.js';
import type { DhcpContext } from '../settings.js';
import { type NetworkFacts, networkFacts, type SubnetFacts, subnetContains } from './network-facts.js';
import { addressOption, formatOption, typedOption } from './option-lines.js';
import type { OptionLine } from './types.js';

/** The metadata service's route (spec §6). */
export const METADATA_CIDR = '169.254.169.254/32';
const IPV4_ANY_ROUTE = '0.0.0.0/0';
const OPTION_ROUTER = 3;
const OPTION_DNS_SERVER = 6;
const OPTION_CLASSLESS_ROUTES = 121;
/** Microsoft's copy of 121; Neutron writes it by number. */
const OPTION_WINDOWS_ROUTES = 249;

/** The agent's DHCP port address on a subnet, if it has one (spec §4.14). */
export function dhcpPortAddress(facts: SubnetFacts, context: DhcpContext): string | undefined {
  const fixed = context.dhcpPort?.fixed_ips.find((entry) => entry.subnet_id === facts.subnet.id);
  if (fixed !== undefined) return fixed.ip_address;
  return undefined;
}

/** True when the agent serves metadata for this subnet (spec §5.5 step 3, §6.1). */
export function servesMetadataOn(facts: SubnetFacts, network: NetworkFacts, context: DhcpContext): boolean {
  const { forceMetadata, enableIsolatedMetadata } = context.settings;
  return forceMetadata || (enableIsolatedMetadata && !network.routed.has(facts.subnet.id));
}

/** The DHCP port address the metadata route points to on this subnet, or undefined when it is not sent. */
function metadataNexthopViaDhcpPort(
  facts: SubnetFacts,
  network: NetworkFacts,
  context: DhcpContext,
): string | undefined {
  if (!servesMetadataOn(facts, network, context)) return undefined;
  const address = dhcpPortAddress(facts, context);
  return address !== undefined && subnetContains(facts, address) ? address : undefined;
}

/**
 * True when some subnet's clients get `169.254.169.254/32` via the DHCP port, i.e. when the agent's
 * metadata proxy must listen in the namespace (spec §6.1): the same rule as the route lines below.
 */
export function advertisesMetadataRoute(network: AgentNetwork, context: DhcpContext): boolean {
  const facts = networkFacts(network);
  return facts.subnets.some(
    (subnet) =>
      subnet.hasOptions &&
      subnet.ipVersion === 4 &&
      metadataNexthopViaDhcpPort(subnet, facts, context) !== undefined,
  );
}

/** Spec §5.5 steps 1–2: DNS servers (and IPv6 domain search). Returns lines and "has no nameservers". */
function dnsLines(facts: SubnetFacts, tag: string, context: DhcpContext): OptionLine[] {
  const { subnet, ipVersion } = facts;
  const lines: OptionLine[] = [];
  const servers = subnet.dns_nameservers;
  if (servers.length > 0) {
    const any = ipVersion === 4 ? '0.0.0.0' : '::';
    const unset = servers.every((server) => server === any);
    if (ipVersion === 4) {
      // All 0.0.0.0: the option with no value, which suppresses the server's default (spec §5.5).
      lines.push(addressOption([tag], OPTION_DNS_SERVER, 'dns-server', unset ? [] : servers));
    } else {
      lines.push(formatOption(6, [tag], 'dns-server', unset ? [] : servers.map((server) => `[${server}]`)));
    }
  }
  if (ipVersion === 6 && context.settings.dnsDomain.length > 0) {
    lines.push(formatOption(6, [tag], 'domain-search', [context.settings.dnsDomain]));
  }
  return lines;
}

/** Spec §5.5 step 3: classless routes (121 and 249) and the router option of an IPv4 subnet. */
function routeLines(
  facts: SubnetFacts,
  tag: string,
  network: NetworkFacts,
  context: DhcpContext,
): OptionLine[] {
  const { subnet } = facts;
  let gateway = subnet.gateway_ip ?? undefined;
  /** [destination, nexthop] as Neutron gives them. */
  const routes: (readonly [string, string])[] = [];
  for (const route of subnet.host_routes) {
    if (route.destination === IPV4_ANY_ROUTE) gateway ??= route.nexthop;
    else routes.push([route.destination, route.nexthop]);
  }
  if (servesMetadataOn(facts, network, context)) {
    const address = metadataNexthopViaDhcpPort(facts, network, context);
    if (address !== undefined) routes.push([METADATA_CIDR, address]);
  } else if (network.routed.has(subnet.id) && gateway !== undefined) {
    routes.push([METADATA_CIDR, gateway]);
  }
  for (const other of network.subnets) {
    if (other.ipVersion !== 4 || other.cidr.text === facts.cidr.text) continue;
    if ((other.subnet.segment_id ?? null) !== (subnet.segment_id ?? null)) continue;
    routes.unshift([other.cidr.text, '0.0.0.0']);
  }
  const lines: OptionLine[] = [];
  if (routes.length > 0) {
    if (gateway !== undefined) routes.push([IPV4_ANY_ROUTE, gateway]);
    lines.push(...classlessRouteLines(tag, routes));
  }
  lines.push(addressOption([tag], OPTION_ROUTER, 'router', gateway === undefined ? [] : [gateway]));
  return lines;
}

/**
 * Options 121 and 249 with the same routes: typed route values, or Neutron's text when some route does not
 * parse (both drivers then refuse the same line).
 */
function classlessRouteLines(tag: string, routes: readonly (readonly [string, string])[]): OptionLine[] {
  const typed: ClasslessRoute[] = [];
  for (const [destination, nexthop] of routes) {
    const route = routeFromText(destination, nexthop);
    if (route === undefined) {
      const values = routes.flat();
      return [
        formatOption(4, [tag], 'classless-static-route', values),
        formatOption(4, [tag], String(OPTION_WINDOWS_ROUTES), values),
      ];
    }
    typed.push(route);
  }
  return [
    typedOption([tag], OPTION_CLASSLESS_ROUTES, { kind: 'routes', value: typed }),
    typedOption([tag], OPTION_WINDOWS_ROUTES, { kind: 'routes', value: typed }, 'number'),
  ];
}

/** Per-subnet option lines (spec §5.5), for every subnet with options, in subnet order. */
export function subnetOptionLines(network: NetworkFacts, context: DhcpContext): OptionLine[] {
  const lines: OptionLine[] = [];
  for (const facts of network.subnets) {
    if (!facts.hasOptions) continue;
    const tag = `subnet-${facts.subnet.id}`;
    lines.push(...dnsLines(facts, tag, context));
    if (facts.ipVersion === 4) lines.push(...routeLines(facts, tag, network, context));
  }
  return lines;
}
