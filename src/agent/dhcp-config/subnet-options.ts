import type { Network } from '../model.js';
import type { DhcpContext } from '../settings.js';
import { type NetworkFacts, networkFacts, type SubnetFacts, subnetContains } from './network-facts.js';
import { formatOption } from './option-lines.js';
import type { OptionLine } from './types.js';

/** The metadata service's route (spec §6). */
export const METADATA_CIDR = '169.254.169.254/32';
const IPV4_ANY_ROUTE = '0.0.0.0/0';
const WINDOWS_STATIC_ROUTES = '249';

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
export function advertisesMetadataRoute(network: Network, context: DhcpContext): boolean {
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
    if (servers.every((server) => server === any)) {
      lines.push(formatOption(ipVersion, [tag], 'dns-server', []));
    } else {
      const values = ipVersion === 4 ? servers : servers.map((server) => `[${server}]`);
      lines.push(formatOption(ipVersion, [tag], 'dns-server', values));
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
  const routes: string[] = [];
  for (const route of subnet.host_routes) {
    if (route.destination === IPV4_ANY_ROUTE) gateway ??= route.nexthop;
    else routes.push(`${route.destination},${route.nexthop}`);
  }
  if (servesMetadataOn(facts, network, context)) {
    const address = metadataNexthopViaDhcpPort(facts, network, context);
    if (address !== undefined) routes.push(`${METADATA_CIDR},${address}`);
  } else if (network.routed.has(subnet.id) && gateway !== undefined) {
    routes.push(`${METADATA_CIDR},${gateway}`);
  }
  for (const other of network.subnets) {
    if (other.ipVersion !== 4 || other.cidr.text === facts.cidr.text) continue;
    if ((other.subnet.segment_id ?? null) !== (subnet.segment_id ?? null)) continue;
    routes.unshift(`${other.cidr.text},0.0.0.0`);
  }
  const lines: OptionLine[] = [];
  if (routes.length > 0) {
    if (gateway !== undefined) routes.push(`${IPV4_ANY_ROUTE},${gateway}`);
    const values = routes.flatMap((route) => route.split(','));
    lines.push(formatOption(4, [tag], 'classless-static-route', values));
    lines.push(formatOption(4, [tag], WINDOWS_STATIC_ROUTES, values));
  }
  lines.push(formatOption(4, [tag], 'router', gateway === undefined ? [] : [gateway]));
  return lines;
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
