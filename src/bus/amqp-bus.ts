/**
 * The bus over AMQP 0-9-1 (RabbitMQ, amqplib), laid out like oslo.messaging's RPC for Neutron (design and
 * reasons in docs/bus.md, names in `amqp-topology.ts`):
 *
 * - requests: to the servers' shared queue (competing consumers, manual ack after the reply, bounded
 *   prefetch), answered through RabbitMQ's direct reply-to, matched by correlation id; a per-message TTL
 *   of the caller's timeout, `mandatory` so "no server at all" fails at once;
 * - events: to a direct exchange, routing key per agent host (or `fanout`); each agent process consumes an
 *   exclusive, auto-deleted queue, so a dead agent leaves nothing behind; server-side subscribers get
 *   their own process's publishes directly;
 * - everything received is validated against its schema: invalid → log line + counter, dropped;
 * - a lost connection or channel: pending requests fail at once, publishes fail fast, reconnect with
 *   capped exponential backoff and jitter, topology and consumers re-declared, then `onReconnect`
 *   listeners run (the agent resyncs: what was published meanwhile is not lost for it).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import { errorText, isQdhcpError, QdhcpError } from '../common/errors.js';
import type { AmqpBusOptions } from './amqp-bus-options.js';
import {
  consumeRequests,
  declareAgentQueue,
  deleteAgentQueue,
  JSON_TYPE,
  publishConfirmed,
  replyAndAck,
  stopConsumingRequests,
} from './amqp-consumers.js';
import { backoffDelay, type Link, openLink } from './amqp-link.js';
import { answerRequest, checkBody, PendingCalls } from './amqp-rpc.js';
import { type AmqpAddress, type AmqpNames, amqpNames, parseAmqpUrl } from './amqp-topology.js';
import type {
  Bus,
  BusStats,
  EventHandler,
  PublishOptions,
  RequestHandler,
  SubscribeOptions,
  Unsubscribe,
} from './bus.js';
import { BusCounters } from './bus-counters.js';
import { type BusEvent, BusEventSchema, type BusRequest } from './messages.js';
import { Subscribers } from './subscribers.js';

const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Connects to the broker at `url` (see `parseAmqpUrl`) and resolves with the bus once connected; rejects
 * when the broker stays unreachable for `connectTimeoutMs`. After that, losses are repaired in the
 * background for as long as the bus is open.
 */
export async function createAmqpBus(url: string, options: AmqpBusOptions = {}): Promise<Bus> {
  const bus = new AmqpBus(parseAmqpUrl(url), options);
  await bus.start();
  return bus;
}

class AmqpBus implements Bus {
  private readonly names: AmqpNames;
  private readonly subscribers: Subscribers;
  private readonly servers = new Map<string, RequestHandler>();
  private readonly pending = new PendingCalls();
  private readonly reconnectListeners = new Set<() => void>();
  private readonly counters = new BusCounters('amqp');
  /** A per-process suffix of agent queue names. */
  private readonly instance = randomUUID().slice(0, 8);
  private readonly initialDelay: number;
  private readonly maxDelay: number;
  private link: Link | undefined;
  /** Topology changes run one at a time, in order; requests wait for it (see `Bus.subscribe`). */
  private topology: Promise<void> = Promise.resolve();
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Why the broker blocks publishing (connection.blocked), while it does. */
  private blocked: string | undefined;
  private closed = false;

  constructor(
    private readonly address: AmqpAddress,
    private readonly options: AmqpBusOptions,
  ) {
    this.names = amqpNames(address.prefix);
    this.subscribers = new Subscribers(options.onHandlerError ?? (() => undefined));
    this.initialDelay = options.reconnectDelayMs?.initial ?? 200;
    this.maxDelay = options.reconnectDelayMs?.max ?? 5000;
  }

  /** The first connection, retried with backoff until `connectTimeoutMs`. */
  async start(): Promise<void> {
    const deadline = Date.now() + (this.options.connectTimeoutMs ?? 30_000);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.connectLink();
        return;
      } catch (error) {
        const delay = backoffDelay(attempt, this.initialDelay, this.maxDelay);
        if (this.closed || Date.now() + delay > deadline) {
          await this.close();
          throw new QdhcpError(
            'BUS_CONNECT_FAILED',
            { url: this.address.display, reason: errorText(error) },
            { cause: error },
          );
        }
        this.options.logger?.warn(
          {
            event: 'bus.connect_failed',
            url: this.address.display,
            error: errorText(error),
            retryInMs: delay,
          },
          'message bus not reachable yet',
        );
        await sleep(delay);
      }
    }
  }

  async publish(event: BusEvent, options: PublishOptions = {}): Promise<void> {
    if (this.closed) return;
    this.subscribers.deliverToServerSide(event);
    const keys =
      options.hosts === undefined ? [this.names.fanoutKey] : options.hosts.map((h) => this.names.hostKey(h));
    if (keys.length === 0) return;
    const link = this.link;
    if (link === undefined || this.blocked !== undefined) {
      this.counters.publishFailures++;
      throw link === undefined
        ? new QdhcpError('BUS_NOT_CONNECTED', { url: this.address.display })
        : new QdhcpError('BUS_PUBLISH_BLOCKED', { reason: this.blocked ?? '' });
    }
    try {
      await publishConfirmed(link, this.names, keys, Buffer.from(JSON.stringify(event)), event.schema);
      this.counters.messagesOut += keys.length;
    } catch (error) {
      this.counters.publishFailures++;
      throw isQdhcpError(error) ? error : new QdhcpError('BUS_PUBLISH_FAILED', { reason: errorText(error) });
    }
  }

  subscribe(handler: EventHandler, options: SubscribeOptions = {}): Unsubscribe {
    const host = options.host;
    const isNewHost = host !== undefined && !this.subscribers.hosts().has(host);
    const remove = this.subscribers.add(handler, options);
    if (isNewHost) this.changeTopology((link) => this.declareAgentQueue(link, host));
    let done = false;
    return () => {
      if (done) return;
      done = true;
      remove();
      if (host !== undefined && !this.subscribers.hosts().has(host))
        this.changeTopology((link) => deleteAgentQueue(link, host));
    };
  }

  async request(request: BusRequest, { timeoutMs = 30_000 }: { timeoutMs?: number } = {}): Promise<unknown> {
    const started = performance.now();
    let ok = false;
    try {
      // Disconnected: fail now (not after the reconnect attempt in progress). Connected: wait for pending
      // subscriptions, so the reply cannot overtake a subscription made before this call (bus.ts).
      if (this.link !== undefined) await this.topology;
      const result = await this.send(request, timeoutMs);
      ok = true;
      return result;
    } finally {
      this.counters.requestFinished((performance.now() - started) / 1000, ok);
    }
  }

  serve(method: string, handler: RequestHandler): Unsubscribe {
    if (this.servers.has(method)) throw new QdhcpError('BUS_METHOD_ALREADY_SERVED', { method });
    this.servers.set(method, handler);
    if (this.servers.size === 1) this.changeTopology((link) => this.consumeRequests(link));
    return () => {
      if (this.servers.get(method) !== handler) return;
      this.servers.delete(method);
      if (this.servers.size === 0) this.changeTopology((link) => stopConsumingRequests(link));
    };
  }

  onReconnect(listener: () => void): Unsubscribe {
    this.reconnectListeners.add(listener);
    return () => {
      this.reconnectListeners.delete(listener);
    };
  }

  async flush(): Promise<void> {
    await this.topology;
  }

  stats(): BusStats {
    return this.counters.snapshot();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.pending.failAll('the bus is closed');
    await this.topology;
    const link = this.link;
    this.link = undefined;
    this.counters.connected = false;
    // Closing the connection deletes this process's exclusive queues; unacked requests go to other servers.
    await link?.model.close().catch(() => undefined);
    await this.subscribers.idle();
    this.subscribers.clear();
    this.servers.clear();
  }

  // --- connection ---------------------------------------------------------------------------------

  /** Connects, declares the topology and re-creates this process's consumers, as one topology change. */
  private connectLink(): Promise<void> {
    const run = this.topology.then(async () => {
      if (this.closed) return;
      const link = await openLink(this.address, this.options.connectionName ?? `qdhcp pid ${process.pid}`, {
        closed: (closedLink) => this.lost(closedLink, 'connection or channel closed'),
        blocked: (why) => {
          this.blocked = why;
          if (why === undefined)
            this.options.logger?.info({ event: 'bus.unblocked' }, 'broker accepts publishing again');
          else this.options.logger?.warn({ event: 'bus.blocked', reason: why }, 'broker blocks publishing');
        },
        error: (error) =>
          this.options.logger?.warn({ event: 'bus.error', error: error.message }, 'message bus error'),
      });
      try {
        await link.events.assertExchange(this.names.eventsExchange, 'direct', { durable: false });
        link.calls.on('return', (message: ConsumeMessage) => this.returned(message));
        await link.calls.consume(DIRECT_REPLY_TO, (message) => this.onReply(message), { noAck: true });
        await link.work.prefetch(this.options.serverConcurrency ?? 32);
        for (const host of this.subscribers.hosts()) await this.declareAgentQueue(link, host);
        if (this.servers.size > 0) await this.consumeRequests(link);
        if (link.closed)
          throw new QdhcpError('BUS_CONNECTION_LOST', { reason: 'closed while it was being set up' });
      } catch (error) {
        await link.model.close().catch(() => undefined);
        throw error;
      }
      this.blocked = undefined;
      this.link = link;
      this.counters.connected = true;
      this.options.logger?.info(
        { event: 'bus.connected', url: this.address.display, prefix: this.address.prefix },
        'message bus connected',
      );
    });
    this.topology = run.catch(() => undefined);
    return run;
  }

  /** A connection or channel of `link` went away: fail what waits on it and reconnect. */
  private lost(link: Link, why: string): void {
    if (this.link !== link) return;
    this.link = undefined;
    this.counters.connected = false;
    this.pending.failAll(`connection to the message bus lost (${why})`);
    void link.model.close().catch(() => undefined);
    if (this.closed) return;
    this.options.logger?.warn({ event: 'bus.disconnected', reason: why }, 'message bus connection lost');
    this.scheduleReconnect(0);
  }

  private scheduleReconnect(attempt: number): void {
    const delay = backoffDelay(attempt, this.initialDelay, this.maxDelay);
    this.reconnectTimer = setTimeout(() => {
      this.connectLink().then(
        () => {
          if (this.closed || this.link === undefined) return;
          this.counters.reconnects++;
          this.options.logger?.info(
            { event: 'bus.reconnected', attempts: attempt + 1 },
            'message bus reconnected',
          );
          for (const listener of this.reconnectListeners) listener();
        },
        (error: unknown) => {
          if (this.closed) return;
          this.options.logger?.warn(
            { event: 'bus.reconnect_failed', attempt: attempt + 1, error: errorText(error) },
            'message bus reconnect failed',
          );
          this.scheduleReconnect(attempt + 1);
        },
      );
    }, delay);
  }

  /** Queues a change of consumers/queues behind the others; done now if connected, else on connect. */
  private changeTopology(change: (link: Link) => Promise<void>): void {
    this.topology = this.topology.then(async () => {
      const link = this.link;
      if (link === undefined || this.closed) return;
      try {
        await change(link);
      } catch (error) {
        // The channel closes on a failed operation; `lost` reconnects and re-declares everything.
        this.options.logger?.warn(
          { event: 'bus.topology_failed', error: errorText(error) },
          'bus topology change failed',
        );
      }
    });
  }

  // --- events -------------------------------------------------------------------------------------

  private declareAgentQueue(link: Link, host: string): Promise<void> {
    return declareAgentQueue(link, this.names, host, this.instance, (message) =>
      this.onEvent(link, host, message),
    );
  }

  private onEvent(link: Link, host: string, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the consumer (queue deleted under us): start over.
      if (link.agentQueues.has(host)) this.lost(link, 'agent queue cancelled by the broker');
      return;
    }
    this.counters.messagesIn++;
    const { value, invalid } = checkBody(BusEventSchema, message.content);
    if (invalid !== undefined) this.invalid('event', invalid);
    else this.subscribers.deliverToHost(value as BusEvent, host);
  }

  private invalid(kind: string, detail: string): void {
    this.counters.messagesInvalid++;
    this.options.logger?.warn({ event: 'bus.message_invalid', kind, detail }, 'invalid bus message dropped');
  }

  // --- requests (server side) -----------------------------------------------------------------------

  private consumeRequests(link: Link): Promise<void> {
    return consumeRequests(link, this.names, (message) => {
      void this.onRequest(link, message);
    });
  }

  private async onRequest(link: Link, message: ConsumeMessage | null): Promise<void> {
    if (message === null) {
      if (link.rpcConsumerTag !== undefined) this.lost(link, 'request queue cancelled by the broker');
      return;
    }
    this.counters.messagesIn++;
    const { reply, invalid } = await answerRequest(message.content, this.servers);
    if (invalid !== undefined) this.invalid('request', invalid);
    if (replyAndAck(link, message, reply)) this.counters.messagesOut++;
  }

  // --- requests (caller side) -----------------------------------------------------------------------

  private send(request: BusRequest, timeoutMs: number): Promise<unknown> {
    const { method } = request;
    const link = this.link;
    if (link === undefined)
      return Promise.reject(new QdhcpError('BUS_NOT_CONNECTED', { url: this.address.display }));
    return this.pending.start(method, timeoutMs, (correlationId) => {
      link.calls.publish('', this.names.rpcQueue, Buffer.from(JSON.stringify(request)), {
        correlationId,
        replyTo: DIRECT_REPLY_TO,
        expiration: String(timeoutMs),
        mandatory: true,
        contentType: JSON_TYPE,
        type: method,
      });
      this.counters.messagesOut++;
    });
  }

  private onReply(message: ConsumeMessage | null): void {
    if (message === null) return;
    this.counters.messagesIn++;
    const invalid = this.pending.reply(String(message.properties.correlationId), message.content);
    if (invalid !== undefined) this.invalid('reply', invalid);
  }

  /** A `mandatory` request found no queue: no server has ever declared it (or it expired). */
  private returned(message: ConsumeMessage): void {
    this.pending.fail(
      String(message.properties.correlationId),
      (method) => new QdhcpError('BUS_NO_SERVER', { method }),
    );
  }
}
