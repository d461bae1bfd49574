/**
 * The nftables table of a router (issue 13), one per router inside its `qrouter-` namespace, family `ip`
 * (NAT is IPv4 only; IPv6 is routed as it is, and an `ip` table never sees it). docs/routers.md draws it:
 *
 *   set internal        the router's IPv4 interface subnets (what SNAT applies to)
 *   map fip_dnat        floating IP → fixed IP
 *   map fip_snat        fixed IP → floating IP
 *   chain prerouting    (nat, dstnat) metadata redirect on qr-*, then DNAT by fip_dnat
 *   chain postrouting   (nat, srcnat) out of qg-: SNAT by fip_snat, then the subnets to the gateway address;
 *                       hairpin (DNATed, neither in nor out qg-): SNAT by fip_snat, else to the gateway address
 *
 * A floating IP is two map elements added or deleted in one `nft -f` transaction; the table is never
 * rewritten for it. Rules carry a comment that spells out their parameters, so comparing a chain's
 * comments with the desired ones tells whether it is right; a chain that is not is flushed and refilled in
 * the same transaction (only when the gateway or SNAT changes). Pure: builds the script, runs nothing.
 *
 * @module
 */
import type { ObservedNftTable } from '../../linux/observed-nft.js';
import type { DesiredNat } from './desired-router.js';
import { METADATA_ADDRESS, ROUTER_METADATA_PORT } from './metadata-redirect.js';

/** The table's family and name (the same in every router namespace: each namespace has its own tables). */
export const ROUTER_NFT_FAMILY = 'ip';
export const ROUTER_NFT_TABLE = 'qrouter';
const TABLE = `${ROUTER_NFT_FAMILY} ${ROUTER_NFT_TABLE}`;
/** Bumped when a rule's text changes, so an older agent's rules are replaced. */
const RULE_VERSION = 'qdhcp-v1';

/** One rule: its text (without the comment) and the comment that identifies it. */
interface DesiredRule {
  readonly rule: string;
  readonly comment: string;
}

const SETS: ReadonlyArray<{ readonly name: string; readonly declaration: string }> = [
  { name: 'internal', declaration: 'set internal { type ipv4_addr; flags interval; }' },
];
const MAPS: ReadonlyArray<{ readonly name: string; readonly declaration: string }> = [
  { name: 'fip_dnat', declaration: 'map fip_dnat { type ipv4_addr : ipv4_addr; }' },
  { name: 'fip_snat', declaration: 'map fip_snat { type ipv4_addr : ipv4_addr; }' },
];
const CHAINS: ReadonlyArray<{ readonly name: string; readonly declaration: string }> = [
  {
    name: 'prerouting',
    declaration: 'chain prerouting { type nat hook prerouting priority dstnat; policy accept; }',
  },
  {
    name: 'postrouting',
    declaration: 'chain postrouting { type nat hook postrouting priority srcnat; policy accept; }',
  },
];

/** The rules each chain should hold, in order. */
export function desiredRules(nat: DesiredNat): ReadonlyMap<string, readonly DesiredRule[]> {
  const prerouting: DesiredRule[] = [
    {
      rule: `iifname "qr-*" ip daddr ${METADATA_ADDRESS} tcp dport 80 counter redirect to :${ROUTER_METADATA_PORT}`,
      comment: `${RULE_VERSION} metadata ${METADATA_ADDRESS}:80 to :${ROUTER_METADATA_PORT}`,
    },
    { rule: 'counter dnat to ip daddr map @fip_dnat', comment: `${RULE_VERSION} floating-ip dnat` },
  ];
  const postrouting: DesiredRule[] = [];
  const gateway = nat.gatewayDevice;
  if (gateway !== undefined) {
    // Floating IPs first: their holders leave with their own address, not the router's.
    postrouting.push({
      rule: `oifname "${gateway}" counter snat to ip saddr map @fip_snat`,
      comment: `${RULE_VERSION} floating-ip snat out ${gateway}`,
    });
    // Only out of qg-: traffic between the router's own subnets keeps its addresses.
    if (nat.snatAddress !== undefined)
      postrouting.push({
        rule: `oifname "${gateway}" ip saddr @internal counter snat to ${nat.snatAddress}`,
        comment: `${RULE_VERSION} snat out ${gateway} to ${nat.snatAddress}`,
      });
    // Hairpin: an instance reaching another by its floating IP is DNATed on the qr- side as well (the
    // prerouting rule has no interface); without SNAT the reply would go straight back, bypass the router
    // and not be un-NATed. Its source becomes its own floating IP, or else the gateway address (Neutron's
    // legacy router: float-snat, then `--ctstate DNAT -j SNAT --to-source <gateway>` unless from qg-).
    const hairpin = `iifname != "${gateway}" oifname != "${gateway}" ct status dnat counter`;
    postrouting.push({
      rule: `${hairpin} snat to ip saddr map @fip_snat`,
      comment: `${RULE_VERSION} hairpin floating-ip snat except ${gateway}`,
    });
    if (nat.gatewayAddress !== undefined)
      postrouting.push({
        rule: `${hairpin} snat to ${nat.gatewayAddress}`,
        comment: `${RULE_VERSION} hairpin snat except ${gateway} to ${nat.gatewayAddress}`,
      });
  }
  return new Map([
    ['prerouting', prerouting],
    ['postrouting', postrouting],
  ]);
}

/**
 * The table as a successful {@link routerNftPlan} for `nat` leaves it (handles are not known: 0). What
 * the data plane diffs a floating-IP change against instead of listing the table again (floating-ip-delta.ts).
 */
export function convergedNftTable(nat: DesiredNat): ObservedNftTable {
  const chains = new Map(
    [...desiredRules(nat)].map(([name, rules]) => [
      name,
      { handle: 0, ruleComments: rules.map((rule) => rule.comment), ruleHandles: rules.map(() => 0) },
    ]),
  );
  return {
    handle: 0,
    chains,
    sets: new Map([['internal', [...nat.internalSubnets]]]),
    maps: new Map([
      ['fip_dnat', new Map(nat.floatingIps)],
      ['fip_snat', new Map([...nat.floatingIps].map(([floating, fixed]) => [fixed, floating]))],
    ]),
  };
}

/** Set elements compare as nft prints them: a /32 prefix is a plain address. */
function elementKey(text: string): string {
  return text.endsWith('/32') ? text.slice(0, -3) : text;
}

/** The nft script and what it means for connections and neighbours. */
export interface RouterNftPlan {
  /** One `nft -f` transaction; empty when the table is right. */
  readonly lines: readonly string[];
  /** Floating IPs that lost their mapping (removed or moved to another fixed IP): delete their conntrack entries. */
  readonly releasedFloatingIps: readonly string[];
}

/** Lines that make `observed` (undefined: no table yet) hold exactly what `nat` asks for. */
export function routerNftPlan(nat: DesiredNat, observed: ObservedNftTable | undefined): RouterNftPlan {
  const lines: string[] = [];
  if (observed === undefined) lines.push(`add table ${TABLE}`);
  for (const object of [...SETS, ...MAPS, ...CHAINS]) {
    const present =
      observed?.sets.has(object.name) === true ||
      observed?.maps.has(object.name) === true ||
      observed?.chains.has(object.name) === true;
    if (!present) lines.push(`add ${object.declaration.replace(/^(set|map|chain) /, `$1 ${TABLE} `)}`);
  }
  // Elements before rules: a rule naming a set only needs the set, and elements never need a rule.
  const wantedSubnets = new Set(nat.internalSubnets.map(elementKey));
  const presentSubnets = new Set((observed?.sets.get('internal') ?? []).map(elementKey));
  const staleSubnets = [...presentSubnets].filter((subnet) => !wantedSubnets.has(subnet));
  const newSubnets = [...wantedSubnets].filter((subnet) => !presentSubnets.has(subnet));
  if (staleSubnets.length > 0) lines.push(`delete element ${TABLE} internal { ${staleSubnets.join(', ')} }`);
  if (newSubnets.length > 0) lines.push(`add element ${TABLE} internal { ${newSubnets.join(', ')} }`);

  const dnat = observed?.maps.get('fip_dnat') ?? new Map<string, string>();
  const snat = observed?.maps.get('fip_snat') ?? new Map<string, string>();
  const wantedSnat = new Map([...nat.floatingIps].map(([floating, fixed]) => [fixed, floating]));
  const released = [...dnat].filter(([floating, fixed]) => nat.floatingIps.get(floating) !== fixed);
  const staleSnat = [...snat].filter(([fixed, floating]) => wantedSnat.get(fixed) !== floating);
  const newDnat = [...nat.floatingIps].filter(([floating, fixed]) => dnat.get(floating) !== fixed);
  const newSnat = [...wantedSnat].filter(([fixed, floating]) => snat.get(fixed) !== floating);
  const keys = (entries: ReadonlyArray<readonly [string, string]>) => entries.map(([key]) => key).join(', ');
  const mapped = (entries: ReadonlyArray<readonly [string, string]>) =>
    entries.map(([key, value]) => `${key} : ${value}`).join(', ');
  if (released.length > 0) lines.push(`delete element ${TABLE} fip_dnat { ${keys(released)} }`);
  if (staleSnat.length > 0) lines.push(`delete element ${TABLE} fip_snat { ${keys(staleSnat)} }`);
  if (newDnat.length > 0) lines.push(`add element ${TABLE} fip_dnat { ${mapped(newDnat)} }`);
  if (newSnat.length > 0) lines.push(`add element ${TABLE} fip_snat { ${mapped(newSnat)} }`);

  for (const [chain, rules] of desiredRules(nat)) {
    const present = observed?.chains.get(chain)?.ruleComments ?? [];
    const same =
      present.length === rules.length && rules.every((rule, index) => present[index] === rule.comment);
    if (same) continue;
    if (present.length > 0) lines.push(`flush chain ${TABLE} ${chain}`);
    for (const rule of rules)
      lines.push(`add rule ${TABLE} ${chain} ${rule.rule} comment ${JSON.stringify(rule.comment)}`);
  }
  return { lines, releasedFloatingIps: released.map(([floating]) => floating) };
}
