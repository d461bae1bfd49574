/**
 * The in-process bus: subscribers are called asynchronously (after the publisher's current work), in
 * publish order per subscriber, and one failing subscriber affects no other.
 *
 * @module
 */
import type { Bus, EventHandler, RequestHandler } from './bus.js';
import type { BusEvent, BusRequest } from './messages.js';

/** What the bus does with a subscriber's failure (the composition root passes a logger here). */
export type BusErrorReporter = (error: unknown, event: BusEvent) => void;

/** Creates an in-process bus. Nothing is shared between instances. */
export function createInProcessBus(options: { onHandlerError?: BusErrorReporter } = {}): Bus {
  const subscribers = new Set<{ handler: EventHandler; queue: Promise<void> }>();
  const servers = new Map<string, RequestHandler>();
  let closed = false;
  const report = options.onHandlerError ?? (() => undefined);

  return {
    async publish(event) {
      if (closed) return;
      for (const subscriber of subscribers) {
        // Chain per subscriber so each sees events in publish order.
        subscriber.queue = subscriber.queue
          .then(() => subscriber.handler(event))
          .catch((error: unknown) => report(error, event));
      }
    },
    subscribe(handler) {
      const subscriber = { handler, queue: Promise.resolve() };
      subscribers.add(subscriber);
      return () => {
        subscribers.delete(subscriber);
      };
    },
    async request(request: BusRequest, { timeoutMs = 30_000 } = {}) {
      const handler = servers.get(request.method);
      if (!handler) throw new Error(`no server for bus method ${request.method}`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`bus request ${request.method} timed out`)), timeoutMs);
      });
      try {
        return await Promise.race([handler(request.params), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    serve(method, handler) {
      if (servers.has(method)) throw new Error(`bus method ${method} is already served`);
      servers.set(method, handler);
      return () => {
        if (servers.get(method) === handler) servers.delete(method);
      };
    },
    async close() {
      closed = true;
      await Promise.all([...subscribers].map((s) => s.queue));
      subscribers.clear();
      servers.clear();
    },
  };
}
