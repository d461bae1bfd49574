import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type UdpBatchHandle, udpBatchClose, udpBatchOpen, udpBatchSend } from '@qdhcp/netns';
import { echoUpperCase } from '../../test/support/batch-echo.js';
import { nextMessage } from '../../test/support/datagrams.js';
import { loopbackNamespace, until } from '../../test/support/loopback-namespace.js';
import { isQdhcpError } from '../common/errors.js';
import { bindUdpInNamespace, listenTcpInNamespace } from './namespace-sockets.js';
import {
  BATCH_SLOT_SIZE,
  BATCH_SLOTS,
  ipv4Number,
  ipv4Text,
  openBatchedUdpInNamespace,
} from './udp-batch-socket.js';

const namespace = loopbackNamespace('ubt');
const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

test('a burst is read in batches, sources are right, and replies go back with sendBatch', async () => {
  const server = openBatchedUdpInNamespace({ namespace, address: '127.0.0.1', port: 16853, device: 'lo' });
  const client = await bindUdpInNamespace({ namespace, address: '127.0.0.1', port: 0 });
  try {
    const batchSizes: number[] = [];
    const sources = new Set<string>();
    echoUpperCase(server, batchSizes, (source) => sources.add(source));
    const answers = new Set<string>();
    client.on('message', (message) => answers.add(message.toString()));
    // 150 small datagrams in one tick: within the default socket buffer, so none is lost on loopback,
    // and this thread sends them all before it can read any, so they queue up and come in batches.
    const total = 150;
    for (let i = 0; i < total; i++) client.send(`query-${i}`, 16853, '127.0.0.1');
    await until(() => answers.size === total, 3000);
    assert.ok(answers.has('QUERY-0') && answers.has(`QUERY-${total - 1}`));
    assert.equal(
      batchSizes.reduce((a, b) => a + b, 0),
      total,
    );
    assert.ok(Math.max(...batchSizes) > 1, `batches: ${batchSizes.join(',')}`);
    assert.ok(Math.max(...batchSizes) <= BATCH_SLOTS);
    assert.deepEqual([...sources], [`127.0.0.1:${client.address().port}`]);
  } finally {
    server.close();
    client.close();
  }
});

test('send() answers one datagram; an oversize datagram is reported truncated, not overflowed', async () => {
  const server = openBatchedUdpInNamespace({ namespace, address: '127.0.0.1', port: 16854 });
  const client = await bindUdpInNamespace({ namespace, address: '127.0.0.1', port: 0 });
  try {
    const seen: { length: number; truncated: boolean }[] = [];
    server.onBatch((count, batch) => {
      for (let i = 0; i < count; i++)
        seen.push({ length: batch.datagram(i).length, truncated: batch.truncated(i) });
    });
    client.send(Buffer.alloc(BATCH_SLOT_SIZE + 1000, 0x41), 16854, '127.0.0.1');
    client.send(Buffer.alloc(BATCH_SLOT_SIZE, 0x42), 16854, '127.0.0.1');
    await until(() => seen.length === 2, 2000);
    assert.deepEqual(seen, [
      { length: BATCH_SLOT_SIZE, truncated: true },
      { length: BATCH_SLOT_SIZE, truncated: false },
    ]);
    const reply = nextMessage(client);
    assert.equal(server.send(Buffer.from('one'), ipv4Number('127.0.0.1'), client.address().port), true);
    assert.equal(await reply, 'one');
  } finally {
    server.close();
    client.close();
  }
});

test('batch after batch, each datagram keeps its own source and length (the receive headers are reused)', async () => {
  // udp-batch.c sets the recvmmsg headers up once and resets only the slots a batch filled.
  const server = openBatchedUdpInNamespace({ namespace, address: '127.0.0.1', port: 16857 });
  const first = await bindUdpInNamespace({ namespace, address: '127.0.0.1', port: 0 });
  const second = await bindUdpInNamespace({ namespace, address: '127.0.0.1', port: 0 });
  try {
    const seen: string[] = [];
    server.onBatch((count, batch) => {
      for (let i = 0; i < count; i++)
        seen.push(`${ipv4Text(batch.addresses[i] ?? 0)}:${batch.ports[i]} ${batch.datagram(i).length}`);
    });
    const expected: string[] = [];
    for (let round = 0; round < 4; round++) {
      for (const [client, length] of [
        [first, 10 + round],
        [second, 300 + round],
      ] as const) {
        client.send(Buffer.alloc(length, 0x61), 16857, '127.0.0.1');
        expected.push(`127.0.0.1:${client.address().port} ${length}`);
        // One datagram per batch: wait for it before sending the next.
        await until(() => seen.length === expected.length, 2000);
      }
      // A cut datagram in between (MSG_TRUNC marks its header) does not spoil the next batch.
      second.send(Buffer.alloc(BATCH_SLOT_SIZE + 1, 0x62), 16857, '127.0.0.1');
      expected.push(`127.0.0.1:${second.address().port} ${BATCH_SLOT_SIZE}`);
      await until(() => seen.length === expected.length, 2000);
    }
    assert.deepEqual(seen, expected);
  } finally {
    server.close();
    first.close();
    second.close();
  }
});

test("a registered endpoint gets the receive buffer it asks for (the agent's DHCP sockets: 4 MiB)", () => {
  const receiveBuffer = (port: number) =>
    Number(
      /rb(\d+)/.exec(ip('netns', 'exec', namespace, 'ss', '-uamnH', `sport = :${port}`))?.[1] ?? Number.NaN,
    );
  const wanted = Math.min(4 * 1024 * 1024, Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8')));
  const plain = openBatchedUdpInNamespace({ namespace, address: '127.0.0.1', port: 16855 });
  const large = openBatchedUdpInNamespace({
    namespace,
    address: '127.0.0.1',
    port: 16856,
    receiveBufferBytes: 4 * 1024 * 1024,
  });
  try {
    // The kernel reports twice what was asked (its bookkeeping share); the default is far below either.
    assert.ok(receiveBuffer(16856) >= wanted, `asked: ${receiveBuffer(16856)} < ${wanted}`);
    assert.ok(receiveBuffer(16855) < wanted, `default: ${receiveBuffer(16855)}`);
  } finally {
    plain.close();
    large.close();
  }
});

test('bad arguments are TypeErrors, coded errors or errno errors, never a crash', async () => {
  assert.throws(
    () => openBatchedUdpInNamespace({ namespace: `${namespace}-gone`, address: '0.0.0.0', port: 0 }),
    (error: unknown) => isQdhcpError(error, 'SOCKET_OPEN_FAILED') && error.params['errno'] === 'ENOENT',
  );
  const badOpen = udpBatchOpen as unknown as (...args: unknown[]) => unknown;
  assert.throws(() => badOpen(-1, () => undefined), TypeError);
  assert.throws(() => badOpen('x', () => undefined), TypeError);
  assert.throws(() => badOpen(0x7fffffff, () => undefined), { code: 'EBADF' });
  // A TCP socket is not a datagram socket (and stays the caller's: closed by its server).
  const tcp = await listenTcpInNamespace({ namespace, address: '127.0.0.1', port: 0 }, () => undefined);
  const tcpFd = (tcp as unknown as { _handle: { fd: number } })._handle.fd;
  assert.throws(() => badOpen(tcpFd, () => undefined), TypeError);
  await new Promise((resolve) => tcp.close(resolve));

  const server = openBatchedUdpInNamespace({ namespace, address: '127.0.0.1', port: 0 });
  const handle = (server as unknown as { handle?: UdpBatchHandle }).handle;
  assert.equal(handle, undefined, 'the handle stays private to the wrapper');
  const send = udpBatchSend as unknown as (...args: unknown[]) => unknown;
  const close = udpBatchClose as unknown as (...args: unknown[]) => unknown;
  assert.throws(() => send({}, 1, [Buffer.alloc(1)], new Uint32Array(1), new Uint16Array(1)), TypeError);
  assert.throws(() => close(42), TypeError);
  const addresses = new Uint32Array(BATCH_SLOTS + 1);
  const ports = new Uint16Array(BATCH_SLOTS + 1).fill(9);
  const many = Array.from({ length: BATCH_SLOTS + 1 }, () => Buffer.alloc(1));
  assert.throws(() => server.sendBatch(BATCH_SLOTS + 1, many, addresses, ports), TypeError);
  assert.throws(() => server.sendBatch(2, [Buffer.alloc(1)], addresses, ports), TypeError);
  assert.throws(() => server.sendBatch(1, ['text' as unknown as Buffer], addresses, ports), TypeError);
  assert.throws(
    () => server.sendBatch(1, many, new Uint16Array(1) as unknown as Uint32Array, ports),
    TypeError,
  );
  assert.throws(
    () => server.sendBatch(1, many, addresses, new Uint32Array(1) as unknown as Uint16Array),
    TypeError,
  );
  // Address 0.0.0.0 port 9 inside the namespace is legal to send to; nothing listens there.
  assert.equal(server.sendBatch(0, many, addresses, ports), 0);
  assert.throws(
    () => ipv4Number('300.1.1.1'),
    (error: unknown) => isQdhcpError(error, 'IPV4_ADDRESS_INVALID'),
  );
  server.close();
  server.close();
  assert.equal(server.closed, true);
  assert.throws(() => server.send(Buffer.alloc(1), 0, 9), { code: 'EBADF' });
});

test('closing from inside a handler while traffic keeps coming stops reading at once; the port is free again', async () => {
  const port = 16855;
  const server = openBatchedUdpInNamespace({ namespace, address: '127.0.0.1', port });
  const client = await bindUdpInNamespace({ namespace, address: '127.0.0.1', port: 0 });
  let calls = 0;
  let sending = true;
  try {
    server.onBatch(() => {
      calls++;
      server.close();
    });
    const blast = (): void => {
      if (!sending) return;
      for (let i = 0; i < 20; i++) client.send('x', port, '127.0.0.1');
      setImmediate(blast);
    };
    blast();
    await until(() => calls > 0, 2000);
    await sleep(100);
    assert.equal(calls, 1);
    sending = false;
    // A new endpoint binds the same port (the first one's fd is closed) and serves.
    const again = openBatchedUdpInNamespace({ namespace, address: '127.0.0.1', port });
    try {
      const batchSizes: number[] = [];
      echoUpperCase(again, batchSizes);
      const reply = nextMessage(client);
      client.send('again', port, '127.0.0.1');
      assert.equal(await reply, 'AGAIN');
    } finally {
      again.close();
    }
  } finally {
    sending = false;
    server.close();
    client.close();
  }
});
