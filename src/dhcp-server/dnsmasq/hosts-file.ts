import { parseIpv4 } from '../../common/ipv4.js';
import { clientIdFromText, type HostBinding, isHostName, isMac, normaliseHex } from '../host-binding.js';
import { type LeaseTime, parseLeaseTime } from '../lease-time.js';

/** A line that could not be used, with its 1-based number and why. */
export interface HostsFileError {
  readonly line: number;
  readonly reason: string;
  readonly text: string;
}

/** Result of parsing a hosts file: usable IPv4 entries, plus what was skipped and why. */
export interface ParsedHostsFile {
  readonly entries: readonly HostBinding[];
  readonly errors: readonly HostsFileError[];
  /** Lines for IPv6 (`[addr]`) that a DHCPv4 server does not use. */
  readonly skippedIpv6: number;
  /** Lines with no address at all (e.g. Neutron's DHCPv6-stateless `mac,set:port-x`). */
  readonly skippedNoAddress: number;
}

const NO_TAGS: readonly string[] = Object.freeze([]);

/** Digits and exactly three dots: an IPv4 address (possibly out of range, which is an error). */
function isDottedQuadShape(field: string): boolean {
  let dots = 0;
  for (let i = 0; i < field.length; i++) {
    const c = field.charCodeAt(i);
    if (c === 46) dots++;
    else if (c < 48 || c > 57) return false;
  }
  return dots === 3;
}

/** Cheap pre-check before the MAC regex: a MAC has a colon in its first three characters. */
function looksLikeMac(field: string): boolean {
  return (
    field.length >= 11 && field.length <= 17 && (field.charCodeAt(1) === 58 || field.charCodeAt(2) === 58)
  );
}

type LineResult =
  | { readonly kind: 'entry'; readonly entry: HostBinding }
  | { readonly kind: 'ipv6' }
  | { readonly kind: 'no-address' }
  | { readonly kind: 'error'; readonly reason: string };

/** Parses one non-empty, non-comment line (the `--dhcp-host` value syntax). */
export function parseHostLine(text: string, line: number): LineResult {
  const macs: string[] = [];
  let clientId: string | undefined;
  let ip: number | undefined;
  let name: string | undefined;
  let tags: string[] | undefined;
  let lease: LeaseTime | undefined;
  let ignore = false;
  let hasIpv6 = false;
  for (const rawField of text.split(',')) {
    const field = rawField.trim();
    if (field.length === 0) continue;
    const first = field.charCodeAt(0);
    if (looksLikeMac(field) && isMac(field)) {
      macs.push(normaliseHex(field));
    } else if (field.startsWith('id:')) {
      const value = field.slice(3);
      if (value.length === 0) return { kind: 'error', reason: 'empty client-id after id:' };
      clientId = value === '*' ? undefined : clientIdFromText(value);
    } else if (field.startsWith('set:') || field.startsWith('net:')) {
      const tag = field.slice(4);
      if (tag.length === 0) return { kind: 'error', reason: 'empty tag after set:' };
      tags ??= [];
      tags.push(tag);
    } else if (field.startsWith('tag:')) {
      // A condition tag (Neutron writes tag:dhcpv6 on IPv6 lines); IPv4 lines never carry one.
      if (field === 'tag:dhcpv6') hasIpv6 = true;
      else return { kind: 'error', reason: `condition tags on hosts are not supported: ${field}` };
    } else if (field.startsWith('[')) {
      hasIpv6 = true;
    } else if (field === 'ignore') {
      ignore = true;
    } else if (first >= 48 && first <= 57 && isDottedQuadShape(field)) {
      const value = parseIpv4(field);
      if (value === undefined) return { kind: 'error', reason: `bad IPv4 address ${field}` };
      if (ip !== undefined) return { kind: 'error', reason: 'more than one IPv4 address' };
      ip = value;
    } else if (field === 'infinite' || /^\d+[smhdw]?$/i.test(field)) {
      lease = parseLeaseTime(field);
    } else if (field.includes('*') && field.includes(':')) {
      return { kind: 'error', reason: `wildcard MAC addresses are not supported: ${field}` };
    } else if (isHostName(field)) {
      if (name !== undefined) return { kind: 'error', reason: `two names: ${name} and ${field}` };
      name = field;
    } else {
      return { kind: 'error', reason: `unrecognised field ${JSON.stringify(field)}` };
    }
  }
  if (hasIpv6) return { kind: 'ipv6' };
  if (macs.length === 0 && clientId === undefined && !ignore) {
    return { kind: 'error', reason: 'no MAC address or client-id' };
  }
  if (ip === undefined) {
    if (ignore && (macs.length > 0 || clientId !== undefined)) {
      return {
        kind: 'entry',
        entry: { macs, clientId, ip: 0, name, tags: tags ?? NO_TAGS, lease, ignore, line },
      };
    }
    return { kind: 'no-address' };
  }
  return { kind: 'entry', entry: { macs, clientId, ip, name, tags: tags ?? NO_TAGS, lease, ignore, line } };
}

/** Accumulates parsed lines; lets the caller parse a big file in slices (see {@link parseHostsFileAsync}). */
/** What a hosts-file reader counts besides its entries. */
export interface HostLineTally {
  readonly errors: HostsFileError[];
  skippedIpv6: number;
  skippedNoAddress: number;
}

/**
 * Counts a parsed line that is not a DHCPv4 entry (IPv6 line, no address, error with its line number) and
 * returns the entry otherwise: one rule for the line-by-line parser and the streaming loader.
 */
export function tallyHostLine(
  parsed: ReturnType<typeof parseHostLine>,
  lineNumber: number,
  text: string,
  tally: HostLineTally,
): HostBinding | undefined {
  switch (parsed.kind) {
    case 'entry':
      return parsed.entry;
    case 'ipv6':
      tally.skippedIpv6++;
      return undefined;
    case 'no-address':
      tally.skippedNoAddress++;
      return undefined;
    case 'error':
      tally.errors.push({ line: lineNumber, reason: parsed.reason, text: text.slice(0, 200) });
      return undefined;
  }
}

class HostsFileAccumulator {
  readonly entries: HostBinding[] = [];
  readonly errors: HostsFileError[] = [];
  skippedIpv6 = 0;
  skippedNoAddress = 0;

  add(rawLine: string, lineNumber: number): void {
    const text = rawLine.trim();
    if (text.length === 0 || text.startsWith('#')) return;
    const entry = tallyHostLine(parseHostLine(text, lineNumber), lineNumber, text, this);
    if (entry !== undefined) this.entries.push(entry);
  }

  result(): ParsedHostsFile {
    return {
      entries: this.entries,
      errors: this.errors,
      skippedIpv6: this.skippedIpv6,
      skippedNoAddress: this.skippedNoAddress,
    };
  }
}

/**
 * Parses a whole hosts file. Bad lines are reported with their line number and skipped; the rest is kept
 * (dnsmasq does the same), so one broken port never takes DHCP away from the others.
 * @internal the one-shot form of the streamed parser, for tests and fixtures.
 */
export function parseHostsFile(text: string): ParsedHostsFile {
  const accumulator = new HostsFileAccumulator();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) accumulator.add(lines[i] ?? '', i + 1);
  return accumulator.result();
}
