/**
 * IP address text ⇄ value. Values are `bigint` for both families so that IPv6 arithmetic is exact.
 *
 * Parsing is strict in the way Neutron's `validate_ip_address` is strict (neutron_lib/api/validators):
 * IPv4 must be four dotted decimal parts, and parts with leading zeros are refused with Neutron's
 * "is recommended" message. IPv6 follows RFC 4291 §2.2 text forms (including a trailing dotted IPv4).
 *
 * @module
 */

import { formatIpv4 } from '../common/ipv4.js';
import { invalidAttribute, ok, type ParseResult } from './result.js';

/** IP family. */
export type IpVersion = 4 | 6;

/** A parsed address: family and numeric value. */
export interface IpAddress {
  readonly version: IpVersion;
  readonly value: bigint;
}

/** Number of bits in an address of the family. */
export function addressBits(version: IpVersion): 32 | 128 {
  return version === 4 ? 32 : 128;
}

/** The largest address value of the family (all ones). */
export function maxAddress(version: IpVersion): bigint {
  return (1n << BigInt(addressBits(version))) - 1n;
}

const DECIMAL_PART = /^[0-9]+$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

type Ipv4Parse = { kind: 'ok'; value: bigint } | { kind: 'zero-padded'; canonical: string } | { kind: 'bad' };

function parseIpv4Parts(text: string): Ipv4Parse {
  const parts = text.split('.');
  if (parts.length !== 4) return { kind: 'bad' };
  let value = 0n;
  let padded = false;
  const numbers: number[] = [];
  for (const part of parts) {
    if (!DECIMAL_PART.test(part) || part.length > 12) return { kind: 'bad' };
    const n = Number.parseInt(part, 10);
    if (n > 255) return { kind: 'bad' };
    if (part.length > 1 && part.startsWith('0')) padded = true;
    numbers.push(n);
    value = (value << 8n) | BigInt(n);
  }
  return padded ? { kind: 'zero-padded', canonical: numbers.join('.') } : { kind: 'ok', value };
}

function parseIpv6(text: string): bigint | undefined {
  if (text.length > 45 || text.length < 2) return undefined;
  let head = text;
  let tailWords: number[] = [];
  // A trailing dotted IPv4 address stands for the last two 16-bit groups (RFC 4291 §2.2 form 3).
  const lastColon = text.lastIndexOf(':');
  const maybeV4 = text.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    const v4 = parseIpv4Parts(maybeV4);
    if (v4.kind !== 'ok') return undefined;
    tailWords = [Number(v4.value >> 16n), Number(v4.value & 0xffffn)];
    head = text.slice(0, lastColon + 1);
    // Keep a lone trailing ':' meaningful: 'x::' + v4 leaves 'x::', while 'x:' + v4 leaves 'x:'.
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const doubleAt = head.indexOf('::');
  if (doubleAt !== -1 && head.indexOf('::', doubleAt + 1) !== -1) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const groups = s.split(':');
    const words: number[] = [];
    for (const g of groups) {
      if (!HEX_GROUP.test(g)) return undefined;
      words.push(Number.parseInt(g, 16));
    }
    return words;
  };
  let words: number[];
  if (doubleAt === -1) {
    const all = parseGroups(head);
    if (all === undefined) return undefined;
    words = [...all, ...tailWords];
    if (words.length !== 8) return undefined;
  } else {
    const left = parseGroups(head.slice(0, doubleAt));
    const right = parseGroups(head.slice(doubleAt + 2));
    if (left === undefined || right === undefined) return undefined;
    const known = left.length + right.length + tailWords.length;
    // '::' stands for at least one group of zeros.
    if (known > 7) return undefined;
    words = [...left, ...new Array<number>(8 - known).fill(0), ...right, ...tailWords];
  }
  let value = 0n;
  for (const w of words) value = (value << 16n) | BigInt(w);
  return value;
}

/**
 * Parses an IPv4 or IPv6 address strictly.
 *
 * Failure messages are Neutron's validator reasons: `'<text>' is not a valid IP address`, or for IPv4
 * with zero-padded parts `'<text>' is not an accepted IP address, '<canonical>' is recommended`. Give
 * `attribute` (e.g. `fixed_ips`) to get the full `Invalid input for <attribute>. Reason: ….` message.
 *
 * @example parseIp('10.0.0.1') // { ok: true, value: { version: 4, value: 167772161n } }
 */
export function parseIp(text: string, attribute?: string): ParseResult<IpAddress> {
  if (typeof text === 'string') {
    if (text.includes(':')) {
      const v6 = parseIpv6(text);
      if (v6 !== undefined) return ok({ version: 6, value: v6 });
    } else {
      const v4 = parseIpv4Parts(text);
      if (v4.kind === 'ok') return ok({ version: 4, value: v4.value });
      if (v4.kind === 'zero-padded') {
        return invalidAttribute(
          attribute,
          `'${text}' is not an accepted IP address, '${v4.canonical}' is recommended`,
        );
      }
    }
  }
  return invalidAttribute(attribute, `'${String(text)}' is not a valid IP address`);
}

/**
 * Formats an address value as canonical text: dotted decimal for IPv4; for IPv6 the RFC 5952 §4 form
 * (lower case, no leading zeros, the longest run of two or more zero groups shortened to `::`, the first
 * such run on a tie) and RFC 5952 §5 mixed notation for IPv4-mapped addresses (`::ffff:192.0.2.1`).
 */
export function formatIp(version: IpVersion, value: bigint): string {
  if (version === 4) return formatIpv4(Number(value & 0xffffffffn));
  const v = value & maxAddress(6);
  if (v >> 32n === 0xffffn) return `::ffff:${formatIpv4(Number(v & 0xffffffffn))}`;
  const words: number[] = [];
  for (let i = 7; i >= 0; i--) words.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(':');
  if (bestLength < 2) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLength))}`;
}

/** Canonical text of a parsed address. */
export function formatAddress(address: IpAddress): string {
  return formatIp(address.version, address.value);
}

/** Parses and re-formats an address; `undefined` when it does not parse. Handy for comparing texts. */
export function canonicalIp(text: string): string | undefined {
  const parsed = parseIp(text);
  return parsed.ok ? formatAddress(parsed.value) : undefined;
}
