/**
 * Test teardown on a shared broker: removes what a bus under one exchange prefix declared that outlives
 * its connections (the servers' queue and the events exchange; agent queues go with their connections).
 *
 * @module
 */
import { connect } from 'amqplib';
import { amqpNames } from '../amqp-topology.js';

export async function deleteBrokerObjects(brokerUrl: string, prefix: string): Promise<void> {
  const names = amqpNames(prefix);
  const connection = await connect(brokerUrl);
  try {
    const channel = await connection.createChannel();
    await channel.deleteQueue(names.rpcQueue);
    await channel.deleteExchange(names.eventsExchange);
  } finally {
    await connection.close().catch(() => undefined);
  }
}
