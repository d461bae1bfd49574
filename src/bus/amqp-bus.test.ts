/**
 * The AMQP bus against the real RabbitMQ on 127.0.0.1:5672 (guest/guest): the shared contract, then what
 * only a broker shows — servers sharing calls, invalid messages, fail-fast without a server. Every test
 * uses its own exchange prefix and deletes what it declared. Broker loss and reconnect: a private broker
 * node in `amqp-bus-reconnect.test.ts`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from 'amqplib';
import { createAmqpBus } from './amqp-bus.js';
import { amqpNames, parseAmqpUrl } from './amqp-topology.js';
import type { Bus } from './bus.js';
import { deleteBrokerObjects } from './testing/broker-cleanup.js';
import {
  type BusTransport,
  busContract,
  eventually,
  recorder,
  testEvent,
  testRequest,
} from './testing/bus-contract.js';

const BROKER = 'amqp://guest:guest@127.0.0.1:5672/';
let runs = 0;

/** Buses of one test on the shared broker, under a prefix of their own. */
function amqpTransport(): BusTransport & { readonly prefix: string } {
  const prefix = `qdhcp-test-${process.pid}-${++runs}`;
  const buses: Bus[] = [];
  const make = async () => {
    const bus = await createAmqpBus(`${BROKER}?exchange=${prefix}`, { connectTimeoutMs: 5000 });
    buses.push(bus);
    return bus;
  };
  return {
    prefix,
    server: make,
    agent: make,
    async close() {
      for (const bus of buses) await bus.close();
      await deleteBrokerObjects(BROKER, prefix);
    },
  };
}

busContract('amqp', async () => amqpTransport());

test('amqp: URLs: our exchange parameter is taken out, a heartbeat added, the password hidden', () => {
  const address = parseAmqpUrl('amqp://u:secret@rabbit:5673/vhost?exchange=site-1');
  assert.equal(address.prefix, 'site-1');
  assert.equal(address.connectUrl, 'amqp://u:secret@rabbit:5673/vhost?heartbeat=10');
  assert.equal(address.display, 'amqp://u:***@rabbit:5673/vhost?heartbeat=10');
  assert.equal(parseAmqpUrl('amqp://rabbit/?heartbeat=3').prefix, 'qdhcp');
  assert.throws(() => parseAmqpUrl('http://rabbit/'), /not an AMQP URL scheme/);
  assert.throws(() => parseAmqpUrl('amqp://rabbit/?exchange=a%20b'), /exchange "a b"/);
});

test('amqp: an unreachable broker is a clear error once the connect timeout is over', async () => {
  const started = Date.now();
  await assert.rejects(
    createAmqpBus('amqp://guest:guest@127.0.0.1:1/', { connectTimeoutMs: 300 }),
    /cannot connect to the message bus at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1\/.*ECONNREFUSED/,
  );
  assert.ok(Date.now() - started < 3000);
});

test('amqp: two servers share the calls (competing consumers on one queue)', async () => {
  const t = amqpTransport();
  try {
    const [a, b] = [await t.server(), await t.server()];
    const slowly = (name: string) => async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return name;
    };
    a.serve('who', slowly('a'));
    b.serve('who', slowly('b'));
    await Promise.all([a.flush(), b.flush()]);
    const agent = await t.agent();
    const answers = await Promise.all(Array.from({ length: 20 }, () => agent.request(testRequest('who'))));
    assert.deepEqual(new Set(answers), new Set(['a', 'b']));
  } finally {
    await t.close();
  }
});

test('amqp: a call with no server at all fails at once (the queue does not exist)', async () => {
  const t = amqpTransport();
  try {
    const agent = await t.agent();
    const started = Date.now();
    await assert.rejects(agent.request(testRequest('dhcp.get_network'), { timeoutMs: 10_000 }), /no server/);
    assert.ok(Date.now() - started < 2000, 'no waiting for the timeout');
  } finally {
    await t.close();
  }
});

test('amqp: invalid events, requests and replies are counted and dropped; the bus goes on', async () => {
  const t = amqpTransport();
  const names = amqpNames(t.prefix);
  const raw = await connect(BROKER);
  try {
    const server = await t.server();
    const agent = await t.agent();
    const got = recorder();
    agent.subscribe(got.handler, { host: 'h' });
    server.serve('ping', async () => 'pong');
    await Promise.all([server.flush(), agent.flush()]);
    const channel = await raw.createChannel();
    channel.publish(names.eventsExchange, names.hostKey('h'), Buffer.from('not json'));
    channel.publish(
      names.eventsExchange,
      names.fanoutKey,
      Buffer.from(JSON.stringify({ ...testEvent(1), version: 9 })),
    );
    channel.sendToQueue(names.rpcQueue, Buffer.from(JSON.stringify({ schema: 'qdhcp.request' })));
    await server.publish(testEvent(2), { hosts: ['h'] });
    await eventually(() => got.seen.length === 1, 'the valid event');
    assert.deepEqual(got.seen, [2]);
    await eventually(() => agent.stats().messagesInvalid === 2, 'two invalid events counted');
    await eventually(() => server.stats().messagesInvalid === 1, 'one invalid request counted');
    assert.equal(await agent.request(testRequest('ping')), 'pong');
    await channel.close();
  } finally {
    await raw.close().catch(() => undefined);
    await t.close();
  }
});

test('amqp: a reply that breaks the reply schema fails that call at once and is counted', async () => {
  const t = amqpTransport();
  const names = amqpNames(t.prefix);
  const raw = await connect(BROKER);
  try {
    // A "server" that answers garbage.
    const channel = await raw.createChannel();
    await channel.assertQueue(names.rpcQueue, { durable: false, arguments: { 'x-expires': 600_000 } });
    await channel.consume(names.rpcQueue, (message) => {
      if (message === null) return;
      channel.publish('', String(message.properties.replyTo), Buffer.from('{"ok":"maybe"}'), {
        correlationId: message.properties.correlationId,
      });
      channel.ack(message);
    });
    const agent = await t.agent();
    await assert.rejects(agent.request(testRequest('ping'), { timeoutMs: 10_000 }), /invalid reply/);
    assert.equal(agent.stats().messagesInvalid, 1);
    await channel.close();
  } finally {
    await raw.close().catch(() => undefined);
    await t.close();
  }
});
