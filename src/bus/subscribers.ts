/**
 * The subscribers of one bus, shared by both transports: each subscriber sees its events in delivery
 * order (a per-subscriber promise chain), and one failing subscriber affects no other.
 *
 * @module
 */
import type { EventHandler, SubscribeOptions, Unsubscribe } from './bus.js';
import type { BusEvent } from './messages.js';

/** What the bus does with a subscriber's failure (the composition root passes a logger here). */
export type BusErrorReporter = (error: unknown, event: BusEvent) => void;

interface Subscriber {
  readonly handler: EventHandler;
  readonly host: string | undefined;
  queue: Promise<void>;
}

/** A set of subscribers, server-side (no host) and per agent host. */
export class Subscribers {
  private readonly all = new Set<Subscriber>();

  constructor(private readonly report: BusErrorReporter) {}

  add(handler: EventHandler, options: SubscribeOptions = {}): Unsubscribe {
    const subscriber: Subscriber = { handler, host: options.host, queue: Promise.resolve() };
    this.all.add(subscriber);
    return () => {
      this.all.delete(subscriber);
    };
  }

  /** The agent hosts somebody subscribed for. */
  hosts(): Set<string> {
    const hosts = new Set<string>();
    for (const s of this.all) if (s.host !== undefined) hosts.add(s.host);
    return hosts;
  }

  /** Delivers to the server-side subscribers (no host). */
  deliverToServerSide(event: BusEvent): void {
    for (const s of this.all) if (s.host === undefined) this.enqueue(s, event);
  }

  /** Delivers to the subscribers of agent `host`. */
  deliverToHost(event: BusEvent, host: string): void {
    for (const s of this.all) if (s.host === host) this.enqueue(s, event);
  }

  /** Delivers an event addressed to `hosts` (undefined = every host) to the agent-side subscribers. */
  deliverAddressed(event: BusEvent, hosts: readonly string[] | undefined): void {
    for (const s of this.all)
      if (s.host !== undefined && (hosts === undefined || hosts.includes(s.host))) this.enqueue(s, event);
  }

  /** Resolves when every delivery so far has been handled. */
  async idle(): Promise<void> {
    await Promise.all([...this.all].map((s) => s.queue));
  }

  clear(): void {
    this.all.clear();
  }

  private enqueue(subscriber: Subscriber, event: BusEvent): void {
    subscriber.queue = subscriber.queue
      .then(() => subscriber.handler(event))
      .catch((error: unknown) => this.report(error, event));
  }
}
