/**
 * Broker loss and return, on a PRIVATE RabbitMQ node (its own ports and data dir; the shared broker is
 * never restarted): while it is away, publishes and calls fail at once and calls in flight fail;
 * when it is back, both buses reconnect, re-declare their queues, run `onReconnect`, and traffic flows.
 * The server's refused publishes are each followed by one resync request (`resync-request.ts`) once the
 * broker takes publishes again, also when only publishing was blocked and the agent never lost anything.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PrivateBroker } from '../../test/support/scaleout/rabbitmq.js';
import { runCommand } from '../linux/run-command.js';
import { createAmqpBus } from './amqp-bus.js';
import type { Bus } from './bus.js';
import { owingResyncs } from './resync-request.js';
import { eventually, recorder, testEvent, testRequest } from './testing/bus-contract.js';

/** A TCP port nobody listens on right now (asked from the kernel). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Publishes until the outcome matches `wanted` ('blocked': refused for a broker alarm; 'ok'), ≤ 30 s. */
async function publishUntil(bus: Bus, wanted: 'blocked' | 'ok', revision: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const outcome = await bus.publish(testEvent(revision), { hosts: ['h'] }).then(
      () => 'ok',
      (error: unknown) => (/blocks publishing/.test(String(error)) ? 'blocked' : 'failed'),
    );
    if (outcome === wanted) return;
    assert.ok(Date.now() < deadline, `publishing never became ${wanted}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('amqp: broker stopped and started — fail fast while away, then reconnect, onReconnect, traffic again', {
  timeout: 240_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qdhcp-bus-broker-'));
  const broker = new PrivateBroker(
    dir,
    `qdhcp-bus-${process.pid}@localhost`,
    await freePort(),
    await freePort(),
  );
  const buses: Bus[] = [];
  try {
    await broker.start();
    const open = async () => {
      const bus = await createAmqpBus(broker.url('?exchange=reconnect'), {
        reconnectDelayMs: { initial: 100, max: 1000 },
      });
      buses.push(bus);
      return bus;
    };
    const server = owingResyncs(await open(), { origin: 'server-1', retryMs: 100, maxRetryMs: 500 });
    const agent = await open();
    let reconnects = 0;
    agent.onReconnect(() => reconnects++);
    const got = recorder();
    // When the server's refused publishes began, per resync request received ("… since <ISO time>").
    const resyncsAsked: { origin: string; owedSince: number }[] = [];
    agent.subscribe(
      (event) => {
        got.handler(event);
        if (event.schema === 'qdhcp.resync-request')
          resyncsAsked.push({
            origin: event.origin,
            owedSince: Date.parse(event.reason.split(' since ')[1] ?? ''),
          });
      },
      { host: 'h' },
    );
    server.serve('ping', async () => 'pong');
    server.serve('hang', () => new Promise(() => undefined));
    await Promise.all([server.flush(), agent.flush()]);
    assert.equal(await agent.request(testRequest('ping')), 'pong');
    await server.publish(testEvent(1), { hosts: ['h'] });
    await eventually(() => got.seen.length === 1, 'the first event');

    const inFlight = agent.request(testRequest('hang'), { timeoutMs: 120_000 });
    const inFlightFailed = assert.rejects(inFlight, /connection to the message bus lost/);
    await broker.stop();
    await inFlightFailed;
    await eventually(
      () => !server.stats().connected && !agent.stats().connected,
      'both disconnected',
      10_000,
    );
    const started = performance.now();
    await assert.rejects(server.publish(testEvent(2), { hosts: ['h'] }), /not connected/);
    await assert.rejects(agent.request(testRequest('ping')), /not connected/);
    assert.ok(performance.now() - started < 500, 'no waiting while the broker is away');
    assert.equal(server.stats().publishFailures, 1);

    await broker.start();
    await eventually(() => reconnects === 1 && server.stats().connected, 'both reconnected', 30_000);
    assert.equal(await agent.request(testRequest('ping')), 'pong');
    await server.publish(testEvent(3), { hosts: ['h'] });
    await eventually(() => got.seen.includes(3), 'an event after the reconnect');
    assert.deepEqual(got.seen, [1, 3], 'event 2 was refused, not queued: the agent resyncs on reconnect');
    // (A resync request may be lost here: published before the agent's queue is declared again. The
    // agent's own reconnect covers that case; the blocked broker below is the one only the request covers.)
    assert.equal(agent.stats().reconnects, 1);
    assert.equal(server.stats().reconnects, 1);

    // A broker out of memory blocks publishers (connection.blocked): publishes fail fast, then work again.
    const ctl = (...args: string[]) =>
      runCommand(
        'env',
        [`HOME=${dir}`, '/usr/lib/rabbitmq/bin/rabbitmqctl', '-n', broker.nodeName, ...args],
        {
          timeoutMs: 30_000,
        },
      );
    const alarmFrom = Date.now();
    await ctl('set_vm_memory_high_watermark', 'absolute', '1');
    await publishUntil(server, 'blocked', 4);
    const whileBlocked = performance.now();
    await assert.rejects(server.publish(testEvent(5), { hosts: ['h'] }), /blocks publishing/);
    assert.ok(performance.now() - whileBlocked < 500, 'no waiting while blocked');
    await ctl('set_vm_memory_high_watermark', '0.4');
    await publishUntil(server, 'ok', 6);
    await eventually(() => got.seen.includes(6), 'an event after the alarm');
    // The agent's connection never dropped (no onReconnect for it): only the request tells it.
    await eventually(
      () => resyncsAsked.some((asked) => asked.origin === 'server-1' && asked.owedSince >= alarmFrom - 1000),
      'a resync request for the publishes refused during the alarm',
    );
    assert.equal(agent.stats().reconnects, 1);
  } finally {
    for (const bus of buses) await bus.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
