/**
 * The text of the L2 role's stateless port protection in nftables' bridge family (issue 14; the layout and
 * why it is stateless: docs/compute.md). One table `qdhcp-l2` in the host namespace with one fixed set of
 * rules; what differs per port lives only in set elements keyed by the tap's name:
 *
 * - `ports` (ifname): the protected taps; prerouting jumps to `protect` for frames that came in on one;
 * - `mac` (ifname . ether_addr), `v4` (ifname . ipv4_addr, intervals), `v6` (ifname . ipv6_addr,
 *   intervals), `na` (ifname . 128 raw bits, intervals: the targets a neighbour advertisement may name).
 *
 * So plugging, unplugging and an address change are element additions and deletions in one transaction,
 * never a rule change. Per-port chains and sets were measured first: nft reads the whole table before each
 * transaction, and with 1,000 ports (13,000 rules, 4,000 sets) one element change took 2.2 s (p50, loaded
 * machine) against 0.1 s with 10; with keyed elements it does not grow with the ports. Pure: text only.
 *
 * @module
 */

/** The table (bridge family) everything lives in. */
export const L2_TABLE = 'qdhcp-l2';

/** What one tap may send. Addresses are single addresses or CIDRs; `ipv6Targets` are hex ranges. */
export interface PortFilterSpec {
  /** The tap device. */
  readonly device: string;
  /** Source MACs allowed (lower case): the port's and those of its address pairs. */
  readonly macs: readonly string[];
  readonly ipv4: readonly string[];
  /** Fixed IPv6 addresses, the link-local address of each of the MACs, address pairs. */
  readonly ipv6: readonly string[];
  /**
   * The same IPv6 addresses as `0x…-0x…` ranges of 128-bit numbers: nft 1.0.6 has no `icmpv6 taddr`, so a
   * neighbour advertisement's target is matched as raw transport-header bits (`@th,64,128`), which only a
   * set of integers can hold.
   */
  readonly ipv6Targets: readonly string[];
}

const T = `bridge ${L2_TABLE}`;

/**
 * The rules every protected tap's frames go through, in order (first match wins; what no rule drops is
 * accepted): MAC spoofing, VLAN tags (their payload would skip the checks below), ARP spoofing (sender MAC
 * and IP; an ARP probe's sender 0.0.0.0, RFC 5227, passes), the DHCP server guard, a DHCP client without an
 * address, IPv4 spoofing, the router-advertisement and DHCPv6-server guards, duplicate-address detection and
 * MLD from `::`, neighbour advertisements for foreign targets, IPv6 spoofing.
 */
export const PROTECT_RULES: readonly string[] = [
  'iifname . ether saddr != @mac drop',
  'ether type vlan drop',
  'iifname . arp saddr ether != @mac drop',
  'arp saddr ip 0.0.0.0 accept',
  'iifname . arp saddr ip != @v4 drop',
  'udp sport 67 udp dport 68 drop',
  'ip saddr 0.0.0.0 udp sport 68 udp dport 67 accept',
  'iifname . ip saddr != @v4 drop',
  'icmpv6 type nd-router-advert drop',
  'udp sport 547 udp dport 546 drop',
  'ip6 saddr :: icmpv6 type { nd-neighbor-solicit, mld-listener-report, mld2-listener-report } accept',
  'icmpv6 type nd-neighbor-advert iifname . @th,64,128 != @na drop',
  'iifname . ip6 saddr != @v6 drop',
];

/** Creates the table, its sets and chains when missing, and (re)writes the two chains' rules. */
export function tableScript(): string[] {
  return [
    `add table ${T}`,
    `add set ${T} ports { type ifname; }`,
    `add set ${T} mac { type ifname . ether_addr; }`,
    `add set ${T} v4 { type ifname . ipv4_addr; flags interval; }`,
    `add set ${T} v6 { type ifname . ipv6_addr; flags interval; }`,
    `add set ${T} na { typeof iifname . @th,64,128; flags interval; }`,
    `add chain ${T} protect`,
    `flush chain ${T} protect`,
    ...PROTECT_RULES.map((rule) => `add rule ${T} protect ${rule}`),
    // -200: the bridge family's filter priority; nothing of the bridge itself runs before it.
    `add chain ${T} prerouting { type filter hook prerouting priority -200; policy accept; }`,
    `flush chain ${T} prerouting`,
    `add rule ${T} prerouting iifname @ports jump protect`,
  ];
}

/** Removes the table and everything in it (an `add` first, so a missing table is no error). */
export function dropTableScript(): string[] {
  return [`add table ${T}`, `delete table ${T}`];
}

/** The elements of a spec, per set, as nft text (`"tap…" . 10.0.0.5`). */
function elementsOf(spec: PortFilterSpec | undefined): Map<string, Set<string>> {
  const sets = new Map<string, Set<string>>([
    ['mac', new Set()],
    ['v4', new Set()],
    ['v6', new Set()],
    ['na', new Set()],
  ]);
  if (spec === undefined) return sets;
  const key = `"${spec.device}"`;
  for (const mac of spec.macs) sets.get('mac')!.add(`${key} . ${mac}`);
  for (const address of spec.ipv4) sets.get('v4')!.add(`${key} . ${address}`);
  for (const address of spec.ipv6) sets.get('v6')!.add(`${key} . ${address}`);
  for (const range of spec.ipv6Targets) sets.get('na')!.add(`${key} . ${range}`);
  return sets;
}

/**
 * The element changes from what a tap may send now (`before`, undefined: unprotected) to what it may send
 * next (`after`, undefined: unprotected, e.g. its tap went or port security was turned off): only what
 * differs is deleted and added, in one transaction. Added elements go in before the tap joins `ports`,
 * and it leaves `ports` before its elements go, so a frame never meets a half-filled port.
 */
export function portChangeScript(
  device: string,
  before: PortFilterSpec | undefined,
  after: PortFilterSpec | undefined,
): string[] {
  const old = elementsOf(before);
  const next = elementsOf(after);
  const lines: string[] = [];
  if (before !== undefined && after === undefined) lines.push(`delete element ${T} ports { "${device}" }`);
  for (const [set, elements] of old) {
    const gone = [...elements].filter((element) => !next.get(set)!.has(element));
    if (gone.length > 0) lines.push(`delete element ${T} ${set} { ${gone.join(', ')} }`);
  }
  for (const [set, elements] of next) {
    const added = [...elements].filter((element) => !old.get(set)!.has(element));
    if (added.length > 0) lines.push(`add element ${T} ${set} { ${added.join(', ')} }`);
  }
  if (before === undefined && after !== undefined) lines.push(`add element ${T} ports { "${device}" }`);
  return lines;
}

/** What `nft -j list table bridge qdhcp-l2` shows: sets with their elements, and the protected taps. */
export interface L2TableState {
  readonly exists: boolean;
  readonly chains: ReadonlySet<string>;
  /** The taps in `ports`. */
  readonly protectedTaps: ReadonlySet<string>;
  /** Set name → elements as text (`tap… . 10.0.0.5`, `tap… . 10.0.1.0/24`). */
  readonly elements: ReadonlyMap<string, readonly string[]>;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** Text of one element of nft's JSON (string, prefix, range, concatenation, `elem` wrapper). */
function elementText(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  const object = record(value);
  const elem = record(object?.['elem']);
  if (elem !== undefined) return elementText(elem['val']);
  const concat = object?.['concat'];
  if (Array.isArray(concat)) return concat.map(elementText).join(' . ');
  const prefix = record(object?.['prefix']);
  if (prefix !== undefined) return `${String(prefix['addr'])}/${String(prefix['len'])}`;
  const range = object?.['range'];
  if (Array.isArray(range)) return `${elementText(range[0])}-${elementText(range[1])}`;
  return JSON.stringify(value);
}

/** Parses `nft -j list table bridge qdhcp-l2` (unreadable or missing: an empty, absent table). */
export function parseL2Table(json: string): L2TableState {
  const chains = new Set<string>();
  const elements = new Map<string, string[]>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    parsed = undefined;
  }
  const items = record(parsed)?.['nftables'];
  let exists = false;
  for (const item of Array.isArray(items) ? items : []) {
    const entry = record(item);
    if (record(entry?.['table']) !== undefined) exists = true;
    const chain = record(entry?.['chain']);
    if (chain !== undefined && typeof chain['name'] === 'string') chains.add(chain['name']);
    const set = record(entry?.['set']);
    if (set !== undefined && typeof set['name'] === 'string')
      elements.set(set['name'], (Array.isArray(set['elem']) ? set['elem'] : []).map(elementText));
  }
  return { exists, chains, protectedTaps: new Set(elements.get('ports') ?? []), elements };
}

/**
 * The elements of every set that belong to `device` (empty when it left no trace).
 * @internal the tests prove an unplugged tap leaves nothing behind with it.
 */
export function elementsOfTap(table: L2TableState, device: string): string[] {
  const found: string[] = [];
  for (const [set, elements] of table.elements)
    for (const element of elements)
      if (element === device || element.startsWith(`${device} . `)) found.push(`${set}: ${element}`);
  return found;
}
