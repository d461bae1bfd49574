/**
 * IPv4 addresses as unsigned 32-bit numbers ⇄ dotted-quad text, and netmasks: the one home of this
 * arithmetic outside the DHCP stack (which keeps its own byte-level helpers in `dhcp/ipv4.ts`, same rules).
 * Pure, so the pure modules (`ipam/`, `metadata/`) may use it. IPAM's Neutron-worded validation
 * (zero-padded octets get "is recommended") stays in `ipam/address.ts`, built on these.
 *
 * @module
 */

/**
 * Parses a strict dotted quad (four decimal octets 0..255, at most 3 digits each, nothing else) into an
 * unsigned 32-bit number, or returns `undefined` when the text is not one.
 */
export function parseIpv4(text: string): number | undefined {
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

/** Formats an unsigned 32-bit number as dotted-quad text. */
export function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** The netmask of a prefix length 0..32, as a number (`24` → `0xffffff00`). */
export function prefixToMask(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

/** The prefix length of a contiguous netmask, or undefined when the mask has holes. */
export function maskToPrefix(mask: number): number | undefined {
  const inverted = ~mask >>> 0;
  // A contiguous mask inverted is 2^k - 1: adding one leaves a single bit.
  if ((inverted & (inverted + 1)) !== 0) return undefined;
  return 32 - Math.log2(inverted + 1);
}
