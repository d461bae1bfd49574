/**
 * MAC addresses: parsing/normalising requested MACs (spec 1.5) and generating random ones from
 * `base_mac` (spec 3.7; neutron_lib/utils/net.py `get_random_mac`).
 *
 * @module
 */

import { QdhcpError } from '../common/errors.js';
import { invalidAttribute, ok, type ParseResult } from './result.js';

/** Neutron `INVALID_MAC_ADDRESSES`: refused even though they are well-formed. */
const REFUSED_MACS: readonly string[] = ['00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff'];

/** The textual forms netaddr's EUI-48 parser accepts (and therefore Neutron's API). */
const MAC_FORMATS: readonly { readonly pattern: RegExp; readonly groupDigits: number }[] = [
  { pattern: /^([0-9a-f]{1,2})(?::([0-9a-f]{1,2})){5}$/i, groupDigits: 2 },
  { pattern: /^([0-9a-f]{1,2})(?:-([0-9a-f]{1,2})){5}$/i, groupDigits: 2 },
  { pattern: /^([0-9a-f]{1,4})(?::([0-9a-f]{1,4})){2}$/i, groupDigits: 4 },
  { pattern: /^([0-9a-f]{1,4})(?:-([0-9a-f]{1,4})){2}$/i, groupDigits: 4 },
  { pattern: /^([0-9a-f]{1,4})(?:\.([0-9a-f]{1,4})){2}$/i, groupDigits: 4 },
  { pattern: /^([0-9a-f]{5,6})-([0-9a-f]{5,6})$/i, groupDigits: 6 },
  { pattern: /^([0-9a-f]{5,6}):([0-9a-f]{5,6})$/i, groupDigits: 6 },
  { pattern: /^[0-9a-f]{11,12}$/i, groupDigits: 12 },
];

/** Six octets as lower-case colon form `aa:bb:cc:dd:ee:ff`. */
export function formatMac(octets: ArrayLike<number>): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push(((octets[i] ?? 0) & 255).toString(16).padStart(2, '0'));
  return parts.join(':');
}

function macToOctets(text: string): number[] | undefined {
  for (const { pattern, groupDigits } of MAC_FORMATS) {
    if (!pattern.test(text)) continue;
    const groups = groupDigits === 12 ? [text] : text.split(/[:.-]/);
    const hex = groups.map((g) => g.padStart(groupDigits, '0')).join('');
    const octets: number[] = [];
    for (let i = 0; i < 12; i += 2) octets.push(Number.parseInt(hex.slice(i, i + 2), 16));
    return octets;
  }
  return undefined;
}

/**
 * Parses a MAC the way Neutron's `mac_address` attribute does: any netaddr EUI-48 form
 * (`aa:bb:cc:dd:ee:ff`, `AA-BB-…`, `aabb.ccdd.eeff`, `aabbccddeeff`, …) normalised to lower-case colon
 * form; `00:00:00:00:00:00` and `ff:ff:ff:ff:ff:ff` are refused. Neutron accepts other multicast MACs;
 * pass `rejectMulticast` to refuse them too (e.g. for `base_mac`).
 *
 * Failure reason: `'<text>' is not a valid MAC address` (full `Invalid input for <attribute>…` message
 * when `attribute` is given).
 */
export function parseMac(
  text: string,
  opts: { readonly attribute?: string; readonly rejectMulticast?: boolean } = {},
): ParseResult<string> {
  const octets = typeof text === 'string' ? macToOctets(text) : undefined;
  const normalised = octets === undefined ? undefined : formatMac(octets);
  const multicast = octets !== undefined && (octets[0]! & 1) === 1;
  if (
    normalised === undefined ||
    REFUSED_MACS.includes(normalised) ||
    (opts.rejectMulticast === true && multicast)
  ) {
    return invalidAttribute(opts.attribute, `'${String(text)}' is not a valid MAC address`);
  }
  return ok(normalised);
}

/** Octets of an already-valid MAC; throws `IPAM_USAGE` otherwise. */
export function macOctets(mac: string): number[] {
  const octets = macToOctets(mac);
  if (octets === undefined) throw new QdhcpError('IPAM_USAGE', { reason: `not a MAC address: ${mac}` });
  return octets;
}

/** Source of random bytes, e.g. `(n) => crypto.randomBytes(n)`; tests pass a seeded one. */
export type RandomBytes = (n: number) => Uint8Array;

/**
 * A random MAC from `base_mac` (spec 3.7): the first three octets come from the base; the fourth too if
 * the base's fourth octet is not `00`; the rest are random. Lower-case colon form. The base must be a
 * valid unicast MAC (check configuration with `parseMac(base, { rejectMulticast: true })`); otherwise
 * `IPAM_USAGE` is thrown. In the (2⁻²⁴-rare) case the draw gives a refused MAC, it draws again.
 *
 * @example generateMac('fa:16:3e:00:00:00', randomBytes) // 'fa:16:3e:5c:07:a1'
 */
export function generateMac(baseMac: string, randomBytes: RandomBytes): string {
  const base = parseMac(baseMac, { rejectMulticast: true });
  if (!base.ok)
    throw new QdhcpError('IPAM_USAGE', { reason: `base_mac ${baseMac} is not a valid unicast MAC address` });
  const baseOctets = macOctets(base.value);
  const fixed = baseOctets[3] === 0 ? 3 : 4;
  for (let attempt = 0; attempt < 16; attempt++) {
    const random = randomBytes(6 - fixed);
    const octets = [...baseOctets.slice(0, fixed), ...Array.from(random).slice(0, 6 - fixed)];
    if (octets.length !== 6)
      throw new QdhcpError('IPAM_USAGE', { reason: 'randomBytes returned too few bytes' });
    const mac = formatMac(octets);
    if (!REFUSED_MACS.includes(mac)) return mac;
  }
  throw new QdhcpError('IPAM_USAGE', { reason: 'randomBytes keeps returning refused MACs' });
}
