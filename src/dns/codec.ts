import { createRequire } from 'node:module';
import * as dnsPacket from 'dns-packet';
import { QdhcpError } from '../common/errors.js';
import {
  type DnsFlags,
  type DnsMessage,
  type DnsQuestion,
  type DnsRecord,
  type Edns,
  HEADER_LENGTH,
  OUR_UDP_PAYLOAD_SIZE,
  type SoaData,
} from './message.js';

/**
 * The DNS wire codec of qdhcp: a thin wrapper around `dns-packet` (RFC 1035 §4 messages, RFC 6891 EDNS0)
 * that gives the rest of `src/dns/` its own readonly types (message.ts) and one failure mode. `dns-packet` throws plain
 * `Error`s and `RangeError`s on garbage; {@link decodeMessage} turns every one of them into a typed
 * {@link DnsDecodeError}, and additionally rejects names that `dns-packet` would not re-encode byte for
 * byte (control or non-ASCII bytes, over-long labels), so nothing we echo back can be corrupted.
 *
 * What `dns-packet` protects against on its own (checked by `codec.test.ts`): compression pointers may
 * only point backwards (RFC 1035 §4.1.4), which rules out pointer loops; names longer than 254 octets and
 * the reserved label types 0x40/0x80 are rejected; every read is bounds-checked by Node's `Buffer`.
 * It does not compress names when encoding, so our answers repeat owner names in full.
 *
 * Pure: no I/O, no logging, no clock.
 *
 * @module
 */

/** Why a message could not be decoded. */
export type DnsDecodeReason = 'too-short' | 'bad-wire-format' | 'bad-name' | 'multiple-opt';

/** The only error {@link decodeMessage} throws (`DNS_DECODE_FAILED`, with the typed reason). */
export class DnsDecodeError extends QdhcpError {
  readonly reason: DnsDecodeReason;
  constructor(reason: DnsDecodeReason, detail: string) {
    super('DNS_DECODE_FAILED', { kind: reason, detail });
    this.name = 'DnsDecodeError';
    this.reason = reason;
  }
}

const FLAG_QR = 0x8000;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_RA = 0x0080;
const FLAG_AD = 0x0020;
const FLAG_CD = 0x0010;

/** Record types whose RDATA is one domain name (re-encoded as text by dns-packet, so validated). */
const NAME_RDATA_TYPES: ReadonlySet<string> = new Set(['CNAME', 'DNAME', 'NS', 'PTR']);

/**
 * True when `name` re-encodes to what was on the wire: labels of 1‥63 printable ASCII octets (space
 * allowed), at most 253 octets in text form. dns-packet decodes labels as UTF-8, so other bytes would
 * come back different (or, expanded to U+FFFD, as an over-long label).
 */
export function isEncodableName(name: string): boolean {
  if (name === '.' || name === '') return true;
  if (name.length > 253) return false;
  let labelLength = 0;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code === 0x2e) {
      if (labelLength === 0) return false;
      labelLength = 0;
    } else if (code < 0x20 || code > 0x7e) {
      return false;
    } else if (++labelLength > 63) {
      return false;
    }
  }
  return true;
}

function checkName(name: string, where: string): void {
  if (!isEncodableName(name)) throw new DnsDecodeError('bad-name', `unusable name in ${where}`);
}

function convertRecords(
  records: readonly dnsPacket.Answer[],
  where: string,
  out: DnsRecord[],
): dnsPacket.OptAnswer[] {
  const opts: dnsPacket.OptAnswer[] = [];
  for (const record of records) {
    if (record.type === 'OPT') {
      opts.push(record);
      continue;
    }
    checkName(record.name, where);
    const data: unknown = record.data;
    if (NAME_RDATA_TYPES.has(record.type) && typeof data === 'string') checkName(data, `${where} rdata`);
    if (record.type === 'SOA') {
      const soa = data as SoaData;
      checkName(soa.mname, `${where} SOA`);
      checkName(soa.rname, `${where} SOA`);
    }
    out.push({
      name: record.name,
      type: record.type,
      class: record.class ?? 'IN',
      ttl: record.ttl ?? 0,
      data,
    });
  }
  return opts;
}

/**
 * Decodes one DNS message (RFC 1035 §4.1). Never throws anything but {@link DnsDecodeError}.
 *
 * @example
 * const query = decodeMessage(datagram); // DnsDecodeError on garbage
 */
export function decodeMessage(bytes: Uint8Array): DnsMessage {
  if (bytes.length < HEADER_LENGTH) throw new DnsDecodeError('too-short', `${bytes.length} octets`);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return decodeSimpleQuery(buffer) ?? decodeWithDnsPacket(buffer);
}

/** Octets a label may have on the fast path: letters, digits, `-` and `_` (what instance names use). */
const SIMPLE_LABEL_OCTET = new Uint8Array(256);
for (const range of ['09', 'AZ', 'az', '--', '__']) {
  for (let code = range.charCodeAt(0); code <= range.charCodeAt(1); code++) SIMPLE_LABEL_OCTET[code] = 1;
}

/** EDNS options dns-packet decodes into fields (ECS, keep-alive, key tag): left to the full decoder. */
const DECODED_EDNS_OPTIONS: ReadonlySet<number> = new Set([8, 11, 14]);

function headerFlags(rawFlags: number): DnsFlags {
  return {
    authoritative: (rawFlags & FLAG_AA) !== 0,
    truncated: (rawFlags & FLAG_TC) !== 0,
    recursionDesired: (rawFlags & FLAG_RD) !== 0,
    recursionAvailable: (rawFlags & FLAG_RA) !== 0,
    authenticData: (rawFlags & FLAG_AD) !== 0,
    checkingDisabled: (rawFlags & FLAG_CD) !== 0,
  };
}

/**
 * The hot path: a message of one question with an uncompressed name of plain labels and nothing else but
 * an optional OPT record, read directly (about 10× cheaper than dns-packet, which was 70 % of a local
 * answer). Returns exactly what {@link decodeWithDnsPacket} returns for such a message, or undefined for
 * anything else, which then goes through dns-packet (`codec.test.ts` holds the two to the same result).
 */
export function decodeSimpleQuery(buffer: Buffer): DnsMessage | undefined {
  const length = buffer.length;
  if (length < HEADER_LENGTH) return undefined;
  if (buffer.readUInt16BE(4) !== 1 || buffer.readUInt16BE(6) !== 0 || buffer.readUInt16BE(8) !== 0)
    return undefined;
  const additionalCount = buffer.readUInt16BE(10);
  if (additionalCount > 1) return undefined;
  // Labels are checked in place; the name is then made with one copy, length octets turned into dots.
  let offset = HEADER_LENGTH;
  for (;;) {
    if (offset >= length) return undefined;
    const labelLength = buffer[offset] ?? 0;
    if (labelLength === 0) break;
    if (labelLength > 63 || offset + 1 + labelLength > length) return undefined;
    for (let at = offset + 1; at <= offset + labelLength; at++) {
      if (SIMPLE_LABEL_OCTET[buffer[at] ?? 0] !== 1) return undefined;
    }
    offset += 1 + labelLength;
  }
  // Text length = wire length − 2 (first length octet and the root); at most 253 (isEncodableName).
  if (offset === HEADER_LENGTH || offset - HEADER_LENGTH - 1 > 253 || offset + 5 > length) return undefined;
  const text = Buffer.from(buffer.subarray(HEADER_LENGTH + 1, offset));
  for (let at = buffer[HEADER_LENGTH] ?? 0; at < text.length; ) {
    const next = at + 1 + (text[at] ?? 0);
    text[at] = 0x2e;
    at = next;
  }
  const name = text.toString('latin1');
  offset += 1;
  const question: DnsQuestion = {
    name,
    type: packetTypes.toString(buffer.readUInt16BE(offset)),
    class: packetClasses.toString(buffer.readUInt16BE(offset + 2)),
  };
  offset += 4;
  let edns: Edns | undefined;
  let extendedRcode = 0;
  if (additionalCount === 1) {
    // OPT (RFC 6891 §6.1.2): root owner, TYPE 41, CLASS = UDP size, TTL = ext. rcode, version, flags.
    if (offset + 11 > length || buffer[offset] !== 0 || buffer.readUInt16BE(offset + 1) !== 41)
      return undefined;
    const ednsFlags = buffer.readUInt16BE(offset + 7);
    extendedRcode = buffer[offset + 5] ?? 0;
    edns = {
      udpPayloadSize: buffer.readUInt16BE(offset + 3),
      version: buffer[offset + 6] ?? 0,
      dnssecOk: ((ednsFlags >> 15) & 1) === 1,
    };
    const end = offset + 11 + buffer.readUInt16BE(offset + 9);
    if (end !== length) return undefined;
    offset += 11;
    while (offset < end) {
      if (offset + 4 > end || DECODED_EDNS_OPTIONS.has(buffer.readUInt16BE(offset))) return undefined;
      offset += 4 + buffer.readUInt16BE(offset + 2);
    }
    if (offset !== end) return undefined;
  } else if (offset !== length) {
    return undefined;
  }
  const rawFlags = buffer.readUInt16BE(2);
  return {
    id: buffer.readUInt16BE(0),
    isResponse: (rawFlags & FLAG_QR) !== 0,
    opcode: (rawFlags >> 11) & 0xf,
    flags: headerFlags(rawFlags),
    rcode: (extendedRcode << 4) | (rawFlags & 0xf),
    questions: [question],
    answers: [],
    authorities: [],
    additionals: [],
    edns,
  };
}

/** Any message, through dns-packet (the reference the fast path is held to). */
export function decodeWithDnsPacket(buffer: Buffer): DnsMessage {
  if (buffer.length < HEADER_LENGTH) throw new DnsDecodeError('too-short', `${buffer.length} octets`);
  // dns-packet allocates an array per section sized by the header counts before reading anything; a
  // forged header (65535 × 4) would cost ~2 MB and a millisecond per packet. A question takes at least
  // 5 octets and a record 11, so counts that cannot fit are rejected first.
  const minimumLength =
    HEADER_LENGTH +
    buffer.readUInt16BE(4) * 5 +
    (buffer.readUInt16BE(6) + buffer.readUInt16BE(8) + buffer.readUInt16BE(10)) * 11;
  if (minimumLength > buffer.length) {
    throw new DnsDecodeError(
      'bad-wire-format',
      `section counts need ≥ ${minimumLength} octets, have ${buffer.length}`,
    );
  }
  let packet: dnsPacket.DecodedPacket;
  try {
    packet = dnsPacket.decode(buffer);
  } catch (error) {
    throw new DnsDecodeError('bad-wire-format', error instanceof Error ? error.message : String(error));
  }
  const rawFlags = buffer.readUInt16BE(2);
  const questions: DnsQuestion[] = [];
  for (const question of packet.questions ?? []) {
    checkName(question.name, 'question');
    questions.push({ name: question.name, type: question.type, class: question.class ?? 'IN' });
  }
  const answers: DnsRecord[] = [];
  const authorities: DnsRecord[] = [];
  const additionals: DnsRecord[] = [];
  convertRecords(packet.answers ?? [], 'answer', answers);
  convertRecords(packet.authorities ?? [], 'authority', authorities);
  const opts = convertRecords(packet.additionals ?? [], 'additional', additionals);
  // RFC 6891 §6.1.1: more than one OPT makes the message malformed (FORMERR territory).
  if (opts.length > 1) throw new DnsDecodeError('multiple-opt', `${opts.length} OPT records`);
  const opt = opts[0];
  const edns: Edns | undefined =
    opt === undefined
      ? undefined
      : {
          udpPayloadSize: opt.udpPayloadSize,
          version: (opt as { ednsVersion?: number }).ednsVersion ?? 0,
          dnssecOk: opt.flag_do,
        };
  const extendedRcode = (opt as { extendedRcode?: number } | undefined)?.extendedRcode ?? 0;
  return {
    id: buffer.readUInt16BE(0),
    isResponse: (rawFlags & FLAG_QR) !== 0,
    opcode: (rawFlags >> 11) & 0xf,
    flags: headerFlags(rawFlags),
    rcode: (extendedRcode << 4) | (rawFlags & 0xf),
    questions,
    answers,
    authorities,
    additionals,
    edns,
  };
}

function toPacketRecord(record: DnsRecord): dnsPacket.Answer {
  return record as unknown as dnsPacket.Answer;
}

/**
 * Encodes a message. When `edns` is set an OPT record advertising {@link OUR_UDP_PAYLOAD_SIZE} is
 * appended and the upper rcode bits go into it (RFC 6891 §6.1.3). Throws a plain `Error` only when a
 * record's `data` does not fit its type (a programming error: the records come from
 * {@link decodeMessage} or the builders below).
 */
export function encodeMessage(message: DnsMessage): Buffer {
  const f = message.flags;
  const flags =
    ((message.opcode & 0xf) << 11) |
    (f.authoritative ? FLAG_AA : 0) |
    (f.truncated ? FLAG_TC : 0) |
    (f.recursionDesired ? FLAG_RD : 0) |
    (f.recursionAvailable ? FLAG_RA : 0) |
    (f.authenticData ? FLAG_AD : 0) |
    (f.checkingDisabled ? FLAG_CD : 0) |
    (message.rcode & 0xf);
  const additionals = message.additionals.map(toPacketRecord);
  if (message.edns !== undefined) {
    const opt = {
      type: 'OPT',
      name: '.',
      udpPayloadSize: OUR_UDP_PAYLOAD_SIZE,
      extendedRcode: message.rcode >> 4,
      ednsVersion: 0,
      flags: message.edns.dnssecOk ? dnsPacket.DNSSEC_OK : 0,
      options: [],
    };
    additionals.push(opt as unknown as dnsPacket.Answer);
  }
  return dnsPacket.encode({
    type: message.isResponse ? 'response' : 'query',
    id: message.id,
    flags,
    questions: message.questions.map((q) => ({ ...q }) as dnsPacket.Question),
    answers: message.answers.map(toPacketRecord),
    authorities: message.authorities.map(toPacketRecord),
    additionals,
  });
}

/** dns-packet's per-type RDATA codec (not in its type definitions, but part of its documented API). */
interface RdataCodec {
  encode(data: unknown, buffer: Buffer, offset: number): Buffer;
  encodingLength(data: unknown): number;
}

const requireCommonJs = createRequire(import.meta.url);
const packetTypes = requireCommonJs('dns-packet/types.js') as {
  toType(name: string): number;
  toString(code: number): string;
};
const packetClasses = requireCommonJs('dns-packet/classes.js') as {
  toClass(name: string): number;
  toString(code: number): string;
};
const rdataCodec = (dnsPacket as unknown as { record(type: string): RdataCodec }).record;

/** The numeric TYPE of a mnemonic (`A` → 1, `UNKNOWN_65280` → 65280); 0 when unknown. */
export function typeCode(type: string): number {
  return packetTypes.toType(type);
}

/** The numeric CLASS of a mnemonic (`IN` → 1); 0 when unknown. */
export function classCode(klass: string): number {
  return packetClasses.toClass(klass);
}

/**
 * RDLENGTH and RDATA of one record, uncompressed, by dns-packet's codec for `type`. Throws a plain
 * `Error` when `data` does not fit the type (callers fall back or fail the response).
 */
export function encodeRdata(type: string, data: unknown): Buffer {
  const codec = rdataCodec(type);
  const buffer = Buffer.alloc(codec.encodingLength(data));
  codec.encode(data, buffer, 0);
  return buffer;
}
