/**
 * Domain Search list (option 119, RFC 3397): RFC 1035 §3.1 names, back-to-back, where the concatenated option
 * data may use RFC 1035 §4.1.4 compression pointers, relative to the start of that data (RFC 3397 §2).
 */
import { DhcpEncodeError } from './errors.js';
import { latin1Text } from './latin1.js';
import type { OptionRead } from './types.js';

/** Longest name in wire form (RFC 1035 §2.3.4). */
const MAX_NAME_WIRE_LENGTH = 255;
const MAX_LABEL_LENGTH = 63;

/**
 * Decodes a domain list. Pointers must point strictly backwards, which rules out loops; names are returned
 * without the trailing dot, with label bytes as latin1.
 */
export function decodeDomainList(data: Uint8Array): OptionRead<readonly string[]> {
  const names: string[] = [];
  let position = 0;
  while (position < data.length) {
    const read = readName(data, position);
    if (typeof read === 'string') return { status: 'malformed', reason: read };
    names.push(read.name);
    position = read.next;
  }
  return { status: 'ok', value: names };
}

function readName(data: Uint8Array, start: number): { name: string; next: number } | string {
  const labels: string[] = [];
  let position = start;
  let next = -1; // where the list continues after this name (set at the first pointer)
  let wireLength = 1;
  let floor = start; // a pointer must go below every position visited so far
  for (;;) {
    const length = data[position];
    if (length === undefined) return `name at byte ${start} runs past the end of the option`;
    if (length === 0) {
      if (next === -1) next = position + 1;
      return { name: labels.join('.'), next };
    }
    if ((length & 0xc0) === 0xc0) {
      const low = data[position + 1];
      if (low === undefined) return `truncated compression pointer at byte ${position}`;
      const target = ((length & 0x3f) << 8) | low;
      if (target >= floor) return `compression pointer at byte ${position} does not point backwards`;
      if (next === -1) next = position + 2;
      floor = target;
      position = target;
      continue;
    }
    if (length > MAX_LABEL_LENGTH) return `bad label length ${length} at byte ${position}`;
    if (position + 1 + length > data.length)
      return `label at byte ${position} runs past the end of the option`;
    wireLength += length + 1;
    if (wireLength > MAX_NAME_WIRE_LENGTH) return `name at byte ${start} is longer than 255 bytes`;
    labels.push(latin1Text(data, position + 1, position + 1 + length));
    position += 1 + length;
  }
}

/**
 * Encodes names in RFC 1035 form with suffix compression against earlier names, as dnsmasq does.
 * `'.'` or `''` is the root (a single zero byte). A trailing dot is ignored.
 *
 * @throws {DhcpEncodeError} for empty labels, labels over 63 bytes, names over 255 bytes, non-latin1 text.
 */
export function encodeDomainList(names: readonly string[]): Uint8Array {
  const out: number[] = [];
  const suffixOffsets = new Map<string, number>();
  for (const raw of names) {
    const name = raw.endsWith('.') ? raw.slice(0, -1) : raw;
    const labels = name === '' ? [] : name.split('.');
    let wireLength = 1;
    for (const label of labels) {
      if (label.length === 0) throw new DhcpEncodeError(`domain '${raw}' has an empty label`);
      if (label.length > MAX_LABEL_LENGTH)
        throw new DhcpEncodeError(`domain '${raw}' has a label over 63 bytes`);
      wireLength += label.length + 1;
    }
    if (wireLength > MAX_NAME_WIRE_LENGTH) throw new DhcpEncodeError(`domain '${raw}' is over 255 bytes`);
    let compressed = false;
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const earlier = suffixOffsets.get(suffix);
      if (earlier !== undefined) {
        out.push(0xc0 | (earlier >> 8), earlier & 0xff);
        compressed = true;
        break;
      }
      // Pointers hold 14 bits; later names can only point at offsets below 0x4000.
      if (out.length < 0x4000) suffixOffsets.set(suffix, out.length);
      const label = labels[i]!;
      out.push(label.length);
      for (let j = 0; j < label.length; j++) {
        const c = label.charCodeAt(j);
        if (c > 0xff) throw new DhcpEncodeError(`domain '${raw}' is not latin1`);
        out.push(c);
      }
    }
    if (!compressed) out.push(0);
  }
  return Uint8Array.from(out);
}
