/**
 * The DNS message model of `src/dns/`: readonly messages, questions and records (RFC 1035 §4), response
 * codes, flags and the record builders. The wire codec (codec.ts) turns bytes into these and back.
 *
 * Pure: no I/O, no logging, no clock.
 *
 * @module
 */

/** Numeric DNS response codes (RFC 1035 §4.1.1, RFC 6891 §9 for BADVERS). */
export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
} as const;

const RCODE_NAMES: Readonly<Record<number, string>> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  6: 'YXDOMAIN',
  7: 'YXRRSET',
  8: 'NXRRSET',
  9: 'NOTAUTH',
  10: 'NOTZONE',
  16: 'BADVERS',
};

/** The name of a response code for logs and counters (`NXDOMAIN`, or `RCODE_11` when unassigned). */
export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE_${rcode}`;
}

/** Opcode QUERY (RFC 1035 §4.1.1); every other opcode is answered NOTIMP. */
export const OPCODE_QUERY = 0;

/** One question (RFC 1035 §4.1.2). `type`/`class` are mnemonics (`A`, `PTR`, `IN`, `UNKNOWN_65280`). */
export interface DnsQuestion {
  readonly name: string;
  readonly type: string;
  readonly class: string;
}

/**
 * One resource record (RFC 1035 §4.1.3). `data` is the type-specific RDATA as `dns-packet` models it
 * (a string for A/AAAA/PTR/CNAME/NS, an object for SOA, a Buffer for types it does not know); code
 * outside this module builds records only through the helpers below and treats other data as opaque.
 */
export interface DnsRecord {
  readonly name: string;
  readonly type: string;
  readonly class: string;
  /** Time to live in seconds (RFC 1035 §3.2.1), 0‥2^31−1. */
  readonly ttl: number;
  readonly data: unknown;
}

/** RFC 1035 §3.3.13 SOA RDATA. */
export interface SoaData {
  readonly mname: string;
  readonly rname: string;
  readonly serial: number;
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
  /** Since RFC 2308 §4: the TTL of negative answers. */
  readonly minimum: number;
}

/** The EDNS0 OPT pseudo-record (RFC 6891 §6.1), reduced to what a responder needs. */
export interface Edns {
  /** Requestor's UDP payload size (RFC 6891 §6.2.3); values below 512 are treated as 512. */
  readonly udpPayloadSize: number;
  /** EDNS version; only 0 is defined (anything else is answered BADVERS). */
  readonly version: number;
  /** The DO bit (RFC 3225). */
  readonly dnssecOk: boolean;
}

/** Header flags (RFC 1035 §4.1.1; AD/CD from RFC 4035 §3.2). */
export interface DnsFlags {
  /** AA: authoritative answer. */
  readonly authoritative: boolean;
  /** TC: truncated. */
  readonly truncated: boolean;
  /** RD: recursion desired (copied from query to response). */
  readonly recursionDesired: boolean;
  /** RA: recursion available. */
  readonly recursionAvailable: boolean;
  /** AD: authentic data. */
  readonly authenticData: boolean;
  /** CD: checking disabled. */
  readonly checkingDisabled: boolean;
}

/** A whole DNS message. The OPT record is lifted out of `additionals` into `edns`. */
export interface DnsMessage {
  readonly id: number;
  /** QR bit. */
  readonly isResponse: boolean;
  readonly opcode: number;
  readonly flags: DnsFlags;
  /** The full response code: the 4 header bits plus the OPT record's extended bits (RFC 6891 §6.1.3). */
  readonly rcode: number;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsRecord[];
  readonly authorities: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
  readonly edns: Edns | undefined;
}

/** RFC 1035 §2.3.4: the header is 12 octets. */
export const HEADER_LENGTH = 12;

/** The UDP payload size we advertise in our own OPT records (the 2020 DNS flag day value). */
export const OUR_UDP_PAYLOAD_SIZE = 1232;

/** An A (RFC 1035 §3.4.1) or AAAA (RFC 3596 §2.1) record. */
export function addressRecord(name: string, ttl: number, address: string): DnsRecord {
  return { name, type: address.includes(':') ? 'AAAA' : 'A', class: 'IN', ttl, data: address };
}

/** A PTR record (RFC 1035 §3.3.12). */
export function ptrRecord(name: string, ttl: number, target: string): DnsRecord {
  return { name, type: 'PTR', class: 'IN', ttl, data: target };
}

/** An SOA record (RFC 1035 §3.3.13). */
export function soaRecord(name: string, ttl: number, soa: SoaData): DnsRecord {
  return { name, type: 'SOA', class: 'IN', ttl, data: soa };
}

/** The SOA data of a record when it is one, for negative-caching TTLs (RFC 2308 §5). */
export function soaDataOf(record: DnsRecord): SoaData | undefined {
  if (record.type !== 'SOA' || typeof record.data !== 'object' || record.data === null) return undefined;
  const data = record.data as Partial<SoaData>;
  return typeof data.minimum === 'number' ? (data as SoaData) : undefined;
}

/** Flags with every bit clear, to spread into messages. */
export const NO_FLAGS: DnsFlags = {
  authoritative: false,
  truncated: false,
  recursionDesired: false,
  recursionAvailable: false,
  authenticData: false,
  checkingDisabled: false,
};
