/**
 * Typed views of `ip -j [-d] link|addr|route show` output, parsed defensively (unknown fields ignored,
 * malformed entries skipped): the "observed state" the plumbing converges from. Pure.
 *
 * @module
 */

/** One network device as `ip -j -d addr show` reports it. */
export interface ObservedLink {
  readonly name: string;
  /** `bridge`, `veth`, `vxlan`, `vlan`…; undefined for physical devices and loopback. */
  readonly kind: string | undefined;
  readonly master: string | undefined;
  readonly mtu: number;
  /** Lower-case MAC. */
  readonly mac: string;
  /** Administratively up (the UP flag). */
  readonly up: boolean;
  readonly addresses: readonly ObservedAddress[];
}

/** One address of a device. */
export interface ObservedAddress {
  readonly family: 4 | 6;
  readonly address: string;
  readonly prefixLength: number;
  /** `global`, `link`, `host`. */
  readonly scope: string;
}

/** One route (only the fields the plumbing compares). */
export interface ObservedRoute {
  /** `default` or a CIDR/address. */
  readonly destination: string;
  readonly gateway: string | undefined;
  readonly device: string | undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}
function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Parses the array of `ip -j -d addr show` (or `link show`, which has no addresses). */
export function parseLinks(entries: readonly unknown[]): Map<string, ObservedLink> {
  const links = new Map<string, ObservedLink>();
  for (const raw of entries) {
    const entry = record(raw);
    const name = text(entry?.['ifname']);
    if (entry === undefined || name === undefined) continue;
    const flags = Array.isArray(entry['flags']) ? (entry['flags'] as unknown[]) : [];
    const addresses: ObservedAddress[] = [];
    for (const rawAddress of Array.isArray(entry['addr_info']) ? (entry['addr_info'] as unknown[]) : []) {
      const info = record(rawAddress);
      const family = info?.['family'] === 'inet' ? 4 : info?.['family'] === 'inet6' ? 6 : undefined;
      const local = text(info?.['local']);
      const prefixLength = info?.['prefixlen'];
      if (family === undefined || local === undefined || typeof prefixLength !== 'number') continue;
      addresses.push({ family, address: local, prefixLength, scope: text(info?.['scope']) ?? 'global' });
    }
    links.set(name, {
      name,
      kind: text(record(entry['linkinfo'])?.['info_kind']),
      master: text(entry['master']),
      mtu: typeof entry['mtu'] === 'number' ? entry['mtu'] : 0,
      mac: (text(entry['address']) ?? '').toLowerCase(),
      up: flags.includes('UP'),
      addresses,
    });
  }
  return links;
}

/** Parses `ip -j route show` (main table).
 * @internal tested on its own against captured `ip -j route` output.
 */
export function parseRoutes(entries: readonly unknown[]): ObservedRoute[] {
  const routes: ObservedRoute[] = [];
  for (const raw of entries) {
    const entry = record(raw);
    const destination = text(entry?.['dst']);
    if (destination === undefined) continue;
    routes.push({ destination, gateway: text(entry?.['gateway']), device: text(entry?.['dev']) });
  }
  return routes;
}
