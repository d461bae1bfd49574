/**
 * Fair shares of one network's metadata listener (issue 17, "Fair metadata"): connections and in-flight
 * requests are capped per source address (the TCP peer, which is what identifies an instance — see
 * proxy-server.ts) and per network, so one instance holding idle connections cannot starve its
 * neighbours (measured before: 1,024 idle connections from one address left a neighbour 32 of 50 answers).
 *
 * @module
 */

/** Caps of one network's listener (options `metadata_*_per_source` / `_per_network`, docs/metadata.md). */
export interface SlotLimits {
  /** Open connections of one source address at once. */
  readonly connectionsPerSource: number;
  /** Open connections of the whole network at once. */
  readonly connectionsPerNetwork: number;
  /** Requests of one source being answered at once; more wait in order (bounded by its connections). */
  readonly requestsPerSource: number;
}

/** Why a connection was closed or refused, or a request made to wait (`qdhcp_metadata_limited_total`). */
export type LimitReason = 'source_connections' | 'network_connections' | 'source_requests';

/** What the slots need of a connection (a `net.Socket` in the proxy). */
export interface SlotConnection {
  destroy(): void;
}

interface Source<C> {
  readonly address: string;
  /** Insertion order is age. */
  readonly connections: Set<C>;
  /** Connections with no request being answered; insertion order is "idle since", oldest first. */
  readonly idle: Set<C>;
  inFlight: number;
  readonly waiting: Array<() => void>;
}

/**
 * The slots of one network. `admit` a connection when it is accepted and `release` it when it closes;
 * `requestStarted`/`requestFinished` mark it busy; `acquireRequest`/`releaseRequest` bracket the work of
 * answering. When a cap is reached the connection closed is always an idle one of the source holding the
 * most: a busy connection is never cut, and a source gives one up only to a source holding fewer.
 */
export class ConnectionSlots<C extends SlotConnection> {
  private readonly sources = new Map<string, Source<C>>();
  private readonly sourceOf = new Map<C, Source<C>>();
  private readonly busy = new Map<C, number>();
  private total = 0;

  constructor(
    private readonly limits: SlotLimits,
    private readonly onLimited: (reason: LimitReason) => void,
  ) {}

  /** Registers a new connection from `source`; false when it must be closed (nothing idle to give up). */
  admit(connection: C, address: string): boolean {
    const own = this.sources.get(address);
    if (own !== undefined && own.connections.size >= this.limits.connectionsPerSource) {
      this.onLimited('source_connections');
      // The source's own oldest idle connection makes room: a client that opens a new one is done with it.
      if (!this.evictIdle(own)) return false;
    }
    if (this.total >= this.limits.connectionsPerNetwork) {
      this.onLimited('network_connections');
      const holding = this.sources.get(address)?.connections.size ?? 0;
      const victim = this.largestWithIdle();
      // Only from a source that still holds at least as many as the newcomer afterwards.
      if (victim === undefined || victim.connections.size <= holding + 1 || !this.evictIdle(victim))
        return false;
    }
    // Looked up again: an eviction may have dropped the source's entry.
    const source = this.source(address);
    source.connections.add(connection);
    source.idle.add(connection);
    this.sourceOf.set(connection, source);
    this.total++;
    return true;
  }

  /** The connection closed (by either side). */
  release(connection: C): void {
    const source = this.sourceOf.get(connection);
    if (source === undefined) return;
    this.sourceOf.delete(connection);
    this.busy.delete(connection);
    source.connections.delete(connection);
    source.idle.delete(connection);
    this.total--;
    this.forgetIfUnused(source);
  }

  requestStarted(connection: C): void {
    const source = this.sourceOf.get(connection);
    if (source === undefined) return;
    this.busy.set(connection, (this.busy.get(connection) ?? 0) + 1);
    source.idle.delete(connection);
  }

  requestFinished(connection: C): void {
    const source = this.sourceOf.get(connection);
    const busy = this.busy.get(connection);
    if (source === undefined || busy === undefined) return;
    if (busy > 1) {
      this.busy.set(connection, busy - 1);
      return;
    }
    this.busy.delete(connection);
    source.idle.add(connection);
  }

  /**
   * A request slot of `address`: undefined when granted at once (the common case costs no promise),
   * else a promise that resolves when an earlier request of the same source finishes. Every grant is
   * paired with one {@link releaseRequest}.
   */
  acquireRequest(address: string): Promise<void> | undefined {
    const source = this.source(address);
    if (source.inFlight < this.limits.requestsPerSource) {
      source.inFlight++;
      return undefined;
    }
    this.onLimited('source_requests');
    return new Promise<void>((resolve) => source.waiting.push(resolve));
  }

  releaseRequest(address: string): void {
    const source = this.sources.get(address);
    if (source === undefined) return;
    const next = source.waiting.shift();
    // The slot passes straight to the next waiter: inFlight stays.
    if (next !== undefined) next();
    else source.inFlight--;
    this.forgetIfUnused(source);
  }

  /** Open connections: of one source, or of the network. */
  connections(address?: string): number {
    return address === undefined ? this.total : (this.sources.get(address)?.connections.size ?? 0);
  }

  private source(address: string): Source<C> {
    let source = this.sources.get(address);
    if (source === undefined) {
      source = { address, connections: new Set(), idle: new Set(), inFlight: 0, waiting: [] };
      this.sources.set(address, source);
    }
    return source;
  }

  private evictIdle(source: Source<C>): boolean {
    const [oldest] = source.idle;
    if (oldest === undefined) return false;
    this.release(oldest);
    oldest.destroy();
    return true;
  }

  /** The source holding the most connections among those with an idle one (linear: only at the cap). */
  private largestWithIdle(): Source<C> | undefined {
    let largest: Source<C> | undefined;
    for (const source of this.sources.values()) {
      if (
        source.idle.size > 0 &&
        (largest === undefined || source.connections.size > largest.connections.size)
      )
        largest = source;
    }
    return largest;
  }

  private forgetIfUnused(source: Source<C>): void {
    if (source.connections.size === 0 && source.inFlight === 0 && source.waiting.length === 0)
      this.sources.delete(source.address);
  }
}
