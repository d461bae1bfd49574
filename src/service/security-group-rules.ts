/**
 * The pure checks and normal forms of security group rules (issue 14), as Neutron has them
 * (neutron/db/securitygroups_db.py `_validate_base_security_group_rule_attributes`, `_rule_to_key`;
 * neutron/extensions/securitygroup.py converters): protocol names and numbers, port ranges per protocol
 * (ICMP type/code), ethertype against protocol and `remote_ip_prefix`, one remote at most, duplicates.
 *
 * @module
 */
import { QdhcpError } from '../common/errors.js';
import { parseCidr, parseIp } from '../ipam/index.js';

/** neutron_lib.constants.IP_PROTOCOL_MAP: the protocol names a rule accepts, with their numbers. */
export const IP_PROTOCOL_MAP: Readonly<Record<string, number>> = {
  ah: 51,
  dccp: 33,
  egp: 8,
  esp: 50,
  gre: 47,
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ip: 0,
  ipip: 4,
  'ipv6-encap': 41,
  'ipv6-frag': 44,
  'ipv6-icmp': 58,
  icmpv6: 58,
  'ipv6-nonxt': 59,
  'ipv6-opts': 60,
  'ipv6-route': 43,
  ospf: 89,
  pgm: 113,
  rsvp: 46,
  sctp: 132,
  tcp: 6,
  udp: 17,
  udplite: 136,
  vrrp: 112,
};

/** Protocols whose rules may have a port range (SG_PORT_PROTO_NAMES / _NUMS). */
const PORT_PROTOCOL_NUMBERS: ReadonlySet<number> = new Set([6, 17, 33, 132, 136]);
const PORT_PROTOCOL_NAMES = ['tcp', 'udp', 'dccp', 'sctp', 'udplite'];

/** Protocols that exist only over IPv6 (`_validate_ethertype_and_protocol`). */
const IPV6_ONLY_PROTOCOLS: ReadonlySet<string> = new Set([
  'ipv6-encap',
  'ipv6-frag',
  'ipv6-icmp',
  'icmpv6',
  'ipv6-nonxt',
  'ipv6-opts',
  'ipv6-route',
  '41',
  '44',
  '58',
  '59',
  '60',
  '43',
]);

/** How Neutron prints the accepted values in SecurityGroupRuleInvalidProtocol. */
const SUPPORTED_PROTOCOLS_TEXT = `(None, '', 'any', ${Object.keys(IP_PROTOCOL_MAP)
  .map((name) => `'${name}'`)
  .join(', ')})`;

/**
 * `convert_protocol`: null, '' and 'any' are "any" (null); integers 0–255 (or their text) stay as text;
 * names are lower-cased. Anything else is 400 SecurityGroupRuleInvalidProtocol.
 */
export function normalizeProtocol(value: unknown): string | null {
  if (value === null || value === '' || value === 'any') return null;
  const invalid = () =>
    new QdhcpError('SECURITY_GROUP_RULE_INVALID_PROTOCOL', {
      protocol: String(value),
      values: SUPPORTED_PROTOCOLS_TEXT,
    });
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= 255) return String(value);
    throw invalid();
  }
  if (typeof value !== 'string') throw invalid();
  if (/^\s*[-+]?\d+\s*$/.test(value)) {
    const number = Number(value);
    if (number >= 0 && number <= 255) return value;
    throw invalid();
  }
  const lower = value.toLowerCase();
  if (Object.hasOwn(IP_PROTOCOL_MAP, lower)) return lower;
  throw invalid();
}

/** `convert_validate_port_value`: null stays; an integer 0–65535 (or its text); else 400. */
export function normalizePort(value: unknown): number | null {
  if (value === null) return null;
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)
        ? Number(value)
        : NaN;
  if (Number.isInteger(number) && number >= 0 && number <= 65535) return number;
  throw new QdhcpError('SECURITY_GROUP_INVALID_PORT_VALUE', { port: String(value) });
}

/** `convert_ethertype_to_case_insensitive`. */
export function normalizeEthertype(value: unknown): 'IPv4' | 'IPv6' {
  if (typeof value === 'string') {
    if (value.toLowerCase() === 'ipv4') return 'IPv4';
    if (value.toLowerCase() === 'ipv6') return 'IPv6';
  }
  throw new QdhcpError('SECURITY_GROUP_RULE_INVALID_ETHERTYPE', {
    ethertype: String(value),
    values: "['IPv4', 'IPv6']",
  });
}

/**
 * `convert_ip_prefix_to_cidr`: an address or CIDR, host bits kept, the mask always written
 * (`10.0.0.5` → `10.0.0.5/32`); null or '' is none. 400 InvalidCIDR otherwise.
 */
export function normalizeRemoteIpPrefix(value: unknown): string | null {
  if (value === null || value === '') return null;
  const invalid = () => new QdhcpError('INVALID_CIDR', { input: String(value) });
  if (typeof value !== 'string') throw invalid();
  const [addressText, prefixText, extra] = value.split('/');
  if (extra !== undefined || addressText === undefined) throw invalid();
  const address = parseIp(addressText);
  if (!address.ok) throw invalid();
  const bits = address.value.version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!Number.isInteger(prefix) || prefix > bits) throw invalid();
  return `${canonicalText(address.value.version, addressText)}/${prefix}`;
}

function canonicalText(version: 4 | 6, text: string): string {
  const cidr = parseCidr(`${text}/${version === 4 ? 32 : 128}`);
  if (!cidr.ok) throw new QdhcpError('INVALID_CIDR', { input: text });
  return cidr.value.text.split('/')[0]!;
}

/** The CIDR of a stored prefix without host bits (`normalized_cidr`). */
export function normalizedCidr(prefix: string | null): string | null {
  if (prefix === null) return null;
  const cidr = parseCidr(prefix);
  return cidr.ok ? cidr.value.text : null;
}

/** A rule's attributes as the checks see them (after the edge's converters). */
export interface RuleFields {
  readonly securityGroupId: string;
  readonly direction: 'ingress' | 'egress';
  readonly ethertype: 'IPv4' | 'IPv6';
  readonly protocol: string | null;
  readonly portRangeMin: number | null;
  readonly portRangeMax: number | null;
  readonly remoteIpPrefix: string | null;
  readonly remoteGroupId: string | null;
}

/** The protocol's number (names and aliases mapped), or undefined for "any". */
function protocolNumber(protocol: string | null): number | undefined {
  if (protocol === null) return undefined;
  return Object.hasOwn(IP_PROTOCOL_MAP, protocol) ? IP_PROTOCOL_MAP[protocol] : Number(protocol);
}

/**
 * The rule in Neutron's canonical form, checked (`_validate_base_security_group_rule_attributes`):
 * legacy IPv6 ICMP names and number 1 become `ipv6-icmp`/58 for IPv6; the whole range 1–65535 becomes
 * no range; ports only for TCP, UDP, DCCP, SCTP, UDP-Lite (min ≤ max, not 0) and ICMP (type, code
 * 0–255, no code without type); the prefix's family is the ethertype; IPv6-only protocols need IPv6;
 * one remote at most.
 */
export function canonicalRule<R extends RuleFields>(rule: R): R {
  let { protocol, portRangeMin, portRangeMax } = rule;
  if (rule.ethertype === 'IPv6') {
    if (protocol === 'icmp' || protocol === 'icmpv6') protocol = 'ipv6-icmp';
    else if (protocol === '1') protocol = '58';
  }
  if (portRangeMin === 1 && portRangeMax === 65535) {
    portRangeMin = null;
    portRangeMax = null;
  }
  checkPortRange(protocol, portRangeMin, portRangeMax);
  if (rule.remoteIpPrefix !== null) {
    const family = rule.remoteIpPrefix.includes(':') ? 'IPv6' : 'IPv4';
    if (family !== rule.ethertype) {
      throw new QdhcpError('SECURITY_GROUP_RULE_PARAMETER_CONFLICT', {
        ethertype: rule.ethertype,
        cidr: rule.remoteIpPrefix,
      });
    }
  }
  if (protocol !== null && IPV6_ONLY_PROTOCOLS.has(protocol) && rule.ethertype === 'IPv4') {
    throw new QdhcpError('SECURITY_GROUP_ETHERTYPE_CONFLICT_WITH_PROTOCOL', {
      ethertype: rule.ethertype,
      protocol,
    });
  }
  if (rule.remoteIpPrefix !== null && rule.remoteGroupId !== null)
    throw new QdhcpError('SECURITY_GROUP_MULTIPLE_REMOTE_ENTITIES');
  return { ...rule, protocol, portRangeMin, portRangeMax };
}

/** `_validate_port_range`. */
function checkPortRange(protocol: string | null, min: number | null, max: number | null): void {
  if (min === null && max === null) return;
  if (protocol === null) throw new QdhcpError('SECURITY_GROUP_PROTOCOL_REQUIRED_WITH_PORTS');
  const number = protocolNumber(protocol);
  if (number !== undefined && PORT_PROTOCOL_NUMBERS.has(number)) {
    if (min === 0 || max === 0) throw new QdhcpError('SECURITY_GROUP_INVALID_PORT_VALUE', { port: 0 });
    if (min === null || max === null || min > max) throw new QdhcpError('SECURITY_GROUP_INVALID_PORT_RANGE');
    return;
  }
  if (number === 1 || number === 58) {
    for (const [attr, field, value] of [
      ['port_range_min', 'type', min],
      ['port_range_max', 'code', max],
    ] as const) {
      if (value !== null && (value < 0 || value > 255))
        throw new QdhcpError('SECURITY_GROUP_INVALID_ICMP_VALUE', { field, attr, value });
    }
    if (min === null && max !== null)
      throw new QdhcpError('SECURITY_GROUP_MISSING_ICMP_TYPE', { value: max });
    return;
  }
  throw new QdhcpError('SECURITY_GROUP_INVALID_PROTOCOL_FOR_PORT', {
    protocol: String(number),
    valid_port_protocols: PORT_PROTOCOL_NAMES.map((n) => n.toUpperCase()).join(', '),
  });
}

/**
 * `_rule_to_key`: what makes two rules the same — the protocol compared by its number (`tcp` = `6`), `0.0.0.0/0` and `::/0` the same as no prefix.
 */
export function ruleKey(rule: RuleFields): string {
  const none = '+';
  const prefix =
    rule.remoteIpPrefix === null || rule.remoteIpPrefix === '0.0.0.0/0' || rule.remoteIpPrefix === '::/0'
      ? none
      : rule.remoteIpPrefix;
  const protocol = rule.protocol === null ? none : String(protocolNumber(rule.protocol));
  return [
    rule.direction,
    rule.ethertype,
    rule.portRangeMax ?? none,
    rule.portRangeMin ?? none,
    protocol,
    rule.remoteGroupId ?? none,
    prefix,
    rule.securityGroupId,
  ].join('_');
}
