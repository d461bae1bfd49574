import { type Channel, type ChannelModel, connect } from 'amqplib';

/**
 * Timestamps neutron-server's `port_create_end` casts to the DHCP agent, on the benchmark's clock: an
 * exclusive queue of our own bound to the `neutron` control exchange with the agent's routing key
 * `dhcp_agent.<host>` receives a copy of every cast the agent receives. Time from the cast to the ACK is
 * what the agent controls; time from the 201 adds the server's own work after its reply.
 * oslo.messaging wraps each message as `{"oslo.version": "2.0", "oslo.message": "<json>"}` whose inner
 * object has `method` and `args.payload.port.id`.
 */
export class CastListener {
  private readonly seen = new Map<string, number>();
  private readonly waiters = new Map<string, (at: number) => void>();

  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: Channel,
    private readonly host: string,
  ) {}

  static async open(url: string, host: string): Promise<CastListener> {
    const connection = await connect(url.replace(/^rabbit:/, 'amqp:'));
    const channel = await connection.createChannel();
    // neutron-server declared the exchange when its RPC servers started (non-durable topic, as oslo does).
    await channel.assertExchange('neutron', 'topic', { durable: false, autoDelete: false });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, 'neutron', `dhcp_agent.${host}`);
    const listener = new CastListener(connection, channel, host);
    await channel.consume(
      queue,
      (message) => {
        if (message === null) return;
        const at = performance.now();
        const portId = portCreated(message.content.toString('utf8'));
        if (portId === undefined) return;
        listener.seen.set(portId, at);
        listener.waiters.get(portId)?.(at);
      },
      { noAck: true },
    );
    return listener;
  }

  /** When the cast for `portId` arrived, waiting up to `timeoutMs` for it (undefined: none seen). */
  async castAt(portId: string, timeoutMs: number): Promise<number | undefined> {
    const known = this.seen.get(portId);
    if (known !== undefined) return known;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<number | undefined>((resolve) => {
        this.waiters.set(portId, resolve);
        timer = setTimeout(() => resolve(undefined), timeoutMs);
      });
    } finally {
      this.waiters.delete(portId);
      clearTimeout(timer);
    }
  }

  /**
   * Empties the agent's own topic queue (`dhcp_agent.<host>`, declared by oslo.messaging when an agent first
   * consumed it, kept while no agent runs). A channel of its own: a missing queue closes the channel.
   */
  async purgeAgentQueue(): Promise<void> {
    const channel = await this.connection.createChannel();
    channel.on('error', () => undefined);
    try {
      await channel.purgeQueue(`dhcp_agent.${this.host}`);
      await channel.close();
    } catch {
      // no agent has consumed yet: nothing queued
    }
  }

  async close(): Promise<void> {
    await this.channel.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}

/** The port id of a `port_create_end` cast, or undefined for any other message. */
export function portCreated(body: string): string | undefined {
  try {
    const outer = JSON.parse(body) as { 'oslo.message'?: unknown };
    const inner: unknown =
      typeof outer['oslo.message'] === 'string' ? JSON.parse(outer['oslo.message']) : outer;
    if (typeof inner !== 'object' || inner === null) return undefined;
    const { method, args } = inner as { method?: unknown; args?: { payload?: { port?: { id?: unknown } } } };
    const id = args?.payload?.port?.id;
    return method === 'port_create_end' && typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
