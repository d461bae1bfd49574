/**
 * IPv4 address arithmetic on unsigned 32-bit numbers. The engine keeps addresses as numbers on the hot
 * path (comparisons and subnet checks are one AND) and converts to dotted text only at the edges.
 */
import { QdhcpError } from '../common/errors.js';

/** A dotted-quad IPv4 address as text (`10.77.0.1`). */
export type Ipv4Text = string;

/** Thrown when text is not a dotted-quad IPv4 address or a mask is not contiguous (`IPV4_ADDRESS_INVALID`). */
export class Ipv4FormatError extends QdhcpError {
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super('IPV4_ADDRESS_INVALID', { reason, input: JSON.stringify(input) });
    this.name = 'Ipv4FormatError';
  }
}

/** Parses `a.b.c.d` into an unsigned 32-bit number, or returns undefined when it is not one. */
export function tryParseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (part.length === 0 || part.length > 3) return undefined;
    let octet = 0;
    for (let i = 0; i < part.length; i++) {
      const digit = part.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) return undefined;
      octet = octet * 10 + digit;
    }
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** Parses `a.b.c.d` into an unsigned 32-bit number; throws {@link Ipv4FormatError}. */
export function parseIpv4(text: string): number {
  const value = tryParseIpv4(text);
  if (value === undefined) throw new Ipv4FormatError(text, 'not an IPv4 address');
  return value;
}

/** Formats an unsigned 32-bit number as dotted-quad text. */
export function formatIpv4(value: number): Ipv4Text {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** Reads 4 bytes at `offset` as an unsigned 32-bit address (network order). */
export function ipv4FromBytes(bytes: Uint8Array, offset = 0): number {
  return (
    ((bytes[offset] ?? 0) * 0x1000000 +
      ((bytes[offset + 1] ?? 0) << 16) +
      ((bytes[offset + 2] ?? 0) << 8) +
      (bytes[offset + 3] ?? 0)) >>>
    0
  );
}

/** Writes an address as 4 network-order bytes. */
export function ipv4ToBytes(value: number): Uint8Array {
  return Uint8Array.of(value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255);
}

/** Netmask (as a number) for a prefix length 0..32. */
export function prefixToMask(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

/** Prefix length of a contiguous netmask, or undefined when the mask has holes. */
export function maskToPrefix(mask: number): number | undefined {
  for (let length = 0; length <= 32; length++) if (prefixToMask(length) === mask >>> 0) return length;
  return undefined;
}

/** True when `address` lies in `network`/`mask`. */
export function inSubnet(address: number, network: number, mask: number): boolean {
  return (address & mask) >>> 0 === (network & mask) >>> 0;
}
