import type { BusLogger } from './bus.js';
import type { BusErrorReporter } from './subscribers.js';

/** How the AMQP bus behaves; every field has a default. */
export interface AmqpBusOptions {
  readonly logger?: BusLogger;
  readonly onHandlerError?: BusErrorReporter;
  /** Reconnect backoff: first delay and cap in ms (default 200 and 5000), each ×0.5–1 jitter. */
  readonly reconnectDelayMs?: { readonly initial: number; readonly max: number };
  /** How long the first connection may keep failing before `createAmqpBus` rejects (default 30 s). */
  readonly connectTimeoutMs?: number;
  /** Shown in the broker's connection list (e.g. "qdhcp agent host-1"). */
  readonly connectionName?: string;
  /** Requests one server handles at once (prefetch of the RPC queue; default 32). */
  readonly serverConcurrency?: number;
}
