import { encodeAnswer } from './answer-encoder.js';
import { encodeMessage } from './codec.js';
import {
  addressRecord,
  type DnsMessage,
  type DnsQuestion,
  type DnsRecord,
  HEADER_LENGTH,
  OPCODE_QUERY,
  OUR_UDP_PAYLOAD_SIZE,
  ptrRecord,
  Rcode,
  soaRecord,
} from './message.js';
import { addressFromReverseName, nameKey } from './names.js';
import type { Zone } from './zone.js';

/**
 * The responder's decisions, as a pure function of a decoded query and a network's {@link Zone}: answer
 * from the zone (authoritatively), hand the question to the forwarder, or drop. No sockets, no clock.
 *
 * Order of checks: not a query → drop (never answer a response: reflection loops); opcode ≠ QUERY →
 * NOTIMP; not exactly one question → FORMERR; EDNS version ≠ 0 → BADVERS (RFC 6891 §6.1.3); class not
 * IN/ANY or a zone transfer → REFUSED; a name or address of the zone → answer; the zone apex → SOA or
 * NODATA; any other name under the domain → NXDOMAIN with the SOA (RFC 2308 §3); everything else →
 * forward when upstreams are configured, else REFUSED (we are never an open resolver).
 *
 * @module
 */

/** What the server should do with one query. */
export type ResponderDecision =
  | { readonly kind: 'answer'; readonly response: DnsMessage }
  | { readonly kind: 'forward'; readonly question: DnsQuestion }
  | { readonly kind: 'drop'; readonly reason: 'not-a-query' };

/** Per-network responder settings. */
export interface ResponderPolicy {
  /** True when upstream resolvers are configured: sets RA and lets unknown names be forwarded. */
  readonly forwarding: boolean;
}

/** The parts of a response that vary; everything else is derived from the query. */
export interface ResponseParts {
  readonly rcode: number;
  readonly authoritative?: boolean;
  readonly authenticData?: boolean;
  readonly answers?: readonly DnsRecord[];
  readonly authorities?: readonly DnsRecord[];
  readonly additionals?: readonly DnsRecord[];
}

/**
 * Builds the response to `query`: same id, question echoed as asked (RFC 1035 §4.1.1), RD and CD copied,
 * RA when we forward, and an OPT record when the query had one (RFC 6891 §7).
 */
export function buildResponse(query: DnsMessage, policy: ResponderPolicy, parts: ResponseParts): DnsMessage {
  return {
    id: query.id,
    isResponse: true,
    opcode: query.opcode,
    flags: {
      authoritative: parts.authoritative ?? false,
      truncated: false,
      recursionDesired: query.flags.recursionDesired,
      recursionAvailable: policy.forwarding,
      authenticData: parts.authenticData ?? false,
      checkingDisabled: query.flags.checkingDisabled,
    },
    rcode: parts.rcode,
    questions: query.questions.slice(0, 1),
    answers: parts.answers ?? [],
    authorities: parts.authorities ?? [],
    additionals: parts.additionals ?? [],
    edns: query.edns,
  };
}

const TRANSFER_TYPES: ReadonlySet<string> = new Set(['AXFR', 'IXFR']);

function answerFromZone(
  query: DnsMessage,
  question: DnsQuestion,
  zone: Zone,
  policy: ResponderPolicy,
): DnsMessage | undefined {
  const key = nameKey(question.name);
  const type = question.type;
  const negative = (rcode: number): DnsMessage =>
    buildResponse(query, policy, {
      rcode,
      authoritative: true,
      authorities: zone.domain === '' ? [] : [soaRecord(zone.domain, zone.negativeTtl, zone.soa())],
    });

  const hosts = zone.lookupName(key);
  if (hosts !== undefined) {
    const answers: DnsRecord[] = [];
    if (type === 'A' || type === 'ANY')
      for (const a of hosts.ipv4) answers.push(addressRecord(question.name, zone.ttl, a));
    if (type === 'AAAA' || type === 'ANY')
      for (const a of hosts.ipv6) answers.push(addressRecord(question.name, zone.ttl, a));
    if (answers.length === 0) return negative(Rcode.NOERROR);
    return buildResponse(query, policy, { rcode: Rcode.NOERROR, authoritative: true, answers });
  }

  const address = addressFromReverseName(key);
  if (address !== undefined) {
    const fqdn = zone.lookupAddress(address);
    if (fqdn !== undefined) {
      if (type !== 'PTR' && type !== 'ANY') return negative(Rcode.NOERROR);
      return buildResponse(query, policy, {
        rcode: Rcode.NOERROR,
        authoritative: true,
        answers: [ptrRecord(question.name, zone.ttl, fqdn)],
      });
    }
  }

  if (zone.isApex(key)) {
    if (type !== 'SOA' && type !== 'ANY') return negative(Rcode.NOERROR);
    return buildResponse(query, policy, {
      rcode: Rcode.NOERROR,
      authoritative: true,
      answers: [soaRecord(question.name, zone.ttl, zone.soa())],
    });
  }
  if (zone.isAuthoritativeFor(key)) return negative(Rcode.NXDOMAIN);
  return undefined;
}

/**
 * Decides what to do with one decoded message received on a network's socket.
 *
 * @example
 * const decision = decide(decodeMessage(datagram), zone, { forwarding: true });
 * if (decision.kind === 'forward') forwarder.resolve(decision.question, …);
 */
export function decide(query: DnsMessage, zone: Zone, policy: ResponderPolicy): ResponderDecision {
  if (query.isResponse) return { kind: 'drop', reason: 'not-a-query' };
  const reply = (rcode: number): ResponderDecision => ({
    kind: 'answer',
    response: buildResponse(query, policy, { rcode }),
  });
  if (query.opcode !== OPCODE_QUERY) return reply(Rcode.NOTIMP);
  const question = query.questions[0];
  if (question === undefined || query.questions.length !== 1) return reply(Rcode.FORMERR);
  if (query.edns !== undefined && query.edns.version !== 0) return reply(Rcode.BADVERS);
  if ((question.class !== 'IN' && question.class !== 'ANY') || TRANSFER_TYPES.has(question.type)) {
    return reply(Rcode.REFUSED);
  }
  const local = answerFromZone(query, question, zone, policy);
  if (local !== undefined) return { kind: 'answer', response: local };
  if (!policy.forwarding) return reply(Rcode.REFUSED);
  return { kind: 'forward', question };
}

/**
 * The largest UDP response a client accepts: 512 octets (RFC 1035 §4.2.1), or its EDNS0 payload size
 * capped at what we advertise ({@link OUR_UDP_PAYLOAD_SIZE}; RFC 6891 §6.2.5).
 */
export function udpResponseLimit(query: DnsMessage): number {
  const requested = query.edns?.udpPayloadSize ?? 512;
  return Math.max(512, Math.min(requested, OUR_UDP_PAYLOAD_SIZE));
}

/** An encoded response, and whether it had to be truncated to fit. */
export interface EncodedResponse {
  readonly bytes: Buffer;
  readonly truncated: boolean;
}

/**
 * Encodes `response`; when it is larger than `limit` (UDP), sends instead the header and question with TC
 * set and no records (RFC 2181 §9: a client must retry over TCP rather than use a partial RRset), keeping
 * the OPT record. Over TCP pass a limit of 65535 (RFC 1035 §4.2.2 framing). With the raw `query`, the
 * direct {@link encodeAnswer} is tried first (question copied, owner names compressed).
 */
export function encodeWithinLimit(response: DnsMessage, limit: number, query?: Uint8Array): EncodedResponse {
  if (query !== undefined) {
    const direct = encodeAnswer(query, response, limit);
    if (direct !== undefined) return direct;
  }
  const bytes = encodeMessage(response);
  if (bytes.length <= limit) return { bytes, truncated: false };
  const truncated: DnsMessage = {
    ...response,
    flags: { ...response.flags, truncated: true },
    answers: [],
    authorities: [],
    additionals: [],
  };
  const small = encodeMessage(truncated);
  // A question alone cannot exceed 512 octets (names are ≤ 255), but stay safe: header only.
  if (small.length <= limit) return { bytes: small, truncated: true };
  return {
    bytes: encodeMessage({ ...truncated, questions: [], edns: undefined }).subarray(0, HEADER_LENGTH),
    truncated: true,
  };
}
