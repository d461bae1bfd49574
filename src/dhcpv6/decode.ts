import { decodeNames } from './domain-names.js';
import { decodeDuid } from './duid.js';
import { Dhcpv6DecodeError } from './errors.js';
import { messageTypeName } from './message-types.js';
import { optionTypeOf } from './option-table.js';
import type { Dhcpv6Message, Dhcpv6Option } from './types.js';
import { readAddress, readU16, readU32 } from './wire.js';

/**
 * Nesting bound: relays (RFC 8415 §7.6 HOP_COUNT_LIMIT is 8, each adds one level) and options inside
 * options (IA_NA → IA Address → Status Code). Without it a 64 KiB packet of nested headers would exhaust
 * the stack, which is a crash, not a decode error.
 */
export const MAX_NESTING = 16;

const RELAY_HEADER = 34;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes one DHCPv6 message (the UDP payload), RFC 8415 §8 (client/server) and §9 (relay).
 *
 * - Options are kept in wire order with repeats, so encoding gives the same bytes back.
 * - Options RFC 8415 / RFC 3646 / RFC 6939 define are checked and typed (`types.ts`); any other code is
 *   kept as opaque bytes. A known option whose value is malformed (a DNS server list not a multiple of 16,
 *   a compressed domain name, a status message that is not UTF-8) fails the whole message, like Kea.
 * - The Relay Message option (9) is decoded as a nested message, to {@link MAX_NESTING} levels.
 *
 * The returned message references a private copy of `bytes`.
 *
 * @throws {Dhcpv6DecodeError} with the byte offset (in `bytes`) and a reason; never anything else.
 * @example
 * const message = decodeMessage(udpPayload);
 * if (message.kind === 'client-server' && message.type === 'SOLICIT') …
 */
export function decodeMessage(bytes: Uint8Array): Dhcpv6Message {
  const data = new Uint8Array(bytes);
  return decodeAt(data, 0, data.length, 0);
}

function decodeAt(data: Uint8Array, start: number, end: number, depth: number): Dhcpv6Message {
  if (depth > MAX_NESTING) throw new Dhcpv6DecodeError(start, `nested deeper than ${MAX_NESTING} levels`);
  if (end - start < 4) throw new Dhcpv6DecodeError(start, `message of ${end - start} bytes, need at least 4`);
  const typeCode = data[start]!;
  const type = messageTypeName(typeCode);
  if (type === undefined) throw new Dhcpv6DecodeError(start, `unknown message type ${typeCode}`);
  if (type === 'RELAY-FORW' || type === 'RELAY-REPL') {
    if (end - start < RELAY_HEADER) {
      throw new Dhcpv6DecodeError(
        start,
        `relay message of ${end - start} bytes, need at least ${RELAY_HEADER}`,
      );
    }
    return {
      kind: 'relay',
      type,
      hopCount: data[start + 1]!,
      linkAddress: readAddress(data, start + 2),
      peerAddress: readAddress(data, start + 18),
      options: decodeOptions(data, start + RELAY_HEADER, end, depth),
    };
  }
  return {
    kind: 'client-server',
    type,
    transactionId: (data[start + 1]! << 16) | (data[start + 2]! << 8) | data[start + 3]!,
    options: decodeOptions(data, start + 4, end, depth),
  };
}

/** The options filling `data[start, end)`. */
export function decodeOptions(data: Uint8Array, start: number, end: number, depth: number): Dhcpv6Option[] {
  if (depth > MAX_NESTING) throw new Dhcpv6DecodeError(start, `nested deeper than ${MAX_NESTING} levels`);
  const options: Dhcpv6Option[] = [];
  let position = start;
  while (position < end) {
    if (end - position < 4) {
      throw new Dhcpv6DecodeError(position, `${end - position} bytes left, an option header needs 4`);
    }
    const code = readU16(data, position);
    const length = readU16(data, position + 2);
    const valueStart = position + 4;
    const valueEnd = valueStart + length;
    if (valueEnd > end) {
      throw new Dhcpv6DecodeError(
        position,
        `option ${code} length ${length} overruns by ${valueEnd - end} bytes`,
      );
    }
    options.push(decodeOption(data, code, position, valueStart, valueEnd, depth));
    position = valueEnd;
  }
  return options;
}

function decodeOption(
  data: Uint8Array,
  code: number,
  at: number,
  start: number,
  end: number,
  depth: number,
): Dhcpv6Option {
  const type = optionTypeOf(code);
  const length = end - start;
  const exactly = (n: number) => {
    if (length !== n)
      throw new Dhcpv6DecodeError(at, `option ${code} (${type}) must be ${n} bytes, got ${length}`);
  };
  const atLeast = (n: number) => {
    if (length < n)
      throw new Dhcpv6DecodeError(at, `option ${code} (${type}) needs ${n} bytes, got ${length}`);
  };
  const multipleOf = (n: number) => {
    if (length % n !== 0) {
      throw new Dhcpv6DecodeError(at, `option ${code} (${type}) length ${length} is not a multiple of ${n}`);
    }
  };
  const inner = (from: number) => decodeOptions(data, from, end, depth + 1);
  switch (type) {
    case undefined:
      return { type: 'unknown', code, data: data.subarray(start, end) };
    case 'client-id':
    case 'server-id':
      return { type, duid: decodeDuid(data, start, end) };
    case 'ia-na':
    case 'ia-pd':
      atLeast(12);
      return {
        type,
        iaid: readU32(data, start),
        t1: readU32(data, start + 4),
        t2: readU32(data, start + 8),
        options: inner(start + 12),
      };
    case 'ia-ta':
      atLeast(4);
      return { type, iaid: readU32(data, start), options: inner(start + 4) };
    case 'ia-addr':
      atLeast(24);
      return {
        type,
        address: readAddress(data, start),
        preferredLifetime: readU32(data, start + 16),
        validLifetime: readU32(data, start + 20),
        options: inner(start + 24),
      };
    case 'ia-prefix':
      atLeast(25);
      return {
        type,
        preferredLifetime: readU32(data, start),
        validLifetime: readU32(data, start + 4),
        prefixLength: data[start + 8]!,
        prefix: readAddress(data, start + 9),
        options: inner(start + 25),
      };
    case 'oro': {
      multipleOf(2);
      const requested: number[] = [];
      for (let i = start; i < end; i += 2) requested.push(readU16(data, i));
      return { type, requested };
    }
    case 'preference':
      exactly(1);
      return { type, preference: data[start]! };
    case 'elapsed-time':
      exactly(2);
      return { type, centiseconds: readU16(data, start) };
    case 'relay-message':
      return { type, message: decodeAt(data, start, end, depth + 1) };
    case 'status-code': {
      atLeast(2);
      let message: string;
      try {
        message = UTF8.decode(data.subarray(start + 2, end));
      } catch {
        throw new Dhcpv6DecodeError(at, 'status message is not UTF-8');
      }
      return { type, status: readU16(data, start), message };
    }
    case 'rapid-commit':
      exactly(0);
      return { type };
    case 'dns-server': {
      multipleOf(16);
      const servers: bigint[] = [];
      for (let i = start; i < end; i += 16) servers.push(readAddress(data, i));
      return { type, servers };
    }
    case 'domain-search':
      return { type, domains: decodeNames(data, start, end) };
    case 'information-refresh-time':
      exactly(4);
      return { type, seconds: readU32(data, start) };
    case 'client-linklayer-addr':
      atLeast(2);
      return { type, hardwareType: readU16(data, start), address: data.subarray(start + 2, end) };
  }
}
