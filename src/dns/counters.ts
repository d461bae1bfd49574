/**
 * Counters of one DNS server (one network): queries by type, responses by rcode, forwarding and cache
 * traffic, and everything dropped. Plain numbers and maps on an instance (never module state), read
 * with {@link DnsCounters.snapshot} by whoever exports metrics.
 *
 * @module
 */

/** A point-in-time copy of {@link DnsCounters}, safe to serialise. */
export interface DnsCountersSnapshot {
  readonly queriesByType: Readonly<Record<string, number>>;
  readonly responsesByRcode: Readonly<Record<string, number>>;
  readonly forwarded: number;
  readonly cacheHits: number;
  readonly cacheMisses: number;
  readonly malformedDropped: number;
  readonly notQueryDropped: number;
  readonly truncated: number;
  readonly upstreamTimeouts: number;
  readonly upstreamErrors: number;
  readonly upstreamTcpRetries: number;
  readonly forwardRejected: number;
  readonly tcpConnections: number;
  readonly tcpConnectionsRejected: number;
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Mutable counters, shared by a server and its forwarder. */
export class DnsCounters {
  readonly queriesByType = new Map<string, number>();
  readonly responsesByRcode = new Map<string, number>();
  /** Queries sent upstream (each attempt counts: retries to a second server too). */
  forwarded = 0;
  cacheHits = 0;
  cacheMisses = 0;
  /** Datagrams or TCP messages that did not decode. */
  malformedDropped = 0;
  /** Well-formed messages that were not queries (QR set): never answered, to avoid reflection loops. */
  notQueryDropped = 0;
  /** UDP answers sent with TC because they did not fit. */
  truncated = 0;
  upstreamTimeouts = 0;
  /** Upstream answers that were unusable (SERVFAIL, REFUSED, mismatched, undecodable, TCP failures). */
  upstreamErrors = 0;
  upstreamTcpRetries = 0;
  /** Forwarding refused because the in-flight table was full. */
  forwardRejected = 0;
  tcpConnections = 0;
  tcpConnectionsRejected = 0;

  /** Counts one query of `type` (mnemonic). */
  countQuery(type: string): void {
    increment(this.queriesByType, type);
  }

  /** Counts one response with rcode name `rcode`. */
  countResponse(rcode: string): void {
    increment(this.responsesByRcode, rcode);
  }

  /** A copy of every counter, for metrics export and tests. */
  snapshot(): DnsCountersSnapshot {
    return {
      queriesByType: Object.fromEntries(this.queriesByType),
      responsesByRcode: Object.fromEntries(this.responsesByRcode),
      forwarded: this.forwarded,
      cacheHits: this.cacheHits,
      cacheMisses: this.cacheMisses,
      malformedDropped: this.malformedDropped,
      notQueryDropped: this.notQueryDropped,
      truncated: this.truncated,
      upstreamTimeouts: this.upstreamTimeouts,
      upstreamErrors: this.upstreamErrors,
      upstreamTcpRetries: this.upstreamTcpRetries,
      forwardRejected: this.forwardRejected,
      tcpConnections: this.tcpConnections,
      tcpConnectionsRejected: this.tcpConnectionsRejected,
    };
  }
}
