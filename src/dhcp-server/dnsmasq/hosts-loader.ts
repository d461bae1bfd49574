import { type HostTable, HostTableBuilder, hexValue } from '../host-table.js';
import { type HostsFileError, parseHostLine } from './hosts-file.js';

/** A hosts file loaded straight into a table, with what was skipped and why. */
export interface LoadedHosts {
  readonly table: HostTable;
  readonly errors: readonly HostsFileError[];
  readonly skippedIpv6: number;
  readonly skippedNoAddress: number;
  /** Lines that were neither blank nor comments. */
  readonly contentLines: number;
}

const LATIN1 = new TextDecoder('latin1');

function isNameByte(byte: number): boolean {
  return (
    (byte >= 97 && byte <= 122) ||
    (byte >= 65 && byte <= 90) ||
    (byte >= 48 && byte <= 57) ||
    byte === 45 ||
    byte === 46 ||
    byte === 95
  );
}

/**
 * The fast path for the line Neutron writes for almost every port, `fa:16:3e:b2:03:74,host-…,10.60.0.50`:
 * parsed from bytes into the table with no string or object made. Returns false for any other shape,
 * which then goes through the general parser.
 */
function addSimpleLine(
  bytes: Uint8Array,
  start: number,
  end: number,
  line: number,
  builder: HostTableBuilder,
): boolean {
  if (end - start < 27 || bytes[start + 17] !== 44) return false;
  let high = 0;
  let low = 0;
  for (let i = 0; i < 6; i++) {
    const at = start + i * 3;
    const a = hexValue(bytes[at] ?? 0);
    const b = hexValue(bytes[at + 1] ?? 0);
    if (a < 0 || b < 0 || (i < 5 && bytes[at + 2] !== 58)) return false;
    if (i < 2) high = (high << 8) | (a * 16 + b);
    else low = low * 256 + (a * 16 + b);
  }
  const nameStart = start + 18;
  const first = (bytes[nameStart] ?? 0) | 32;
  if (first < 97 || first > 122) return false; // names starting with a digit may be lease times: general path
  let nameEnd = nameStart;
  while (nameEnd < end && bytes[nameEnd] !== 44) {
    if (!isNameByte(bytes[nameEnd] ?? 0)) return false;
    nameEnd++;
  }
  if (nameEnd === end || nameEnd - nameStart > 255) return false;
  let ip = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = nameEnd + 1; i < end; i++) {
    const byte = bytes[i] ?? 0;
    if (byte === 46) {
      if (digits === 0 || octet > 255) return false;
      ip = ip * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (byte >= 48 && byte <= 57 && digits < 3) {
      octet = octet * 10 + (byte - 48);
      digits++;
    } else {
      return false;
    }
  }
  if (dots !== 3 || digits === 0 || octet > 255) return false;
  builder.addSimple(high, low, ip * 256 + octet, bytes, nameStart, nameEnd, line);
  return true;
}

/**
 * Parses a `--dhcp-hostsfile` from its bytes into a {@link HostTable}, yielding every `sliceLines` lines
 * (the generator form lets the async loader keep answering packets meanwhile). Bad lines are reported
 * with their number and skipped; IPv6 and address-less lines are counted.
 */
function* scanHosts(
  bytes: Uint8Array,
  builder: HostTableBuilder,
  result: { errors: HostsFileError[]; skippedIpv6: number; skippedNoAddress: number; contentLines: number },
  sliceLines: number,
): Generator<void, void, void> {
  let position = 0;
  let line = 0;
  while (position < bytes.length) {
    let end = bytes.indexOf(10, position);
    if (end === -1) end = bytes.length;
    const next = end + 1;
    line++;
    let start = position;
    while (start < end && (bytes[start] === 32 || bytes[start] === 9)) start++;
    while (end > start && (bytes[end - 1] === 13 || bytes[end - 1] === 32 || bytes[end - 1] === 9)) end--;
    position = next;
    if (line % sliceLines === 0) yield;
    if (end === start || bytes[start] === 35) continue;
    result.contentLines++;
    if (addSimpleLine(bytes, start, end, line, builder)) continue;
    const text = LATIN1.decode(bytes.subarray(start, end));
    const parsed = parseHostLine(text, line);
    switch (parsed.kind) {
      case 'entry':
        builder.addEntry(parsed.entry);
        break;
      case 'ipv6':
        result.skippedIpv6++;
        break;
      case 'no-address':
        result.skippedNoAddress++;
        break;
      case 'error':
        result.errors.push({ line, reason: parsed.reason, text: text.slice(0, 200) });
        break;
    }
  }
}

function newResult() {
  return { errors: [] as HostsFileError[], skippedIpv6: 0, skippedNoAddress: 0, contentLines: 0 };
}

/** Loads a hosts file's bytes into a table in one go (tests, small files). */
/** Sizes the builder from the file: Neutron lines are 50–110 bytes, of which ~15 are the short name. */
function builderFor(bytes: Uint8Array): HostTableBuilder {
  return new HostTableBuilder(Math.ceil(bytes.length / 48), Math.ceil(bytes.length / 3.5));
}

export function loadHostsSync(bytes: Uint8Array): LoadedHosts {
  const builder = builderFor(bytes);
  const result = newResult();
  for (const _ of scanHosts(bytes, builder, result, 1 << 30)) {
    // no slicing
  }
  return { ...result, table: builder.finish() };
}

/** Loads a hosts file's bytes into a table, yielding to the event loop every `sliceLines` lines. */
export async function loadHosts(
  bytes: Uint8Array,
  yieldToEventLoop: () => Promise<void>,
  sliceLines = 8000,
): Promise<LoadedHosts> {
  const builder = builderFor(bytes);
  const result = newResult();
  for (const _ of scanHosts(bytes, builder, result, sliceLines)) await yieldToEventLoop();
  return { ...result, table: builder.finish() };
}
