import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { udpBatchOpen } from '@qdhcp/netns';
import { echoUpperCase } from '../../test/support/batch-echo.js';
import { nextMessage } from '../../test/support/datagrams.js';
import { loopbackNamespace, until } from '../../test/support/loopback-namespace.js';
import { bindUdpInNamespace } from './namespace-sockets.js';
import { openBatchedUdpInNamespace } from './udp-batch-socket.js';

// Polled mode of the DHCP sockets (native/netns/src/udp-batch.c, "Interrupt and polled mode"): a lone
// datagram is answered at once, a stream faster than one per hold is read in batches every hold, and a
// quiet hold puts the endpoint back to waking per datagram.

const namespace = loopbackNamespace('ubh');

test('a lone datagram is answered at once; a stream is read every hold in batches; a quiet hold ends it', async () => {
  // Long enough that a busy CI machine's lateness (tens of ms) cannot pass for a hold, or hide one.
  const hold = 600;
  const port = 16871;
  const server = openBatchedUdpInNamespace({ namespace, address: '127.0.0.1', port, holdMs: hold });
  const client = await bindUdpInNamespace({ namespace, address: '127.0.0.1', port: 0 });
  const sentAt = new Map<string, number>();
  const latencies = new Map<string, number>();
  client.on('message', (message) => {
    const text = message.toString().toLowerCase();
    latencies.set(text, performance.now() - (sentAt.get(text) ?? Number.NaN));
  });
  const send = (text: string): void => {
    sentAt.set(text, performance.now());
    client.send(text, port, '127.0.0.1');
  };
  try {
    const batchSizes: number[] = [];
    echoUpperCase(server, batchSizes);
    assert.equal(server.holding, false);

    send('lone-1');
    await until(() => latencies.has('lone-1'), 2000);
    assert.ok((latencies.get('lone-1') ?? 0) < hold / 2, `lone reply after ${latencies.get('lone-1')} ms`);
    assert.equal(server.holding, false, 'one wake-up does not start the hold');

    // 100 datagrams, one per 10 ms: without the hold, 100 wake-ups of one datagram each.
    batchSizes.length = 0;
    const total = 100;
    for (let i = 0; i < total; i++) {
      send(`stream-${i}`);
      await sleep(10);
      if (i === total / 2) assert.equal(server.holding, true, 'a stream puts the endpoint in polled mode');
    }
    await until(
      () => [...latencies.keys()].filter((key) => key.startsWith('stream-')).length === total,
      3000,
    );
    const streamed = batchSizes.reduce((sum, size) => sum + size, 0);
    assert.equal(streamed, total);
    assert.ok(batchSizes.length <= total / 4, `${batchSizes.length} batches: ${batchSizes.join(',')}`);
    assert.ok(Math.max(...batchSizes) >= 5, `batches: ${batchSizes.join(',')}`);
    const slowest = Math.max(
      ...[...latencies].filter(([key]) => key.startsWith('stream-')).map(([, ms]) => ms),
    );
    // A datagram waits one hold at most (plus the loop's own lateness on a busy machine).
    assert.ok(slowest < hold + 500, `slowest reply after ${slowest.toFixed(0)} ms`);

    // Quiet: the next hold reads nothing and the endpoint wakes on each datagram again.
    await until(() => !server.holding, 3 * hold + 1000);
    send('lone-2');
    await until(() => latencies.has('lone-2'), 2000);
    assert.ok((latencies.get('lone-2') ?? 0) < hold / 2, `lone reply after ${latencies.get('lone-2')} ms`);
  } finally {
    server.close();
    client.close();
  }
});

test('without a hold every datagram is read on arrival (the DNS sockets)', async () => {
  const port = 16872;
  const server = openBatchedUdpInNamespace({ namespace, address: '127.0.0.1', port });
  const client = await bindUdpInNamespace({ namespace, address: '127.0.0.1', port: 0 });
  try {
    const batchSizes: number[] = [];
    echoUpperCase(server, batchSizes);
    // Each datagram sent as soon as the previous answer is back: wake-ups well under a millisecond apart,
    // which any hold would take for a stream.
    for (let i = 0; i < 20; i++) {
      const reply = nextMessage(client);
      client.send(`d-${i}`, port, '127.0.0.1');
      assert.equal(await reply, `D-${i}`);
      assert.equal(server.holding, false);
    }
    assert.deepEqual(batchSizes, Array(20).fill(1));
  } finally {
    server.close();
    client.close();
  }
});

test('closed while holding, from inside its handler: the timer goes too and the process exits', () => {
  // In a child: a timer left running or a poll restarted after close would keep its loop alive.
  const module = new URL('./udp-batch-socket.js', import.meta.url).href;
  const sockets = new URL('./namespace-sockets.js', import.meta.url).href;
  const script = `
    import { openBatchedUdpInNamespace } from ${JSON.stringify(module)};
    import { bindUdpInNamespace } from ${JSON.stringify(sockets)};
    const server = openBatchedUdpInNamespace({ namespace: ${JSON.stringify(namespace)}, address: '127.0.0.1', port: 16873, holdMs: 50 });
    const client = await bindUdpInNamespace({ namespace: ${JSON.stringify(namespace)}, address: '127.0.0.1', port: 0 });
    let seen = 0;
    const sender = setInterval(() => client.send('x', 16873, '127.0.0.1'), 2);
    server.onBatch((count) => {
      seen += count;
      if (seen >= 40 && server.holding) {
        server.close();
        clearInterval(sender);
        client.close();
        console.log('closed while holding');
      }
    });
    setTimeout(() => { console.log('never held'); process.exit(3); }, 5000).unref();
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  assert.equal(child.signal, null, `the child did not exit on its own: ${child.stderr}`);
  assert.equal(child.status, 0, child.stdout + child.stderr);
  assert.match(child.stdout, /closed while holding/);
});

test('a hold outside 0..1000 ms is a TypeError', () => {
  const open = udpBatchOpen as unknown as (...args: unknown[]) => unknown;
  // The hold is checked before the fd: the message says it is the hold that was refused.
  for (const bad of [-1, 1001, 'x'])
    assert.throws(() => open(0, () => undefined, bad), {
      name: 'TypeError',
      message: /holdMs must be an integer 0\.\.1000/,
    });
});
