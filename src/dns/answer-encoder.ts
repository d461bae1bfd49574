import { isQdhcpError, QdhcpError } from '../common/errors.js';
import { parseIpv4 } from '../common/ipv4.js';
import { classCode, encodeRdata, typeCode } from './codec.js';
import {
  type DnsMessage,
  type DnsRecord,
  HEADER_LENGTH,
  OUR_UDP_PAYLOAD_SIZE,
  soaDataOf,
} from './message.js';
import { addressKey } from './names.js';

/**
 * The response encoder of the server's hot path, used instead of `dns-packet`'s general encoder
 * (which stays as the fallback and as the oracle in the tests), for three reasons:
 *
 * - it copies the question section byte for byte from the query, so the client gets back exactly what
 *   it sent, including any 0x20 case randomisation;
 * - it compresses names (RFC 1035 §4.1.4), which `dns-packet` does not do. Owner names and the names
 *   inside CNAME/NS/PTR/MX/SOA data (the RFC 1035 types RFC 3597 §4 allows) are compressed; other
 *   RDATA is written uncompressed by `dns-packet`'s own per-type codec. 60 A records of a 30-octet name
 *   take 960 octets instead of 2,700, so fewer answers need TC and a TCP retry. That matters for
 *   clients without EDNS and without TCP fallback (older musl);
 * - it is about twice as fast for our own answers.
 *
 * It returns undefined when it cannot be sure of the bytes (a compressed question, an escaped mailbox
 * name, RDATA that does not fit its type), and the caller then uses {@link encodeMessage}.
 * `answer-encoder.test.ts` checks that both encoders decode to the same message. Pure.
 *
 * @module
 */

const TYPE_OPT = 41;
/** Offsets past this cannot be the target of a 14-bit compression pointer. */
const MAX_POINTER_OFFSET = 0x3fff;
/** RDATA types whose embedded names may be compressed (RFC 3597 §4: the RFC 1035 types). */
const COMPRESSIBLE_NAME_TYPES: ReadonlySet<string> = new Set(['CNAME', 'NS', 'PTR']);

/**
 * The offset just past the single question of a query (name, QTYPE, QCLASS), or undefined when the
 * name is compressed or runs past the end (such queries take the general path).
 */
export function questionSectionEnd(query: Uint8Array): number | undefined {
  let offset = HEADER_LENGTH;
  for (let labels = 0; labels < 128; labels++) {
    const length = query[offset];
    if (length === undefined || length > 63) return undefined;
    offset += 1 + length;
    if (length === 0) return offset + 4 <= query.length ? offset + 4 : undefined;
  }
  return undefined;
}

/**
 * A growing buffer with a name-compression dictionary (suffix → offset). Suffixes match with their case
 * (RFC 4343 §4.1 asks to preserve case): a pointer never changes how a name is spelled.
 */
class Writer {
  private buffer = Buffer.allocUnsafe(512);
  private readonly suffixes = new Map<string, number>();
  length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }
  u8(value: number): void {
    this.ensure(1);
    this.buffer[this.length++] = value;
  }
  u16(value: number): void {
    this.ensure(2);
    this.buffer.writeUInt16BE(value, this.length);
    this.length += 2;
  }
  u32(value: number): void {
    this.ensure(4);
    this.buffer.writeUInt32BE(value >>> 0, this.length);
    this.length += 4;
  }
  bytes(source: Uint8Array, start = 0, end = source.length): void {
    this.ensure(end - start);
    this.buffer.set(source.subarray(start, end), this.length);
    this.length += end - start;
  }
  patchU16(at: number, value: number): void {
    this.buffer.writeUInt16BE(value, at);
  }

  private questionName: string | undefined;
  private questionLabelOffsets: readonly number[] = [];
  private questionSuffixesRegistered = false;

  /**
   * Copies the question section. Its name (`name`, as decoded) becomes the first compression target;
   * its suffixes are registered only when another name needs them (most answers repeat the question).
   */
  question(query: Uint8Array, end: number, name: string): void {
    const offsets: number[] = [];
    for (let at = HEADER_LENGTH; query[at] !== 0; at += 1 + (query[at] ?? 0))
      offsets.push(this.length + at - HEADER_LENGTH);
    this.bytes(query, HEADER_LENGTH, end);
    this.questionName = name;
    this.questionLabelOffsets = offsets;
  }

  private registerQuestionSuffixes(): void {
    this.questionSuffixesRegistered = true;
    const name = this.questionName;
    if (name === undefined || name === '.' || name === '') return;
    const labels = name.split('.');
    // A label holding a '.' octet would make text and wire disagree: then no suffix is registered.
    if (labels.length !== this.questionLabelOffsets.length) return;
    for (let i = 0; i < labels.length; i++) {
      const offset = this.questionLabelOffsets[i];
      if (offset === undefined || offset > MAX_POINTER_OFFSET) break;
      const suffix = labels.slice(i).join('.');
      if (!this.suffixes.has(suffix)) this.suffixes.set(suffix, offset);
    }
  }

  /**
   * Writes a name (already validated as printable ASCII with labels of 1‥63 octets), compressed
   * against earlier names when `compress` is set. Names with `\` escapes (dns-packet's mailbox form)
   * are not handled.
   */
  name(name: string, compress: boolean): void {
    if (compress && name === this.questionName && this.questionLabelOffsets[0] === HEADER_LENGTH) {
      this.u16(0xc000 | HEADER_LENGTH);
      return;
    }
    if (name.includes('\\')) throw new QdhcpError('DNS_ENCODE_FAILED', { what: 'escaped name' });
    if (compress && !this.questionSuffixesRegistered) this.registerQuestionSuffixes();
    const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
    const labels = trimmed.length === 0 || trimmed === '.' ? [] : trimmed.split('.');
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.');
      if (compress) {
        const pointer = this.suffixes.get(suffix);
        if (pointer !== undefined) {
          this.u16(0xc000 | pointer);
          return;
        }
      }
      if (this.length <= MAX_POINTER_OFFSET && !this.suffixes.has(suffix))
        this.suffixes.set(suffix, this.length);
      const label = labels[i] ?? '';
      this.ensure(1 + label.length);
      this.buffer[this.length++] = label.length;
      this.length += this.buffer.write(label, this.length, 'latin1');
    }
    this.u8(0);
  }

  result(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

function stringData(record: DnsRecord): string {
  if (typeof record.data !== 'string')
    throw new QdhcpError('DNS_ENCODE_FAILED', { what: `${record.type} data` });
  return record.data;
}

function writeRdata(writer: Writer, record: DnsRecord): void {
  const type = record.type;
  if (
    type !== 'A' &&
    type !== 'AAAA' &&
    type !== 'MX' &&
    type !== 'SOA' &&
    !COMPRESSIBLE_NAME_TYPES.has(type)
  ) {
    // Anything else: dns-packet's own codec, uncompressed (RFC 3597 §4 forbids compression there).
    let rdata: Buffer;
    try {
      rdata = encodeRdata(type, record.data);
    } catch {
      throw new QdhcpError('DNS_ENCODE_FAILED', { what: `${type} data` });
    }
    writer.bytes(rdata);
    return;
  }
  const lengthAt = writer.length;
  writer.u16(0);
  const start = writer.length;
  if (type === 'A') {
    const address = parseIpv4(stringData(record));
    if (address === undefined) throw new QdhcpError('DNS_ENCODE_FAILED', { what: 'A data' });
    writer.u32(address);
  } else if (type === 'AAAA') {
    const key = addressKey(stringData(record));
    if (key === undefined || !key.includes(':'))
      throw new QdhcpError('DNS_ENCODE_FAILED', { what: 'AAAA data' });
    for (const group of key.split(':')) writer.u16(Number.parseInt(group, 16));
  } else if (type === 'MX') {
    const mx = record.data as { preference?: unknown; exchange?: unknown } | null;
    if (typeof mx?.preference !== 'number' || typeof mx.exchange !== 'string')
      throw new QdhcpError('DNS_ENCODE_FAILED', { what: 'MX data' });
    writer.u16(mx.preference);
    writer.name(mx.exchange, true);
  } else if (type === 'SOA') {
    const soa = soaDataOf(record);
    if (soa === undefined) throw new QdhcpError('DNS_ENCODE_FAILED', { what: 'SOA data' });
    writer.name(soa.mname, true);
    writer.name(soa.rname, true);
    for (const value of [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum]) writer.u32(value);
  } else {
    writer.name(stringData(record), true);
  }
  writer.patchU16(lengthAt, writer.length - start);
}

function writeRecords(writer: Writer, records: readonly DnsRecord[]): void {
  for (const record of records) {
    const type = typeCode(record.type);
    const klass = classCode(record.class);
    if (type === 0 || klass === 0)
      throw new QdhcpError('DNS_ENCODE_FAILED', { what: `type ${record.type} class ${record.class}` });
    writer.name(record.name, true);
    writer.u16(type);
    writer.u16(klass);
    writer.u32(record.ttl);
    writeRdata(writer, record);
  }
}

function headerFlags(response: DnsMessage, truncated: boolean): number {
  const f = response.flags;
  return (
    (response.isResponse ? 0x8000 : 0) |
    ((response.opcode & 0xf) << 11) |
    (f.authoritative ? 0x0400 : 0) |
    (truncated ? 0x0200 : 0) |
    (f.recursionDesired ? 0x0100 : 0) |
    (f.recursionAvailable ? 0x0080 : 0) |
    (f.authenticData ? 0x0020 : 0) |
    (f.checkingDisabled ? 0x0010 : 0) |
    (response.rcode & 0xf)
  );
}

function writeOpt(writer: Writer, response: DnsMessage): void {
  if (response.edns === undefined) return;
  writer.u8(0); // root owner
  writer.u16(TYPE_OPT);
  writer.u16(OUR_UDP_PAYLOAD_SIZE); // CLASS = our UDP payload size (RFC 6891 §6.1.2)
  writer.u32(((response.rcode >> 4) << 24) | (response.edns.dnssecOk ? 0x8000 : 0)); // ext. rcode, version 0, DO
  writer.u16(0); // no options
}

function encode(query: Uint8Array, questionEnd: number, response: DnsMessage, truncated: boolean): Buffer {
  const writer = new Writer();
  writer.u16(response.id);
  writer.u16(headerFlags(response, truncated));
  writer.u16(1);
  writer.u16(truncated ? 0 : response.answers.length);
  writer.u16(truncated ? 0 : response.authorities.length);
  writer.u16((truncated ? 0 : response.additionals.length) + (response.edns === undefined ? 0 : 1));
  writer.question(query, questionEnd, response.questions[0]?.name ?? '.');
  if (!truncated) {
    writeRecords(writer, response.answers);
    writeRecords(writer, response.authorities);
    writeRecords(writer, response.additionals);
  }
  writeOpt(writer, response);
  return writer.result();
}

/**
 * Encodes `response` to the single-question `query` it answers, within `limit` octets (over the limit:
 * header, question and OPT only, with TC). Undefined when the query or a record is outside what this
 * encoder handles.
 */
export function encodeAnswer(
  query: Uint8Array,
  response: DnsMessage,
  limit: number,
): { readonly bytes: Buffer; readonly truncated: boolean } | undefined {
  if (response.questions.length !== 1) return undefined;
  const questionEnd = questionSectionEnd(query);
  if (questionEnd === undefined) return undefined;
  try {
    const bytes = encode(query, questionEnd, response, false);
    if (bytes.length <= limit) return { bytes, truncated: false };
    return { bytes: encode(query, questionEnd, response, true), truncated: true };
  } catch (error) {
    if (isQdhcpError(error, 'DNS_ENCODE_FAILED')) return undefined;
    throw error;
  }
}
