/**
 * MACs as two numbers (the high 16 and the low 32 bits): how the host tables key hosts without a string or
 * a tuple per packet (issue 17 item 3, docs/dhcp-engine.md).
 *
 * @module
 */

/** `fa:16:3e:00:00:05` → [high 16 bits, low 32 bits], or undefined when not a 6-byte colon MAC. */
export function macToNumbers(mac: string): [number, number] | undefined {
  return parseMacInto(mac) ? [parsedMac.high, parsedMac.low] : undefined;
}

/** Where {@link parseMacInto} leaves its result: the per-packet lookup makes no tuple (issue 17 item 3). */
export const parsedMac = { high: 0, low: 0 };

/** Parses a colon MAC into `parsedMac`; false when it is not one. */
export function parseMacInto(mac: string): boolean {
  if (mac.length !== 17) return false;
  let high = 0;
  let low = 0;
  for (let i = 0; i < 6; i++) {
    const a = hexValue(mac.charCodeAt(i * 3));
    const b = hexValue(mac.charCodeAt(i * 3 + 1));
    if (a < 0 || b < 0 || (i < 5 && mac.charCodeAt(i * 3 + 2) !== 58)) return false;
    if (i < 2) high = (high << 8) | (a * 16 + b);
    else low = low * 256 + (a * 16 + b);
  }
  parsedMac.high = high;
  parsedMac.low = low;
  return true;
}

/** A 6-byte chaddr into `parsedMac` (the request's bytes, no text on the way). */
export function readMacBytesInto(bytes: Uint8Array): void {
  parsedMac.high = ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0);
  parsedMac.low =
    (((bytes[2] ?? 0) << 24) | ((bytes[3] ?? 0) << 16) | ((bytes[4] ?? 0) << 8) | (bytes[5] ?? 0)) >>> 0;
}

/**
 * The 6 octets of a colon MAC written at `offset` (the inverse of {@link readMacBytesInto}); false, nothing
 * written, when the text is not one.
 */
export function writeMacBytes(mac: string, into: Uint8Array, offset: number): boolean {
  if (!parseMacInto(mac)) return false;
  const { high, low } = parsedMac;
  into[offset] = high >>> 8;
  into[offset + 1] = high & 0xff;
  into[offset + 2] = low >>> 24;
  into[offset + 3] = (low >>> 16) & 0xff;
  into[offset + 4] = (low >>> 8) & 0xff;
  into[offset + 5] = low & 0xff;
  return true;
}

/** Value of one hex digit character code, or -1. */
export function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 32;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/** The colon text of a MAC held as numbers. */
export function macText(high: number, low: number): string {
  const hex = (value: number) => value.toString(16).padStart(2, '0');
  return `${hex(high >>> 8)}:${hex(high & 255)}:${hex(low >>> 24)}:${hex((low >>> 16) & 255)}:${hex((low >>> 8) & 255)}:${hex(low & 255)}`;
}

/** Bucket of a MAC in an open-addressing table of `mask + 1` slots. */
export function hashMac(high: number, low: number, mask: number): number {
  return (Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b) >>> 15) & mask;
}
