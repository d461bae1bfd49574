import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loopbackNamespace, until } from '../../test/support/loopback-namespace.js';
import { isQdhcpError } from '../common/errors.js';
import { requireIpv4 } from '../common/ipv4.js';
import { bindUdpInNamespace } from '../linux/namespace-sockets.js';
import { ipv4Text } from '../linux/udp-batch-socket.js';
import { BatchedDhcpTransport } from './batched-transport.js';

// A namespace of its own with only loopback: the transport listens on 127.0.0.1:PORT, a "relay" on
// 127.0.0.2:67 sends to it and gets every reply back (relay destination: port 67 of giaddr).
const namespace = loopbackNamespace('bdt');
const netnsPath = `/run/netns/${namespace}`;
const PORT = 16867;

test('a burst is handled in batches and every reply leaves, to the relay, after its batch', async () => {
  const batchSizes: number[] = [];
  const sources = new Set<string>();
  let transport: BatchedDhcpTransport | undefined;
  transport = BatchedDhcpTransport.open(
    ['127.0.0.1'],
    {
      onBatch: (count, batch) => {
        batchSizes.push(count);
        for (let i = 0; i < count; i++) {
          sources.add(ipv4Text(batch.addresses[i] ?? 0));
          const reply = Buffer.from(batch.datagram(i).toString().toUpperCase());
          transport?.send(
            reply,
            { kind: 'relay', address: requireIpv4('127.0.0.2'), port: 67 },
            requireIpv4('127.0.0.1'),
          );
        }
      },
      onSendDropped: (count) => assert.fail(`${count} replies dropped`),
      onBroadcastInstead: (count) => assert.fail(`${count} neighbour entries refused`),
      onReceiveError: (error) => assert.fail(error),
    },
    { port: PORT, netnsPath },
  );
  const relay = await bindUdpInNamespace({ namespace, address: '127.0.0.2', port: 67 });
  try {
    const answers = new Set<string>();
    relay.on('message', (message) => answers.add(message.toString()));
    // More than one batch's 64 slots in one tick: the outbox flushes when full and after each batch.
    const total = 150;
    for (let i = 0; i < total; i++) relay.send(`request-${i}`, PORT, '127.0.0.1');
    await until(() => answers.size === total, 3000);
    assert.ok(answers.has('REQUEST-0') && answers.has(`REQUEST-${total - 1}`));
    assert.equal(
      batchSizes.reduce((a, b) => a + b, 0),
      total,
    );
    assert.ok(Math.max(...batchSizes) > 1, `batches: ${batchSizes.join(',')}`);
    assert.deepEqual([...sources], ['127.0.0.2']);
    // SO_RCVBUF as node:dgram's transport asks (4 MiB, capped by rmem_max; the kernel reports it doubled).
    const wanted = Math.min(4 * 1024 * 1024, Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8')));
    const ss = execFileSync('ip', ['netns', 'exec', namespace, 'ss', '-uamnH', `sport = :${PORT}`], {
      encoding: 'utf8',
    });
    const buffers = [...ss.matchAll(/rb(\d+)/g)].map((match) => Number(match[1]));
    assert.equal(buffers.length, 2, ss); // 0.0.0.0 and 127.0.0.1
    for (const bytes of buffers) assert.ok(bytes >= wanted, `receive buffer ${bytes} < ${wanted}: ${ss}`);
  } finally {
    transport.close();
    transport.close(); // safe twice
    relay.close();
  }
});

test('a namespace that does not exist: SOCKET_OPEN_FAILED (serve then falls back to node:dgram)', () => {
  assert.throws(
    () =>
      BatchedDhcpTransport.open(
        ['127.0.0.1'],
        {
          onBatch: () => undefined,
          onSendDropped: () => undefined,
          onBroadcastInstead: () => undefined,
          onReceiveError: () => undefined,
        },
        { port: PORT, netnsPath: `/run/netns/${namespace}-missing` },
      ),
    (error: unknown) => isQdhcpError(error, 'SOCKET_OPEN_FAILED'),
  );
});
