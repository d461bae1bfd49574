/**
 * CIDR blocks: parsing with Neutron's rules, containment, overlap, sizes.
 *
 * @module
 */

import { addressBits, formatIp, type IpVersion, maxAddress, parseIp } from './address.js';
import { invalidInput, ok, type ParseResult } from './result.js';

/** A network block. `network` has no host bits set; `text` is canonical (`10.0.0.0/24`, `2001:db8::/64`). */
export interface Cidr {
  readonly version: IpVersion;
  readonly network: bigint;
  readonly prefixLength: number;
  readonly text: string;
}

/** Options of {@link parseCidr}. */
export interface ParseCidrOptions {
  /** Refuse host bits (`10.0.0.5/24`) instead of clearing them. Default false (Neutron's subnet rule). */
  readonly strict?: boolean;
}

const PREFIX = /^[0-9]{1,3}$/;

/** Mask of the host bits of a prefix. */
export function hostMask(version: IpVersion, prefixLength: number): bigint {
  return (1n << BigInt(addressBits(version) - prefixLength)) - 1n;
}

/** Builds a Cidr from parts, clearing host bits. */
export function makeCidr(version: IpVersion, address: bigint, prefixLength: number): Cidr {
  const network = address & (maxAddress(version) ^ hostMask(version, prefixLength));
  return { version, network, prefixLength, text: `${formatIp(version, network)}/${prefixLength}` };
}

/**
 * Parses `address/prefix` the way Neutron's subnet `cidr` attribute does
 * (`convert_cidr_to_canonical_format` + `validate_subnet`): a `/` is required; for IPv4 the text must be
 * the canonical dotted quad (so `10.0.0/24` and zero-padded parts are refused); IPv6 takes any RFC 4291
 * form and comes back compressed. Host bits are cleared (Neutron clears them on create) unless `strict`.
 *
 * Failure: 400 InvalidInput `Invalid input for operation: <text> is not in a CIDR format.`
 *
 * @example parseCidr('10.0.0.5/24') // ok, text '10.0.0.0/24'
 */
export function parseCidr(text: string, opts: ParseCidrOptions = {}): ParseResult<Cidr> {
  const notCidr = invalidInput(`${String(text)} is not in a CIDR format`);
  if (typeof text !== 'string') return notCidr;
  const slash = text.indexOf('/');
  if (slash === -1 || text.indexOf('/', slash + 1) !== -1) return notCidr;
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!PREFIX.test(prefixText)) return notCidr;
  const address = parseIp(addressText);
  if (!address.ok) return notCidr;
  const { version, value } = address.value;
  const prefixLength = Number.parseInt(prefixText, 10);
  if (prefixLength > addressBits(version)) return notCidr;
  // Neutron's IPv4 round-trip rule: 'a.b.c.d/n' exactly as netaddr would print it.
  if (version === 4 && text !== `${formatIp(4, value)}/${prefixLength}`) return notCidr;
  const cidr = makeCidr(version, value, prefixLength);
  if (opts.strict === true && cidr.network !== value) {
    return invalidInput(`'${text}' is not a recognized CIDR, '${cidr.text}' is recommended`);
  }
  return ok(cidr);
}

/** Last address of the block (the IPv4 broadcast address for prefixes up to /30). */
export function cidrLast(cidr: Cidr): bigint {
  return cidr.network | hostMask(cidr.version, cidr.prefixLength);
}

/** Whether an address value of the same family lies inside the block. */
export function cidrContains(cidr: Cidr, ip: bigint): boolean {
  return ip >= cidr.network && ip <= cidrLast(cidr);
}

/** Whether two blocks share any address (always false across families). */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.version !== b.version) return false;
  return a.network <= cidrLast(b) && b.network <= cidrLast(a);
}

/** Number of addresses in the block. */
export function cidrSize(c: Cidr): bigint {
  return 1n << BigInt(addressBits(c.version) - c.prefixLength);
}

/**
 * The IPv4 broadcast address; `undefined` for IPv6 (no broadcast) and for IPv4 /31 (RFC 3021) and /32,
 * matching netaddr's `IPNetwork.broadcast` which Neutron uses.
 */
export function broadcastAddress(cidr: Cidr): bigint | undefined {
  if (cidr.version === 6 || cidr.prefixLength >= 31) return undefined;
  return cidrLast(cidr);
}
