/**
 * "Read everything again": what a server asks of every agent once it could not publish an event.
 *
 * An agent resyncs after *its own* transport came back (`Bus.onReconnect`), but a publish refused on the
 * *server's* side (its bus reconnecting, the broker blocking publishers) is lost for agents whose
 * connection never dropped; they would see the change only at their periodic resync, minutes later (the
 * flaky `scaleout-broker` e2e of stop 23 was this). So a server that failed to publish owes the agents a
 * resync: {@link owingResyncs} sends one fan-out `qdhcp.resync-request` as soon as the bus takes it again
 * (on its reconnect, else retried with backoff), and agents treat it as their own reconnect.
 *
 * History of `qdhcp.resync-request`: v1 (initial): origin (the server's host name), reason, occurredAt.
 * An older agent drops it as an unknown event (log line + counter) and catches up at its periodic resync.
 *
 * @module
 */
import { type Static, Type } from '@sinclair/typebox';
import { type Bus, type BusLogger, withPublish } from './bus.js';

export const ResyncRequestV1 = Type.Object({
  schema: Type.Literal('qdhcp.resync-request'),
  version: Type.Literal(1),
  origin: Type.String(),
  reason: Type.String(),
  occurredAt: Type.String(),
});
export type ResyncRequestV1 = Static<typeof ResyncRequestV1>;

/** Builds a v1 resync request. */
export function resyncRequest(origin: string, reason: string, now: Date = new Date()): ResyncRequestV1 {
  return { schema: 'qdhcp.resync-request', version: 1, origin, reason, occurredAt: now.toISOString() };
}

export interface OwingResyncsOptions {
  /** Names this server in the request and in log lines. */
  readonly origin: string;
  readonly logger?: BusLogger;
  /** First retry delay when the request itself is refused; doubles up to `maxRetryMs`. */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
}

/** The wrapped bus, and how to stop owing without closing the bus (when its owner closes it). */
export type OwingBus = Bus & { stopOwing(): void };

/**
 * `bus` whose failed publishes are followed by one fan-out resync request, sent on the bus's next
 * reconnect or by a retry timer (the broker may refuse publishes without dropping the connection).
 * Several failures before the request goes out cost one request. `close` and `stopOwing` stop the timer.
 */
export function owingResyncs(bus: Bus, options: OwingResyncsOptions): OwingBus {
  const first = options.retryMs ?? 1000;
  const max = options.maxRetryMs ?? 30_000;
  let owedSince: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delay = first;
  let closed = false;

  const settle = async (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    if (owedSince === undefined || closed) return;
    const reason = `events not published since ${owedSince}`;
    try {
      await bus.publish(resyncRequest(options.origin, reason));
      options.logger?.info({ event: 'bus.resync_requested', reason }, 'asked every agent to resync');
      owedSince = undefined;
      delay = first;
    } catch {
      schedule();
    }
  };
  const schedule = () => {
    if (timer !== undefined || closed) return;
    timer = setTimeout(() => void settle(), delay);
    timer.unref();
    delay = Math.min(delay * 2, max);
  };
  const unsubscribeReconnect = bus.onReconnect(() => void settle());
  const stopOwing = () => {
    closed = true;
    clearTimeout(timer);
    unsubscribeReconnect();
  };

  const publish: Bus['publish'] = async (event, publishOptions) => {
    try {
      await bus.publish(event, publishOptions);
    } catch (error) {
      if (owedSince === undefined) {
        owedSince = new Date().toISOString();
        options.logger?.warn(
          { event: 'bus.resync_owed' },
          'an event was not published: agents will be asked to resync',
        );
      }
      schedule();
      throw error;
    }
  };
  const close = async () => {
    stopOwing();
    await bus.close();
  };
  return { ...withPublish(bus, publish, close), stopOwing };
}
