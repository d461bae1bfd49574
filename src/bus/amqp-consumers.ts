/**
 * What one bus process declares and consumes on a link, and its confirmed publishes: an agent host's
 * exclusive event queue, the servers' shared request queue, and an event publish that waits for the
 * broker's confirms. `amqp-bus.ts` decides when; these functions do the AMQP calls.
 *
 * @module
 */
import type { ConsumeMessage } from 'amqplib';
import { errorText, QdhcpError } from '../common/errors.js';
import type { Link } from './amqp-link.js';
import type { AmqpNames } from './amqp-topology.js';
import type { BusReply } from './messages.js';

/** How long the servers' queue outlives its last consumer (RabbitMQ `x-expires`). */
const RPC_QUEUE_EXPIRES_MS = 10 * 60_000;
/** How long a publish waits for the broker's confirm before it counts as failed. */
const CONFIRM_TIMEOUT_MS = 10_000;
export const JSON_TYPE = 'application/json';

type OnMessage = (message: ConsumeMessage | null) => void;

/** Declares and consumes this process's queue for `host` (once per link). */
export async function declareAgentQueue(
  link: Link,
  names: AmqpNames,
  host: string,
  instance: string,
  onMessage: OnMessage,
): Promise<void> {
  if (link.agentQueues.has(host)) return;
  const queue = names.agentQueue(host, instance);
  await link.work.assertQueue(queue, { exclusive: true, autoDelete: true, durable: false });
  await link.work.bindQueue(queue, names.eventsExchange, names.hostKey(host));
  await link.work.bindQueue(queue, names.eventsExchange, names.fanoutKey);
  // No acks: the queue dies with this process, so an ack would protect nothing (a restarted agent resyncs).
  await link.work.consume(queue, onMessage, { noAck: true, exclusive: true });
  link.agentQueues.set(host, queue);
}

/** Deletes this process's queue for `host`, if it has one on this link. */
export async function deleteAgentQueue(link: Link, host: string): Promise<void> {
  const queue = link.agentQueues.get(host);
  if (queue === undefined) return;
  link.agentQueues.delete(host);
  await link.work.deleteQueue(queue);
}

/** Starts consuming the servers' request queue (once per link); manual ack after the reply. */
export async function consumeRequests(link: Link, names: AmqpNames, onMessage: OnMessage): Promise<void> {
  if (link.rpcConsumerTag !== undefined) return;
  await link.work.assertQueue(names.rpcQueue, {
    durable: false,
    arguments: { 'x-expires': RPC_QUEUE_EXPIRES_MS },
  });
  const { consumerTag } = await link.work.consume(names.rpcQueue, onMessage);
  link.rpcConsumerTag = consumerTag;
}

/** Stops consuming the request queue (unacked requests go back to the other servers). */
export async function stopConsumingRequests(link: Link): Promise<void> {
  const tag = link.rpcConsumerTag;
  if (tag === undefined) return;
  link.rpcConsumerTag = undefined;
  await link.work.cancel(tag);
}

/**
 * Sends `reply` to the request's reply-to address and acks the request. True when a reply left; false when
 * the request wants none or the channel went away meanwhile (the broker then redelivers the request to a
 * server that is still up).
 */
export function replyAndAck(link: Link, request: ConsumeMessage, reply: BusReply): boolean {
  const { replyTo, correlationId } = request.properties;
  try {
    const wanted = typeof replyTo === 'string' && replyTo !== '';
    if (wanted)
      link.work.publish('', replyTo, Buffer.from(JSON.stringify(reply)), {
        correlationId,
        contentType: JSON_TYPE,
      });
    link.work.ack(request);
    return wanted;
  } catch {
    return false;
  }
}

/**
 * Publishes `body` to the events exchange under every key; resolves when the broker confirmed all of them,
 * rejects with `BUS_PUBLISH_FAILED` when it refused one or did not confirm in time.
 */
export async function publishConfirmed(
  link: Link,
  names: AmqpNames,
  keys: readonly string[],
  body: Buffer,
  type: string,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const confirmed = Promise.all(
    keys.map(
      (key) =>
        new Promise<void>((resolve, reject) => {
          link.events.publish(
            names.eventsExchange,
            key,
            body,
            { contentType: JSON_TYPE, type },
            (error: unknown) =>
              error ? reject(new QdhcpError('BUS_PUBLISH_FAILED', { reason: errorText(error) })) : resolve(),
          );
        }),
    ),
  );
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new QdhcpError('BUS_PUBLISH_FAILED', { reason: `not confirmed within ${CONFIRM_TIMEOUT_MS} ms` }),
        ),
      CONFIRM_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([confirmed, late]);
  } finally {
    clearTimeout(timer);
  }
}
