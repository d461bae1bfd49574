import { QdhcpError } from '../common/errors.js';
import { type DnsQuestion, type DnsRecord, Rcode, soaDataOf } from './message.js';
import { nameKey } from './names.js';

/**
 * The forwarder's answer cache: keyed by (name, type, class), bounded (least recently used entries are
 * evicted first), honouring TTLs (RFC 1035 §3.2.1: the remaining TTL is what we hand out, decremented
 * by the time spent in the cache) and caching negative answers (RFC 2308 §5: NXDOMAIN and NODATA, for
 * min(SOA TTL, SOA minimum), only when the answer carries an SOA). SERVFAIL and other errors are never
 * cached. Pure: the caller passes the time in.
 *
 * @module
 */

/** What a resolution produced: the parts of an upstream answer we hand on. */
export interface ResolvedAnswer {
  readonly rcode: number;
  readonly authenticData: boolean;
  readonly answers: readonly DnsRecord[];
  readonly authorities: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
}

/** Cache limits. */
export interface DnsCacheOptions {
  /** Entries kept at most (default 10,000). */
  readonly maxEntries?: number;
  /** Longest time any positive answer is kept, seconds (default 1 day). */
  readonly maxTtl?: number;
  /** Longest time a negative answer is kept, seconds (default 3 hours, RFC 2308 §5's upper suggestion). */
  readonly maxNegativeTtl?: number;
}

interface CacheEntry {
  readonly answer: ResolvedAnswer;
  readonly storedAtMs: number;
  readonly expiresAtMs: number;
}

/** The key of a question: `name|TYPE|CLASS`, name compared case-insensitively. */
export function cacheKey(question: DnsQuestion): string {
  return `${nameKey(question.name)}|${question.type}|${question.class}`;
}

function minTtl(records: readonly DnsRecord[]): number {
  let min = Number.POSITIVE_INFINITY;
  for (const record of records) min = Math.min(min, record.ttl);
  return min;
}

/**
 * How long `answer` may be cached, seconds; 0 means "do not cache".
 * Positive: the smallest TTL of the answer and authority records. Negative (NXDOMAIN, or NOERROR without
 * answers): min(SOA TTL, SOA minimum) of the SOA in authority, none → not cached (RFC 2308 §5).
 */
export function cacheableTtl(answer: ResolvedAnswer, options: Required<DnsCacheOptions>): number {
  const negative =
    answer.rcode === Rcode.NXDOMAIN || (answer.rcode === Rcode.NOERROR && answer.answers.length === 0);
  if (negative) {
    for (const record of answer.authorities) {
      const soa = soaDataOf(record);
      if (soa !== undefined) return Math.min(record.ttl, soa.minimum, options.maxNegativeTtl);
    }
    return 0;
  }
  if (answer.rcode !== Rcode.NOERROR) return 0;
  const ttl = Math.min(minTtl(answer.answers), minTtl(answer.authorities), options.maxTtl);
  return Number.isFinite(ttl) ? ttl : 0;
}

function withElapsed(records: readonly DnsRecord[], elapsedSeconds: number): DnsRecord[] {
  return records.map((record) => ({ ...record, ttl: Math.max(0, record.ttl - elapsedSeconds) }));
}

/** A bounded LRU cache of resolved answers. */
export class DnsCache {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly options: Required<DnsCacheOptions>;

  constructor(options: DnsCacheOptions = {}) {
    this.options = {
      maxEntries: options.maxEntries ?? 10_000,
      maxTtl: options.maxTtl ?? 86_400,
      maxNegativeTtl: options.maxNegativeTtl ?? 10_800,
    };
    if (!Number.isInteger(this.options.maxEntries) || this.options.maxEntries < 0) {
      throw new QdhcpError('INVARIANT_VIOLATED', { reason: `bad cache size ${this.options.maxEntries}` });
    }
  }

  /** Number of entries (expired ones included until touched or evicted). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The cached answer with TTLs reduced by the whole seconds spent in the cache, or undefined when
   * absent or expired (an expired entry is removed).
   */
  get(key: string, nowMs: number): ResolvedAnswer | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (nowMs >= entry.expiresAtMs) {
      this.entries.delete(key);
      return undefined;
    }
    // Refresh recency: Map iteration order is insertion order, so re-inserting moves it to the end.
    this.entries.delete(key);
    this.entries.set(key, entry);
    const elapsed = Math.floor(Math.max(0, nowMs - entry.storedAtMs) / 1000);
    const { answer } = entry;
    return {
      ...answer,
      answers: withElapsed(answer.answers, elapsed),
      authorities: withElapsed(answer.authorities, elapsed),
      additionals: withElapsed(answer.additionals, elapsed),
    };
  }

  /** Stores `answer` if it is cacheable; returns the TTL used (0: not stored). */
  put(key: string, answer: ResolvedAnswer, nowMs: number): number {
    const ttl = cacheableTtl(answer, this.options);
    if (ttl <= 0 || this.options.maxEntries === 0) return 0;
    this.entries.delete(key);
    while (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { answer, storedAtMs: nowMs, expiresAtMs: nowMs + ttl * 1000 });
    return ttl;
  }

  /** Drops every entry. */
  clear(): void {
    this.entries.clear();
  }
}
