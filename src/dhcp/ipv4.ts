import type { Ipv4 } from './types.js';

/** Formats 4 bytes at `offset` as a dotted quad. The caller guarantees the bounds. */
export function formatIpv4(bytes: Uint8Array, offset: number): Ipv4 {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/**
 * Parses a strict dotted quad (four decimal octets 0..255, no leading `+`, no spaces, at most 3 digits each)
 * into a uint32, or returns `undefined` when the text is not one.
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

/** True when `text` is a strict dotted quad (see {@link parseIpv4}). */
export function isIpv4(text: string): boolean {
  return parseIpv4(text) !== undefined;
}

/** Writes the uint32 form of an address big-endian at `offset`. */
export function writeUint32(target: Uint8Array, offset: number, value: number): void {
  target[offset] = (value >>> 24) & 0xff;
  target[offset + 1] = (value >>> 16) & 0xff;
  target[offset + 2] = (value >>> 8) & 0xff;
  target[offset + 3] = value & 0xff;
}

/** Bytes `[start, end)` as latin1 text (one character per byte), without intermediate arrays. */
export function latin1Text(data: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(data[i]!);
  return text;
}
