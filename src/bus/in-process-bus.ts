/**
 * The in-process bus (all-in-one): subscribers are called asynchronously (after the publisher's current
 * work), in publish order per subscriber, and one failing subscriber affects no other. Addressing works
 * as over AMQP (`bus.ts`), so both transports pass the same contract suite.
 *
 * @module
 */
import { QdhcpError } from '../common/errors.js';
import type { Bus, RequestHandler } from './bus.js';
import { BusCounters } from './bus-counters.js';
import { fromWireError, toWireError } from './bus-error.js';
import type { BusRequest } from './messages.js';
import { type BusErrorReporter, Subscribers } from './subscribers.js';

export type { BusErrorReporter } from './subscribers.js';

/** Creates an in-process bus. Nothing is shared between instances. */
export function createInProcessBus(options: { onHandlerError?: BusErrorReporter } = {}): Bus {
  const subscribers = new Subscribers(options.onHandlerError ?? (() => undefined));
  const servers = new Map<string, RequestHandler>();
  const counters = new BusCounters('inprocess');
  counters.connected = true;
  let closed = false;

  return {
    async publish(event, publishOptions = {}) {
      if (closed) return;
      counters.messagesOut++;
      subscribers.deliverToServerSide(event);
      subscribers.deliverAddressed(event, publishOptions.hosts);
    },
    subscribe(handler, subscribeOptions) {
      return subscribers.add(handler, subscribeOptions);
    },
    async request(request: BusRequest, { timeoutMs = 30_000 } = {}) {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      let ok = false;
      const { method } = request;
      try {
        const handler = servers.get(method);
        if (!handler) throw new QdhcpError('BUS_NO_SERVER', { method });
        const timeout = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(
            () => reject(new QdhcpError('BUS_REQUEST_TIMEOUT', { method, timeout_ms: timeoutMs })),
            timeoutMs,
          );
        });
        // The handler's error as the AMQP transport would deliver it (same code, message, params).
        const answer = handler(request.params).catch((error: unknown) => {
          throw fromWireError(toWireError(error, method), method);
        });
        const reply = await Promise.race([answer, timeout]);
        ok = true;
        return reply;
      } finally {
        clearTimeout(timer);
        counters.requestFinished((performance.now() - started) / 1000, ok);
      }
    },
    serve(method, handler) {
      if (servers.has(method)) throw new QdhcpError('BUS_METHOD_ALREADY_SERVED', { method });
      servers.set(method, handler);
      return () => {
        if (servers.get(method) === handler) servers.delete(method);
      };
    },
    onReconnect() {
      return () => undefined;
    },
    async flush() {},
    stats() {
      return counters.snapshot();
    },
    async close() {
      closed = true;
      await subscribers.idle();
      subscribers.clear();
      servers.clear();
    },
  };
}
