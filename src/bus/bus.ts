/**
 * The bus interface: publish/subscribe for events, and request/reply for agent→server calls. Two
 * transports implement it — in-process (`in-process-bus.ts`, all-in-one) and AMQP 0-9-1 (`amqp-bus.ts`,
 * servers and agents in separate processes) — so services and agents never know which one they talk to.
 * `bus-contract.ts` (in `testing/`) is the one suite both pass.
 *
 * Addressing (spec §4.11: the server casts to the agents hosting a network): an event published with
 * `hosts` reaches the subscribers that subscribed for one of those hosts; without `hosts` it reaches every
 * host (fan-out). A subscriber without a host is a server-side one: it gets every event its own process
 * publishes (over AMQP, only those: servers do not see each other's events).
 *
 * @module
 */
import type { BusEvent, BusRequest } from './messages.js';

/** Receives events; an exception or rejection is reported by the bus, never thrown to the publisher. */
export type EventHandler = (event: BusEvent) => void | Promise<void>;

/** Answers one request method. */
export type RequestHandler = (params: Readonly<Record<string, unknown>>) => Promise<unknown>;

/** Call to stop receiving. Safe to call more than once. */
export type Unsubscribe = () => void;

/** Where an event goes. */
export interface PublishOptions {
  /**
   * The agent hosts the event is addressed to; absent = every host (fan-out); empty = no agent (only
   * the publishing process's server-side subscribers).
   */
  readonly hosts?: readonly string[];
}

/** What a subscriber receives. */
export interface SubscribeOptions {
  /** Receive the events addressed to this agent host (and fan-outs); absent = server-side subscriber. */
  readonly host?: string;
}

/** Counters of one bus, for metrics (all since the bus was created). */
export interface BusStats {
  readonly transport: 'inprocess' | 'amqp' | 'neutron';
  /** The in-process bus is always connected. */
  readonly connected: boolean;
  /** Successful reconnects after the first connection. */
  readonly reconnects: number;
  /** Events, requests and replies received from the transport. */
  readonly messagesIn: number;
  /** Events, requests and replies handed to the transport. */
  readonly messagesOut: number;
  /** Received messages that failed their schema (logged, dropped). */
  readonly messagesInvalid: number;
  /** Publishes the transport did not accept (e.g. broker away). */
  readonly publishFailures: number;
  /** Requests this process made: how many, how many failed, and their latency. */
  readonly requests: {
    readonly total: number;
    readonly failed: number;
    /** Cumulative counts per upper bound in seconds (Prometheus histogram buckets), then +Inf = total. */
    readonly latencyBuckets: ReadonlyArray<readonly [number, number]>;
    readonly latencySecondsSum: number;
  };
}

/** The message bus between the control plane and agents. */
export interface Bus {
  /**
   * Delivers `event` to the subscribers it is addressed to (see {@link PublishOptions}). Resolves when
   * the transport has accepted it; rejects at once when it cannot (the caller logs; agents recover what
   * they missed by resyncing after a reconnect).
   */
  publish(event: BusEvent, options?: PublishOptions): Promise<void>;
  /**
   * Starts receiving. A request sent after `subscribe` returns is sent only once the subscription is in
   * place, so events published after that request was answered reach this subscriber (no gap between a
   * subscription and the first resync).
   */
  subscribe(handler: EventHandler, options?: SubscribeOptions): Unsubscribe;
  /** Sends a request to whoever serves `request.method` and resolves with its reply. */
  request(request: BusRequest, options?: { timeoutMs?: number }): Promise<unknown>;
  /** Serves one request method (one handler per method and process). */
  serve(method: string, handler: RequestHandler): Unsubscribe;
  /**
   * Called after the transport came back from a loss (not on the first connection): events may have
   * been lost meanwhile, so an agent resyncs. The in-process bus never calls it.
   */
  onReconnect(listener: () => void): Unsubscribe;
  /**
   * Resolves when every `subscribe` and `serve` made so far is in place at the transport (over AMQP:
   * queues declared, consumers started), e.g. before a server says it is up. Never rejects.
   */
  flush(): Promise<void>;
  stats(): BusStats;
  close(): Promise<void>;
}

/** The part of a logger the bus uses (pino's Logger fits). */
export interface BusLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * `bus` with `publish` (and, when given, `close`) replaced: what a wrapper that changes how events go out
 * (addressing, owing resyncs) keeps of the bus it wraps.
 */
export function withPublish(bus: Bus, publish: Bus['publish'], close: Bus['close'] = () => bus.close()): Bus {
  return {
    publish,
    subscribe: (handler, options) => bus.subscribe(handler, options),
    request: (request, options) => bus.request(request, options),
    serve: (method, handler) => bus.serve(method, handler),
    onReconnect: (listener) => bus.onReconnect(listener),
    flush: () => bus.flush(),
    stats: () => bus.stats(),
    close,
  };
}
