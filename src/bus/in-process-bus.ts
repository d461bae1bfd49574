/**
 * The in-process bus (all-in-one): subscribers are called asynchronously (after the publisher's current
 * work), in publish order per subscriber, and one failing subscriber affects no other. Addressing works
 * as over AMQP (`bus.ts`), so both transports pass the same contract suite.
 *
 * @module
 */
import type { Bus, RequestHandler } from './bus.js';
import { BusCounters } from './bus-counters.js';
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
      try {
        const handler = servers.get(request.method);
        if (!handler) throw new Error(`no server for bus method ${request.method}`);
        const timeout = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`bus request ${request.method} timed out`)), timeoutMs);
        });
        const reply = await Promise.race([handler(request.params), timeout]);
        ok = true;
        return reply;
      } finally {
        clearTimeout(timer);
        counters.requestFinished((performance.now() - started) / 1000, ok);
      }
    },
    serve(method, handler) {
      if (servers.has(method)) throw new Error(`bus method ${method} is already served`);
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
