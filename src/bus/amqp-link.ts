/**
 * One AMQP connection with the bus's three channels, opened as a unit and given up as a unit: any close
 * of the connection or of a channel marks the whole link closed (the bus then opens a new one).
 *
 * @module
 */
import { type Channel, type ChannelModel, type ConfirmChannel, connect } from 'amqplib';
import type { AmqpAddress } from './amqp-topology.js';

/** A live connection with its channels. */
export interface Link {
  readonly model: ChannelModel;
  /** Event publishes, with publisher confirms. */
  readonly events: ConfirmChannel;
  /** Requests and the direct reply-to consumer (they must share a channel). */
  readonly calls: Channel;
  /** Consumers (agent queues, the RPC queue) and replies. */
  readonly work: Channel;
  /** Agent host → the queue this process consumes for it on this link. */
  readonly agentQueues: Map<string, string>;
  rpcConsumerTag: string | undefined;
  /** True once the connection or a channel closed: the link is dead. */
  readonly closed: boolean;
}

/** What the owner of a link hears about it. */
export interface LinkListener {
  /** The connection or a channel closed (called once per close event; the link is dead). */
  closed(link: Link): void;
  /** The broker blocks publishing (`reason`) or, with undefined, accepts it again. */
  blocked(reason: string | undefined): void;
  /** An error event of the connection or a channel (a close follows when it is fatal). */
  error(error: Error): void;
}

/** Delay before reconnect attempt `attempt` (0-based): `initial` doubling up to `max`, ×0.5–1 jitter. */
export function backoffDelay(attempt: number, initial: number, max: number): number {
  const capped = Math.min(max, initial * 2 ** Math.min(attempt, 20));
  return Math.round(capped * (0.5 + Math.random() * 0.5));
}

/** Connects and opens the channels; rejects (closing what it opened) when any step fails. */
export async function openLink(
  address: AmqpAddress,
  connectionName: string,
  listener: LinkListener,
): Promise<Link> {
  const model = await connect(address.connectUrl, {
    // A broker that does not answer (not one that refuses) must not hold a reconnect attempt forever.
    timeout: 10_000,
    // Small request/reply frames: without it Nagle and delayed ACKs add ~40 ms to a call.
    noDelay: true,
    clientProperties: { connection_name: connectionName },
  });
  let link: (Link & { closed: boolean }) | undefined;
  let closedEarly = false;
  const onClose = () => {
    if (link === undefined) closedEarly = true;
    else {
      link.closed = true;
      listener.closed(link);
    }
  };
  const onError = (error: Error) => listener.error(error);
  model.on('error', onError);
  model.on('close', onClose);
  model.on('blocked', (reason: string) => listener.blocked(reason));
  model.on('unblocked', () => listener.blocked(undefined));
  const watched = <C extends Channel>(channel: C): C => {
    channel.on('error', onError);
    channel.on('close', onClose);
    return channel;
  };
  try {
    link = {
      model,
      events: watched(await model.createConfirmChannel()),
      calls: watched(await model.createChannel()),
      work: watched(await model.createChannel()),
      agentQueues: new Map(),
      rpcConsumerTag: undefined,
      closed: closedEarly,
    };
    return link;
  } catch (error) {
    await model.close().catch(() => undefined);
    throw error;
  }
}
