/**
 * The text of the L2 role's stateless port protection in nftables' bridge family (issue 14; the layout and
 * why it is stateless: docs/compute.md). One table `qdhcp-l2` in the host namespace; its prerouting chain
 * jumps, through the verdict map `ports` keyed by the frame's input device, to one chain per protected tap,
 * named as the tap. Each port has four sets (MACs, IPv4, IPv6, IPv6 neighbour-advertisement targets) whose
 * elements change when the port's addresses do; its chain's rules never change. Pure: text only.
 *
 * @module
 */

/** The table (bridge family) every rule lives in. */
export const L2_TABLE = 'qdhcp-l2';

/** What one tap may send. Addresses are single addresses or CIDRs; `ipv6Targets` are hex ranges. */
export interface PortFilterSpec {
  /** The tap device (also the chain's name and its sets' prefix). */
  readonly device: string;
  /** Source MACs allowed (lower case): the port's and those of its address pairs. */
  readonly macs: readonly string[];
  readonly ipv4: readonly string[];
  /** Fixed IPv6 addresses, the link-local address of each MAC, address pairs. */
  readonly ipv6: readonly string[];
  /**
   * The same IPv6 addresses as `0x…-0x…` ranges of 128-bit numbers: nft 1.0.6 has no `icmpv6 taddr`, so a
   * neighbour advertisement's target is matched as raw transport-header bits (`@th,64,128`), which only a
   * set of integers can hold.
   */
  readonly ipv6Targets: readonly string[];
}

const T = `bridge ${L2_TABLE}`;

/** The names of a port's sets. */
export function portSetNames(device: string): { mac: string; v4: string; v6: string; na: string } {
  return { mac: `${device}-mac`, v4: `${device}-v4`, v6: `${device}-v6`, na: `${device}-na` };
}

/** Creates the table, the map and the hook chain when missing (an `add` is idempotent). */
export function tableScript(): string[] {
  return [
    `add table ${T}`,
    `add map ${T} ports { type ifname : verdict; }`,
    // -200: before anything else on the bridge (the bridge's filter priority is -200 too; first added runs first).
    `add chain ${T} prerouting { type filter hook prerouting priority -200; policy accept; }`,
    `flush chain ${T} prerouting`,
    `add rule ${T} prerouting iifname vmap @ports`,
  ];
}

/** Replaces the elements of a port's sets (what an address change costs: one transaction, no rule). */
export function portElementsScript(spec: PortFilterSpec): string[] {
  const sets = portSetNames(spec.device);
  const lines: string[] = [];
  const fill = (set: string, elements: readonly string[]) => {
    lines.push(`flush set ${T} ${set}`);
    if (elements.length > 0) lines.push(`add element ${T} ${set} { ${elements.join(', ')} }`);
  };
  fill(sets.mac, spec.macs);
  fill(sets.v4, spec.ipv4);
  fill(sets.v6, spec.ipv6);
  fill(sets.na, spec.ipv6Targets);
  return lines;
}

/**
 * The rules of one tap's chain, in order (first match wins; what no rule drops is accepted):
 * MAC spoofing, VLAN tags (their payload would skip the checks below), ARP spoofing (sender MAC and IP; an
 * ARP probe's sender 0.0.0.0, RFC 5227, passes), the DHCP server guard, a DHCP client without an address,
 * IPv4 spoofing, the router-advertisement and DHCPv6-server guards, duplicate-address detection and MLD from
 * `::`, neighbour advertisements for foreign targets, IPv6 spoofing.
 */
export function portRules(device: string): string[] {
  const s = portSetNames(device);
  return [
    `ether saddr != @${s.mac} drop`,
    'ether type vlan drop',
    `arp saddr ether != @${s.mac} drop`,
    'arp saddr ip 0.0.0.0 accept',
    `arp saddr ip != @${s.v4} drop`,
    'udp sport 67 udp dport 68 drop',
    'ip saddr 0.0.0.0 udp sport 68 udp dport 67 accept',
    `ip saddr != @${s.v4} drop`,
    'icmpv6 type nd-router-advert drop',
    'udp sport 547 udp dport 546 drop',
    'ip6 saddr :: icmpv6 type { nd-neighbor-solicit, mld-listener-report, mld2-listener-report } accept',
    `icmpv6 type nd-neighbor-advert @th,64,128 != @${s.na} drop`,
    `ip6 saddr != @${s.v6} drop`,
  ];
}

/**
 * Protects a tap (or re-protects it after a restart: every statement is idempotent, the chain is flushed
 * and refilled, the sets emptied and refilled), then points the map at its chain: one nft transaction.
 */
export function addPortScript(spec: PortFilterSpec): string[] {
  const s = portSetNames(spec.device);
  const chain = spec.device;
  return [
    ...tableScript(),
    `add set ${T} ${s.mac} { type ether_addr; }`,
    `add set ${T} ${s.v4} { type ipv4_addr; flags interval; auto-merge; }`,
    `add set ${T} ${s.v6} { type ipv6_addr; flags interval; auto-merge; }`,
    `add set ${T} ${s.na} { typeof @th,64,128; flags interval; auto-merge; }`,
    ...portElementsScript(spec),
    `add chain ${T} ${chain}`,
    `flush chain ${T} ${chain}`,
    ...portRules(spec.device).map((rule) => `add rule ${T} ${chain} ${rule}`),
    `add element ${T} ports { "${spec.device}" : goto ${chain} }`,
  ];
}

/**
 * Removes a tap's protection: the map element first (it references the chain), then the chain and sets.
 * `present` says which of them exist (from {@link parseL2Table}), so a half-removed port is finished
 * without an error.
 */
export function removePortScript(
  device: string,
  present: { readonly mapped: boolean; readonly chain: boolean; readonly sets: readonly string[] },
): string[] {
  const lines: string[] = [];
  if (present.mapped) lines.push(`delete element ${T} ports { "${device}" }`);
  if (present.chain) lines.push(`delete chain ${T} ${device}`);
  for (const set of Object.values(portSetNames(device)))
    if (present.sets.includes(set)) lines.push(`delete set ${T} ${set}`);
  return lines;
}

/** What `nft -j list table bridge qdhcp-l2` shows: chains, sets and the devices in the map. */
export interface L2TableState {
  readonly chains: ReadonlySet<string>;
  readonly sets: ReadonlySet<string>;
  readonly mapped: ReadonlySet<string>;
  /** Set name → elements as nft prints them (addresses, CIDRs as `{prefix: {addr, len}}` flattened). */
  readonly elements: ReadonlyMap<string, readonly string[]>;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** Text of one set element of nft's JSON (`"10.0.0.5"`, `{prefix:{addr,len}}`, `{range:[a,b]}`). */
function elementText(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  const object = record(value);
  const prefix = record(object?.['prefix']);
  if (prefix !== undefined) return `${String(prefix['addr'])}/${String(prefix['len'])}`;
  const range = object?.['range'];
  if (Array.isArray(range)) return `${String(range[0])}-${String(range[1])}`;
  const elem = record(object?.['elem']);
  if (elem !== undefined) return elementText(elem['val']);
  return JSON.stringify(value);
}

/** Parses `nft -j list table bridge qdhcp-l2` (an empty or missing table: everything empty). */
export function parseL2Table(json: string): L2TableState {
  const chains = new Set<string>();
  const sets = new Set<string>();
  const mapped = new Set<string>();
  const elements = new Map<string, string[]>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    parsed = undefined;
  }
  const items = record(parsed)?.['nftables'];
  for (const item of Array.isArray(items) ? items : []) {
    const entry = record(item);
    const chain = record(entry?.['chain']);
    if (chain !== undefined && typeof chain['name'] === 'string') chains.add(chain['name']);
    const set = record(entry?.['set']);
    if (set !== undefined && typeof set['name'] === 'string') {
      sets.add(set['name']);
      elements.set(set['name'], (Array.isArray(set['elem']) ? set['elem'] : []).map(elementText));
    }
    const map = record(entry?.['map']);
    if (map !== undefined && map['name'] === 'ports' && Array.isArray(map['elem'])) {
      for (const pair of map['elem'])
        if (Array.isArray(pair) && typeof pair[0] === 'string') mapped.add(pair[0]);
    }
  }
  return { chains, sets, mapped, elements };
}
