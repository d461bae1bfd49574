/**
 * The text of the L2 role's STATEFUL security group enforcement (issue 14; the choice and its measurement:
 * docs/compute.md "Security groups"). On this kernel nftables cannot give bridged traffic conntrack (`ct
 * state` fails in the bridge family, `meta ibrname` is not supported in `inet`), so groups are enforced as
 * Neutron's iptables firewall does (neutron/agent/linux/iptables_firewall.py): br_netfilter hands bridged IP
 * frames to iptables' FORWARD, where `physdev` names the tap and `conntrack` lets replies through.
 *
 * Layout, per family (iptables-restore / ip6tables-restore text, filter table, `--noflush`):
 * - `qsg-fwd`: one jump from FORWARD for bridged frames; per protected tap two jumps, `--physdev-out TAP`
 *   (traffic TO the instance, ingress rules) and `--physdev-in TAP` (FROM it, egress rules);
 * - `qsg-i-TAP` / `qsg-o-TAP`: one rule each, a jump to the chains of the port's SET of groups;
 * - `qsg-si-KEY` / `qsg-so-KEY` (KEY: a hash of the group ids and statefulness, {@link sharedChainKey}):
 *   the rules of that set of groups, each `-j RETURN` (allowed), last `-j DROP`, shared by every port with
 *   the same groups. A rule change rewrites those few chains in place, whatever the number of ports
 *   (bench/security-groups: rewriting 1,000 per-port chains took 0.7–1 s, one chain 13 ms).
 * Remote groups are ipsets `qsg4-…`/`qsg6-…` (hash:net) whose ELEMENTS change with membership, so a member
 * joining or leaving is an `ipset add`/`del`, never a rule change. Pure: text only.
 *
 * @module
 */
import { createHash } from 'node:crypto';

/** Jump target chain from FORWARD. */
export const SG_FORWARD_CHAIN = 'qsg-fwd';

export type SgFamily = 'IPv4' | 'IPv6';

/** One rule of one of the port's groups, with its remote already resolved to a prefix or an ipset name. */
export interface SgRuleSpec {
  readonly direction: 'ingress' | 'egress';
  readonly ethertype: SgFamily;
  /** Neutron's protocol: a name (tcp, udp, icmp, ipv6-icmp, …), a number as text, or null (any). */
  readonly protocol: string | null;
  readonly portRangeMin: number | null;
  readonly portRangeMax: number | null;
  /** `remote_ip_prefix` (normalized CIDR) or null. */
  readonly remotePrefix: string | null;
  /** The ipset of the `remote_group_id`'s members (see {@link remoteSetName}) or null. */
  readonly remoteSet: string | null;
}

/** What the ports with one set of groups are allowed, both ways (the shared chains' content). */
export interface SharedChainSpec {
  /** {@link sharedChainKey} of the groups. */
  readonly key: string;
  /** false when every group of the port is `stateful: false`: no conntrack shortcut for replies. */
  readonly stateful: boolean;
  readonly rules: readonly SgRuleSpec[];
}

/** What one protected tap is allowed: its device and its set of groups' spec. */
export interface PortGroupsSpec extends SharedChainSpec {
  readonly device: string;
}

/** The name part of a set of groups' shared chains: 12 hex of a hash of the sorted ids and statefulness. */
export function sharedChainKey(stateful: boolean, groupIds: readonly string[]): string {
  const text = `${stateful ? 's' : 'n'}:${[...groupIds].sort().join(',')}`;
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** The ipset holding a group's members of one family (≤ 31 characters, ipset's limit). */
export function remoteSetName(groupId: string, family: SgFamily): string {
  return `qsg${family === 'IPv4' ? '4' : '6'}-${groupId.replaceAll('-', '').slice(0, 26)}`;
}

export function sharedIngressChain(key: string): string {
  return `qsg-si-${key}`;
}
export function sharedEgressChain(key: string): string {
  return `qsg-so-${key}`;
}

export function ingressChain(device: string): string {
  return `qsg-i-${device}`;
}
export function egressChain(device: string): string {
  return `qsg-o-${device}`;
}

const PORTED = new Set(['tcp', 'udp', 'sctp', 'udplite', '6', '17', '132', '136']);
const ICMP4 = new Set(['icmp', '1']);
const ICMP6 = new Set(['ipv6-icmp', 'icmpv6', 'icmp', '58']);

/** The match part of one rule, or undefined when it cannot apply to this family. */
export function ruleMatch(rule: SgRuleSpec, family: SgFamily): string | undefined {
  if (rule.ethertype !== family) return undefined;
  const parts: string[] = [];
  const address = rule.direction === 'ingress' ? 'src' : 'dst';
  if (rule.remotePrefix !== null) parts.push(`${address === 'src' ? '-s' : '-d'} ${rule.remotePrefix}`);
  const protocol = rule.protocol?.toLowerCase() ?? null;
  if (protocol !== null) {
    const icmp = family === 'IPv4' ? ICMP4.has(protocol) : ICMP6.has(protocol);
    if (icmp) {
      parts.push(family === 'IPv4' ? '-p icmp' : '-p ipv6-icmp');
      // For ICMP Neutron's port_range_min/max are the type and the code.
      if (rule.portRangeMin !== null) {
        const type =
          rule.portRangeMax === null ? `${rule.portRangeMin}` : `${rule.portRangeMin}/${rule.portRangeMax}`;
        parts.push(family === 'IPv4' ? `-m icmp --icmp-type ${type}` : `-m icmp6 --icmpv6-type ${type}`);
      }
    } else {
      parts.push(`-p ${protocol}`);
      if (PORTED.has(protocol) && rule.portRangeMin !== null) {
        const max = rule.portRangeMax ?? rule.portRangeMin;
        const range = max === rule.portRangeMin ? `${max}` : `${rule.portRangeMin}:${max}`;
        parts.push(`-m multiport --dports ${range}`);
      }
    }
  }
  if (rule.remoteSet !== null) parts.push(`-m set --match-set ${rule.remoteSet} ${address}`);
  return parts.join(' ');
}

/** What every port needs regardless of its groups (Neutron's firewall does the same): DHCP and ND. */
function fixedIngress(family: SgFamily): string[] {
  return family === 'IPv4'
    ? ['-p udp -m udp --sport 67 --dport 68']
    : [
        '-p udp -m udp --sport 547 --dport 546',
        ...[130, 131, 132, 134, 135, 136, 143].map((type) => `-p ipv6-icmp -m icmp6 --icmpv6-type ${type}`),
      ];
}
function fixedEgress(family: SgFamily): string[] {
  return family === 'IPv4'
    ? ['-p udp -m udp --sport 68 --dport 67']
    : [
        '-p udp -m udp --sport 546 --dport 547',
        ...[130, 131, 132, 133, 135, 136, 143].map((type) => `-p ipv6-icmp -m icmp6 --icmpv6-type ${type}`),
      ];
}

function chainBody(
  chain: string,
  spec: SharedChainSpec,
  family: SgFamily,
  direction: SgRuleSpec['direction'],
): string[] {
  const lines: string[] = [];
  if (spec.stateful) {
    lines.push(`-A ${chain} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN`);
    lines.push(`-A ${chain} -m conntrack --ctstate INVALID -j DROP`);
  }
  const fixed = direction === 'ingress' ? fixedIngress(family) : fixedEgress(family);
  for (const match of fixed) lines.push(`-A ${chain} ${match} -j RETURN`);
  const seen = new Set<string>();
  for (const rule of spec.rules) {
    if (rule.direction !== direction) continue;
    const match = ruleMatch(rule, family);
    if (match === undefined || seen.has(match)) continue;
    seen.add(match);
    lines.push(match === '' ? `-A ${chain} -j RETURN` : `-A ${chain} ${match} -j RETURN`);
  }
  lines.push(`-A ${chain} -j DROP`);
  return lines;
}

/** `--physdev-is-bridged` jumps of one tap in `qsg-fwd` (exact text, so they can be deleted with `-D`). */
export function jumpRules(device: string): string[] {
  return [
    `${SG_FORWARD_CHAIN} -m physdev --physdev-out ${device} --physdev-is-bridged -j ${ingressChain(device)}`,
    `${SG_FORWARD_CHAIN} -m physdev --physdev-in ${device} --physdev-is-bridged -j ${egressChain(device)}`,
  ];
}

/** A port's chains to write: one jump each to its groups' shared chains (`withJumps`: also qsg-fwd's). */
export interface PortChains {
  readonly device: string;
  readonly key: string;
  readonly withJumps: boolean;
}

/**
 * `iptables-restore --noflush` text that (re)writes the given shared chains and port chains in one commit:
 * declaring a chain in a `--noflush` restore flushes just that chain, so a rule change rewrites the
 * shared chains of the groups concerned and nothing else. Empty when there is nothing to write.
 */
export function groupsRestoreScript(
  shared: readonly SharedChainSpec[],
  ports: readonly PortChains[],
  family: SgFamily,
): string {
  if (shared.length === 0 && ports.length === 0) return '';
  const declared: string[] = [];
  const lines: string[] = [];
  for (const spec of shared) {
    const input = sharedIngressChain(spec.key);
    const output = sharedEgressChain(spec.key);
    declared.push(`:${input} - [0:0]`, `:${output} - [0:0]`);
    lines.push(...chainBody(input, spec, family, 'ingress'), ...chainBody(output, spec, family, 'egress'));
  }
  for (const port of ports) {
    const input = ingressChain(port.device);
    const output = egressChain(port.device);
    declared.push(`:${input} - [0:0]`, `:${output} - [0:0]`);
    lines.push(
      `-A ${input} -j ${sharedIngressChain(port.key)}`,
      `-A ${output} -j ${sharedEgressChain(port.key)}`,
    );
    if (port.withJumps) lines.push(...jumpRules(port.device).map((rule) => `-A ${rule}`));
  }
  return ['*filter', ...declared, ...lines, 'COMMIT', ''].join('\n');
}

/** Base text: `qsg-fwd` and the one FORWARD jump to it (idempotent: applied with a `-C` check first). */
export function baseRestoreScript(): string {
  return ['*filter', `:${SG_FORWARD_CHAIN} - [0:0]`, 'COMMIT', ''].join('\n');
}
export const FORWARD_JUMP = `FORWARD -m physdev --physdev-is-bridged -j ${SG_FORWARD_CHAIN}`;

/**
 * `iptables-restore --noflush` text removing taps' jumps and chains (tap gone or unprotected) and shared
 * chains no port uses any more (after their ports' chains, which jump to them). Empty: nothing to remove.
 */
export function removeScript(devices: readonly string[], sharedKeys: readonly string[] = []): string {
  if (devices.length === 0 && sharedKeys.length === 0) return '';
  const lines: string[] = [];
  for (const device of devices) {
    lines.push(...jumpRules(device).map((rule) => `-D ${rule}`));
    lines.push(`-F ${ingressChain(device)}`, `-F ${egressChain(device)}`);
    lines.push(`-X ${ingressChain(device)}`, `-X ${egressChain(device)}`);
  }
  for (const key of sharedKeys) {
    lines.push(`-F ${sharedIngressChain(key)}`, `-F ${sharedEgressChain(key)}`);
    lines.push(`-X ${sharedIngressChain(key)}`, `-X ${sharedEgressChain(key)}`);
  }
  return ['*filter', ...lines, 'COMMIT', ''].join('\n');
}

/**
 * `ipset restore` lines that move a set from `before` to `after` members (element adds and deletes only;
 * `create … -exist` keeps an existing set). `before` undefined: the set may be new.
 */
export function ipsetChangeLines(
  name: string,
  family: SgFamily,
  before: readonly string[] | undefined,
  after: readonly string[],
): string[] {
  const lines: string[] = [];
  if (before === undefined)
    lines.push(`create ${name} hash:net family ${family === 'IPv4' ? 'inet' : 'inet6'} -exist`);
  const old = new Set(before ?? []);
  const next = new Set(after);
  for (const member of old) if (!next.has(member)) lines.push(`del ${name} ${member} -exist`);
  for (const member of next) if (!old.has(member)) lines.push(`add ${name} ${member} -exist`);
  return lines;
}
