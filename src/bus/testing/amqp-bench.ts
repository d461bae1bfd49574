/**
 * A quick measurement of the AMQP bus on a broker (not part of the test suite):
 *
 *   node dist/src/bus/testing/amqp-bench.js [amqp://guest:guest@127.0.0.1:5672/]
 *
 * Prints request/reply latency (sequential and concurrent) and the rate of addressed, confirmed event
 * publishes to one agent. Uses its own exchange prefix and deletes it afterwards.
 *
 * @module
 */
import { fileURLToPath } from 'node:url';
import { createAmqpBus } from '../amqp-bus.js';
import { deleteBrokerObjects } from './broker-cleanup.js';
import { eventually, testEvent, testRequest } from './bus-contract.js';

async function main(broker: string): Promise<void> {
  const prefix = `qdhcp-bench-${process.pid}`;
  const url = `${broker}?exchange=${prefix}`;
  const server = await createAmqpBus(url);
  const agent = await createAmqpBus(url);
  try {
    server.serve('echo', async (params) => params);
    let received = 0;
    agent.subscribe(
      () => {
        received++;
      },
      { host: 'h' },
    );
    await Promise.all([server.flush(), agent.flush()]);
    const request = testRequest('echo', { x: 1 });
    for (let i = 0; i < 100; i++) await agent.request(request);
    const latencies: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const started = performance.now();
      await agent.request(request);
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    const quantile = (q: number) => latencies[Math.floor(q * (latencies.length - 1))]?.toFixed(2);
    console.log(`2000 sequential calls: p50 ${quantile(0.5)} ms, p99 ${quantile(0.99)} ms`);
    let started = performance.now();
    await Promise.all(Array.from({ length: 2000 }, () => agent.request(request)));
    console.log(`2000 concurrent calls: ${(performance.now() - started).toFixed(0)} ms`);
    const events = 10_000;
    started = performance.now();
    for (let revision = 1; revision <= events; revision++)
      await server.publish(testEvent(revision), { hosts: ['h'] });
    const published = performance.now() - started;
    await eventually(() => received === events, 'every event', 60_000);
    console.log(
      `${events} events, one confirmed publish at a time: ${published.toFixed(0)} ms; ` +
        `all received after ${(performance.now() - started).toFixed(0)} ms`,
    );
  } finally {
    await server.close();
    await agent.close();
    await deleteBrokerObjects(broker, prefix);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  await main(process.argv[2] ?? 'amqp://guest:guest@127.0.0.1:5672/');
