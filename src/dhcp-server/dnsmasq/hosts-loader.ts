import { type HostTable, HostTableBuilder } from '../host-table.js';
import { hexValue } from '../mac-numbers.js';
import { type HostsFileError, parseHostLine, tallyHostLine } from './hosts-file.js';

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
 * Parses a `--dhcp-hostsfile` into a {@link HostTableBuilder}, fed in chunks: {@link scanLines} consumes every
 * complete line of a chunk and says where the incomplete tail starts, so a file can be streamed through a
 * small buffer (no copy of the whole file in memory). Bad lines are reported with their number and skipped;
 * IPv6 and address-less lines are counted.
 */
export class HostsScanner {
  private line = 0;
  readonly errors: HostsFileError[] = [];
  skippedIpv6 = 0;
  skippedNoAddress = 0;
  contentLines = 0;

  constructor(private readonly builder: HostTableBuilder) {}

  /** Consumes complete lines of `bytes` (all of it when `final`); returns the offset of the unconsumed tail. */
  scanLines(bytes: Uint8Array, final: boolean): number {
    let position = 0;
    while (position < bytes.length) {
      let end = bytes.indexOf(10, position);
      if (end === -1) {
        if (!final) return position;
        end = bytes.length;
      }
      const next = end + 1;
      this.line++;
      let start = position;
      position = next;
      while (start < end && (bytes[start] === 32 || bytes[start] === 9)) start++;
      while (end > start && (bytes[end - 1] === 13 || bytes[end - 1] === 32 || bytes[end - 1] === 9)) end--;
      if (end === start || bytes[start] === 35) continue;
      this.contentLines++;
      if (!addSimpleLine(bytes, start, end, this.line, this.builder)) this.addGeneral(bytes, start, end);
    }
    return bytes.length;
  }

  private addGeneral(bytes: Uint8Array, start: number, end: number): void {
    const text = LATIN1.decode(bytes.subarray(start, end));
    const entry = tallyHostLine(parseHostLine(text, this.line), this.line, text, this);
    if (entry !== undefined) this.builder.addEntry(entry);
  }

  /** Freezes the table and returns it with the report. */
  finish(): LoadedHosts {
    return {
      table: this.builder.finish(),
      errors: this.errors,
      skippedIpv6: this.skippedIpv6,
      skippedNoAddress: this.skippedNoAddress,
      contentLines: this.contentLines,
    };
  }
}

/** Sizes the builder from the file size: Neutron lines are 50–110 bytes, of which ~15 are the short name. */
export function builderForSize(byteLength: number): HostTableBuilder {
  return new HostTableBuilder(Math.ceil(byteLength / 48), Math.ceil(byteLength / 3.5));
}

/** Loads a whole hosts file held in memory (tests, small files).
 * @internal the synchronous form of the loader, for tests.
 */
export function loadHostsSync(bytes: Uint8Array): LoadedHosts {
  const scanner = new HostsScanner(builderForSize(bytes.length));
  scanner.scanLines(bytes, true);
  return scanner.finish();
}
