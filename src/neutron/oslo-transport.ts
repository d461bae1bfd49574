/**
 * The agent's side of oslo.messaging's RabbitMQ driver, on amqplib: RPC calls to neutron-server's topics
 * with replies on our own reply queue, and the casts neutron-server sends to `dhcp_agent.<host>`, to
 * `dhcp_agent` and to the `dhcp_agent_fanout` exchange. The names and declaration flags are oslo's
 * defaults (`amqp_durable_queues = false`, `amqp_auto_delete = false`, `rabbit_transient_queues_ttl` 1800 s):
 * RabbitMQ refuses a redeclaration with other flags (PRECONDITION_FAILED), and neutron-server declares
 * the same exchange and its own queues.
 *
 * A lost connection fails the calls in flight, reconnects with capped backoff (new reply and fanout queues,
 * as oslo does) and then tells the owner, who resyncs: casts sent meanwhile are lost.
 *
 * @module
 */
import { type Channel, type ChannelModel, type ConsumeMessage, connect } from 'amqplib';
import { backoffDelay } from '../bus/amqp-link.js';
import type { BusLogger, BusStats } from '../bus/bus.js';
import { BusCounters } from '../bus/bus-counters.js';
import { QdhcpError } from '../common/errors.js';
import type { NeutronAddress } from './neutron-url.js';
import {
  decodeReply,
  decodeRequest,
  encodeRequest,
  hexId,
  type OsloRequest,
  parseFailure,
  type RemoteFailure,
} from './oslo-envelope.js';

/** oslo's `rabbit_transient_queues_ttl` default: reply and fanout queues expire 30 min after last use. */
const TRANSIENT_QUEUE_TTL_MS = 1_800_000;

export interface OsloTransportOptions {
  /**
   * The broker's hosts (`transport_url`'s, neutron-url.ts), tried in this order: the first that answers is
   * used; when its connection is lost the next one is tried, round-robin (kombu's default
   * `kombu_failover_strategy`). Backoff only after every host failed once in a row.
   */
  readonly addresses: readonly NeutronAddress[];
  /** oslo's `control_exchange` (Neutron: `neutron`). */
  readonly exchange: string;
  /** The topic this process listens on (`dhcp_agent`) and its server name (`host`). */
  readonly topic: string;
  readonly server: string;
  readonly logger: BusLogger;
  /** A received cast, already validated. */
  readonly onCast: (request: OsloRequest) => void;
  /** The connection came back after a loss. */
  readonly onReconnect: () => void;
  readonly reconnectInitialMs?: number;
  readonly reconnectMaxMs?: number;
}

/** A call failed on the server: its exception class (Neutron's error name) and message. */
export class RemoteCallError extends QdhcpError {
  constructor(
    readonly method: string,
    readonly failure: RemoteFailure,
  ) {
    super('NEUTRON_REMOTE_ERROR', { method, class: failure.className, reason: failure.message });
  }
}

interface Pending {
  readonly method: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

interface Live {
  readonly model: ChannelModel;
  readonly channel: Channel;
  readonly replyQueue: string;
}

export class OsloTransport {
  private live: Live | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly counters = new BusCounters('neutron');
  private closed = false;
  private everConnected = false;
  private attempt = 0;
  /** Index in `addresses` of the host connected to, or tried next. */
  private host = 0;
  /** Hosts that failed in a row since the last connection or backoff. */
  private failedInRound = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private firstConnect: Promise<void> | undefined;

  constructor(private readonly options: OsloTransportOptions) {}

  /** Connects in the background (retrying); resolves once the first connection is up or on close. */
  start(): Promise<void> {
    this.firstConnect ??= new Promise<void>((resolve) => this.tryConnect(resolve));
    return this.firstConnect;
  }

  /**
   * An RPC call: publishes `method` to `topic` on the control exchange and waits for the reply (at most
   * `timeoutMs`, also the message's expiration, as oslo does). Rejects at once while disconnected.
   */
  call(
    topic: string,
    method: string,
    args: Record<string, unknown>,
    version: string,
    timeoutMs: number,
  ): Promise<unknown> {
    const live = this.live;
    if (live === undefined)
      return Promise.reject(new QdhcpError('BUS_NOT_CONNECTED', { url: this.address().display }));
    const msgId = hexId();
    const started = performance.now();
    return new Promise<unknown>((resolve, reject) => {
      const finish = (ok: boolean) => {
        this.pending.delete(msgId);
        this.counters.requestFinished((performance.now() - started) / 1000, ok);
      };
      const timer = setTimeout(() => {
        finish(false);
        reject(new QdhcpError('BUS_REQUEST_TIMEOUT', { method, timeout_ms: timeoutMs }));
      }, timeoutMs);
      this.pending.set(msgId, {
        method,
        timer,
        resolve: (value) => {
          finish(true);
          resolve(value);
        },
        reject: (error) => {
          finish(false);
          reject(error);
        },
      });
      const body = encodeRequest({
        method,
        args,
        version,
        reply: { msgId, replyQueue: live.replyQueue, timeoutSeconds: timeoutMs / 1000 },
      });
      try {
        live.channel.publish(this.options.exchange, topic, body, {
          contentType: 'application/json',
          contentEncoding: 'utf-8',
          expiration: String(timeoutMs),
          // No queue bound to the topic (e.g. neutron-server still re-declaring its queues after a broker
          // restart): RabbitMQ returns the call at once instead of dropping it, so it fails now rather than
          // after the whole timeout (oslo.messaging sends its calls mandatory for the same reason).
          mandatory: true,
          messageId: msgId,
        });
        this.counters.messagesOut++;
      } catch (error) {
        clearTimeout(timer);
        this.counters.publishFailures++;
        this.pending
          .get(msgId)
          ?.reject(new QdhcpError('BUS_REQUEST_FAILED', { method, reason: String(error) }, { cause: error }));
      }
    });
  }

  /** A message that passed the envelope but not its payload's schema (the owner logs it). */
  countInvalid(): void {
    this.counters.messagesInvalid++;
  }

  stats(): BusStats {
    return this.counters.snapshot();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    const live = this.live;
    this.live = undefined;
    this.failPending('transport closed');
    await live?.model.close().catch(() => undefined);
  }

  private tryConnect(firstUp: () => void): void {
    if (this.closed) {
      firstUp();
      return;
    }
    const address = this.address();
    this.open(address).then(
      (live) => {
        this.live = live;
        this.counters.connected = true;
        this.attempt = 0;
        this.failedInRound = 0;
        const reconnected = this.everConnected;
        this.everConnected = true;
        this.options.logger.info(
          { event: 'neutron.connected', url: address.display },
          'connected to the RabbitMQ of neutron-server',
        );
        firstUp();
        if (reconnected) {
          this.counters.reconnects++;
          this.options.onReconnect();
        }
      },
      (error: unknown) => {
        this.nextHost();
        // The next host at once while some host has not been tried in this round; then back off.
        this.failedInRound++;
        const roundOver = this.failedInRound >= this.options.addresses.length;
        if (roundOver) this.failedInRound = 0;
        const delay = roundOver
          ? backoffDelay(
              this.attempt++,
              this.options.reconnectInitialMs ?? 500,
              this.options.reconnectMaxMs ?? 10_000,
            )
          : 0;
        this.options.logger.warn(
          { event: 'neutron.connect_failed', url: address.display, err: error, retryMs: delay },
          'cannot connect to the RabbitMQ of neutron-server',
        );
        this.retryTimer = setTimeout(() => this.tryConnect(firstUp), delay);
      },
    );
  }

  private address(): NeutronAddress {
    const address = this.options.addresses[this.host];
    if (address === undefined) throw new QdhcpError('BUS_URL_INVALID', { reason: 'no RabbitMQ host' });
    return address;
  }

  private nextHost(): void {
    this.host = (this.host + 1) % this.options.addresses.length;
  }

  private async open(address: NeutronAddress): Promise<Live> {
    const { exchange, topic, server } = this.options;
    const model = await connect(address.connectUrl, {
      timeout: 10_000,
      noDelay: true,
      clientProperties: { connection_name: `qdhcp-agent:${server}` },
    });
    try {
      const channel = await model.createChannel();
      await channel.prefetch(200);
      // The control exchange, declared as neutron-server declares it.
      await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
      const replyQueue = `reply_${hexId()}`;
      await channel.assertQueue(replyQueue, {
        durable: false,
        autoDelete: false,
        arguments: { 'x-expires': TRANSIENT_QUEUE_TTL_MS },
      });
      await channel.consume(replyQueue, (message) => this.onReply(message), { noAck: true });
      channel.on('return', (message: ConsumeMessage) => this.onReturned(message));
      for (const key of [topic, `${topic}.${server}`]) {
        await channel.assertQueue(key, { durable: false, autoDelete: false });
        await channel.bindQueue(key, exchange, key);
        await channel.consume(key, (message) => this.onRequest(channel, message));
      }
      const fanoutExchange = `${topic}_fanout`;
      const fanoutQueue = `${topic}_fanout_${hexId()}`;
      await channel.assertExchange(fanoutExchange, 'fanout', { durable: false, autoDelete: true });
      await channel.assertQueue(fanoutQueue, {
        durable: false,
        autoDelete: false,
        arguments: { 'x-expires': TRANSIENT_QUEUE_TTL_MS },
      });
      await channel.bindQueue(fanoutQueue, fanoutExchange, topic);
      await channel.consume(fanoutQueue, (message) => this.onRequest(channel, message));
      const live: Live = { model, channel, replyQueue };
      const lost = (reason: string) => this.lost(live, reason);
      model.on('error', (error: Error) => lost(error.message));
      model.on('close', () => lost('connection closed'));
      channel.on('error', (error: Error) => lost(error.message));
      channel.on('close', () => lost('channel closed'));
      return live;
    } catch (error) {
      await model.close().catch(() => undefined);
      throw error;
    }
  }

  private lost(live: Live, reason: string): void {
    if (this.live !== live) return;
    this.live = undefined;
    this.counters.connected = false;
    this.failPending(reason);
    void live.model.close().catch(() => undefined);
    if (this.closed) return;
    this.options.logger.warn(
      { event: 'neutron.connection_lost', reason, url: this.address().display },
      'RabbitMQ connection lost, reconnecting',
    );
    // Failover: the next host first (with one host, the same one again).
    this.nextHost();
    this.tryConnect(() => undefined);
  }

  private failPending(reason: string): void {
    for (const call of [...this.pending.values()]) {
      clearTimeout(call.timer);
      call.reject(new QdhcpError('BUS_CONNECTION_LOST', { reason }));
    }
  }

  /** A call RabbitMQ could not route (see `mandatory` in {@link call}): it fails at once. */
  private onReturned(message: ConsumeMessage): void {
    const msgId: unknown = message.properties.messageId;
    const call = typeof msgId === 'string' ? this.pending.get(msgId) : undefined;
    if (call === undefined) return;
    clearTimeout(call.timer);
    call.reject(
      new QdhcpError('BUS_REQUEST_FAILED', {
        method: call.method,
        reason: `unroutable: no queue bound to ${message.fields.routingKey}`,
      }),
    );
  }

  private onReply(message: ConsumeMessage | null): void {
    if (message === null) return;
    this.counters.messagesIn++;
    const decoded = decodeReply(message.content);
    if (!decoded.ok) {
      this.invalid('reply', decoded.reason);
      return;
    }
    const reply = decoded.message;
    const call = this.pending.get(reply._msg_id);
    // A reply after its call timed out (or from a previous connection): nobody waits for it any more.
    if (call === undefined) return;
    // Replies with ending false are the intermediate ones of a generator call; Neutron's are single.
    if (reply.ending === false) return;
    clearTimeout(call.timer);
    if (typeof reply.failure === 'string')
      call.reject(new RemoteCallError(call.method, parseFailure(reply.failure)));
    else call.resolve(reply.result ?? null);
  }

  private onRequest(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) return;
    channel.ack(message);
    this.counters.messagesIn++;
    const decoded = decodeRequest(message.content);
    if (!decoded.ok) {
      this.invalid('cast', decoded.reason);
      return;
    }
    this.options.onCast(decoded.message);
  }

  private invalid(kind: string, reason: string): void {
    this.counters.messagesInvalid++;
    this.options.logger.warn({ event: 'neutron.message_invalid', kind, reason }, 'invalid message dropped');
  }
}
