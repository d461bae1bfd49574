import { type DnsMessage, type DnsRecord, HEADER_LENGTH, OUR_UDP_PAYLOAD_SIZE, soaDataOf } from './codec.js';
import { addressKey } from './names.js';

/**
 * A direct encoder for the responses the responder builds itself (the network's own names), used on
 * the hot path instead of `dns-packet`'s general encoder, for two reasons:
 *
 * - it copies the question section byte for byte from the query (so the client gets back exactly what
 *   it sent, including any 0x20 case randomisation), and
 * - it compresses answer owner names to a pointer to that question (RFC 1035 §4.1.4), which
 *   `dns-packet` does not do: 60 A records of a 30-octet name take 960 octets instead of 2,700, so
 *   fewer answers need TC and a TCP retry.
 *
 * It handles the record types the zone produces (A, AAAA, PTR, SOA) and returns undefined for anything
 * else, so the caller falls back to {@link encodeMessage}. `answer-encoder.test.ts` checks that both
 * encoders decode to the same message. Pure.
 *
 * @module
 */

const TYPE_CODES: Readonly<Record<string, number>> = { A: 1, PTR: 12, SOA: 6, AAAA: 28 };
const CLASS_IN = 1;
const TYPE_OPT = 41;
const POINTER_TO_QUESTION = 0xc000 | HEADER_LENGTH;

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

/** Appends octets to a growing buffer (one per response; responses are small). */
class Writer {
  private buffer = Buffer.allocUnsafe(512);
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
  bytes(source: Uint8Array, start: number, end: number): void {
    this.ensure(end - start);
    this.buffer.set(source.subarray(start, end), this.length);
    this.length += end - start;
  }
  /** A name as uncompressed labels (names were validated as printable ASCII, labels ≤ 63). */
  name(name: string): void {
    const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
    if (trimmed.length > 0) {
      for (const label of trimmed.split('.')) {
        this.ensure(1 + label.length);
        this.buffer[this.length++] = label.length;
        this.length += this.buffer.write(label, this.length, 'latin1');
      }
    }
    this.u8(0);
  }
  patchU16(at: number, value: number): void {
    this.buffer.writeUInt16BE(value, at);
  }
  result(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

function writeRdata(writer: Writer, record: DnsRecord): boolean {
  const lengthAt = writer.length;
  writer.u16(0);
  const start = writer.length;
  switch (record.type) {
    case 'A': {
      const parts = typeof record.data === 'string' ? record.data.split('.') : [];
      if (parts.length !== 4) return false;
      for (const part of parts) writer.u8(Number(part));
      break;
    }
    case 'AAAA': {
      const key = typeof record.data === 'string' ? addressKey(record.data) : undefined;
      if (key === undefined || !key.includes(':')) return false;
      for (const group of key.split(':')) writer.u16(Number.parseInt(group, 16));
      break;
    }
    case 'PTR':
      if (typeof record.data !== 'string') return false;
      writer.name(record.data);
      break;
    case 'SOA': {
      const soa = soaDataOf(record);
      if (soa === undefined) return false;
      writer.name(soa.mname);
      writer.name(soa.rname);
      for (const value of [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum]) writer.u32(value);
      break;
    }
    default:
      return false;
  }
  writer.patchU16(lengthAt, writer.length - start);
  return true;
}

function writeRecords(writer: Writer, records: readonly DnsRecord[], questionName: string): boolean {
  for (const record of records) {
    const type = TYPE_CODES[record.type];
    if (type === undefined || record.class !== 'IN') return false;
    if (record.name === questionName) writer.u16(POINTER_TO_QUESTION);
    else writer.name(record.name);
    writer.u16(type);
    writer.u16(CLASS_IN);
    writer.u32(record.ttl);
    if (!writeRdata(writer, record)) return false;
  }
  return true;
}

function headerFlags(response: DnsMessage, truncated: boolean): number {
  const f = response.flags;
  return (
    0x8000 |
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

/**
 * Encodes `response` to the single-question `query` it answers, within `limit` octets (over the limit:
 * header, question and OPT only, with TC). Undefined when the query or a record is outside what this
 * encoder handles.
 */
export function encodeLocalAnswer(
  query: Uint8Array,
  response: DnsMessage,
  limit: number,
): { readonly bytes: Buffer; readonly truncated: boolean } | undefined {
  const question = response.questions[0];
  if (question === undefined || response.questions.length !== 1 || response.additionals.length > 0)
    return undefined;
  const questionEnd = questionSectionEnd(query);
  if (questionEnd === undefined) return undefined;
  const writer = new Writer();
  const header = (truncated: boolean, answers: number, authorities: number): void => {
    writer.u16(response.id);
    writer.u16(headerFlags(response, truncated));
    writer.u16(1);
    writer.u16(answers);
    writer.u16(authorities);
    writer.u16(response.edns === undefined ? 0 : 1);
    writer.bytes(query, HEADER_LENGTH, questionEnd);
  };
  header(false, response.answers.length, response.authorities.length);
  if (!writeRecords(writer, response.answers, question.name)) return undefined;
  if (!writeRecords(writer, response.authorities, question.name)) return undefined;
  writeOpt(writer, response);
  if (writer.length <= limit) return { bytes: writer.result(), truncated: false };
  writer.length = 0;
  header(true, 0, 0);
  writeOpt(writer, response);
  return { bytes: writer.result(), truncated: true };
}
