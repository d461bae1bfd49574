/**
 * THE IPv4 module of qdhcp (issue 11: one IPv4 module). Pure: the codec, the engine, serve, the agent, IPAM,
 * metadata, DNS and linux all use it.
 *
 * Addresses are unsigned 32-bit numbers in host order (`10.0.0.5` = 0x0a000005): a comparison is `===`,
 * a subnet check one AND, and nothing is allocated per packet. Dotted text exists only at the edges
 * (configuration files, logs, traces). IPAM's Neutron-worded validation (zero-padded octets get "is
 * recommended") stays in `ipam/address.ts`, built on these.
 *
 * @module
 */
import { QdhcpError } from './errors.js';

/** An IPv4 address as an unsigned 32-bit number; 0 for unset header fields (`0.0.0.0`). */
export type Ipv4 = number;

/** A dotted-quad IPv4 address as text (`10.77.0.1`). */
export type Ipv4Text = string;

/**
 * Parses a strict dotted quad (four decimal octets 0..255, no leading `+`, no spaces, at most 3 digits each)
 * into a uint32, or returns `undefined` when the text is not one.
 */
export function parseIpv4(text: string): Ipv4 | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      digits++;
      if (digits > 3 || octet > 255) return undefined;
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return undefined;
    }
  }
  if (digits === 0 || dots !== 3) return undefined;
  return value * 256 + octet;
}

/** Parses `a.b.c.d` into a uint32; throws `IPV4_ADDRESS_INVALID` when it is not one. */
export function requireIpv4(text: string): Ipv4 {
  const value = parseIpv4(text);
  if (value === undefined)
    throw new QdhcpError('IPV4_ADDRESS_INVALID', {
      reason: 'not an IPv4 address',
      input: JSON.stringify(text),
    });
  return value;
}

/** Formats a uint32 as dotted-quad text. */
export function formatIpv4(value: Ipv4): Ipv4Text {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** Reads 4 bytes at `offset` (network order) as a uint32; missing bytes read as 0. */
export function readIpv4(bytes: Uint8Array, offset = 0): Ipv4 {
  return (
    ((bytes[offset] ?? 0) * 0x1000000 +
      ((bytes[offset + 1] ?? 0) << 16) +
      ((bytes[offset + 2] ?? 0) << 8) +
      (bytes[offset + 3] ?? 0)) >>>
    0
  );
}

/** Writes a uint32 big-endian at `offset`. */
export function writeIpv4(target: Uint8Array, offset: number, value: Ipv4): void {
  target[offset] = (value >>> 24) & 0xff;
  target[offset + 1] = (value >>> 16) & 0xff;
  target[offset + 2] = (value >>> 8) & 0xff;
  target[offset + 3] = value & 0xff;
}

/** Netmask (as a number) for a prefix length 0..32. */
export function prefixToMask(prefixLength: number): Ipv4 {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

/** Prefix length of a contiguous netmask, or undefined when the mask has holes. */
export function maskToPrefix(mask: Ipv4): number | undefined {
  for (let length = 0; length <= 32; length++) if (prefixToMask(length) === mask >>> 0) return length;
  return undefined;
}

/** True when `address` lies in `network`/`mask`. */
export function inSubnet(address: Ipv4, network: Ipv4, mask: Ipv4): boolean {
  return (address & mask) >>> 0 === (network & mask) >>> 0;
}
