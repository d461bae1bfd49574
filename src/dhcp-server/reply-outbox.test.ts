import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireIpv4 } from '../common/ipv4.js';
import type { ReplyDestination } from './reply-destination.js';
import { type BatchSink, ReplyOutbox } from './reply-outbox.js';

/** A sink that records each batch as the addon would see it: the addresses' bytes as they lie in memory. */
function recordingSink(take: (count: number) => number = (count) => count): {
  sink: BatchSink;
  batches: { replies: string[]; addresses: string[]; ports: number[] }[];
} {
  const batches: { replies: string[]; addresses: string[]; ports: number[] }[] = [];
  const sink: BatchSink = {
    sendBatch(count, replies, addresses, ports) {
      const bytes = new Uint8Array(addresses.buffer);
      batches.push({
        replies: replies.slice(0, count).map((reply) => reply.toString()),
        addresses: Array.from({ length: count }, (_, i) => [...bytes.subarray(i * 4, i * 4 + 4)].join('.')),
        ports: [...ports.subarray(0, count)],
      });
      return take(count);
    },
  };
  return { sink, batches };
}

test('destinations become network-order numbers and ports by the rule of replyAddress', () => {
  const { sink, batches } = recordingSink();
  const outbox = new ReplyOutbox(sink, 8, () => assert.fail('nothing dropped'));
  const destinations: ReplyDestination[] = [
    { kind: 'relay', address: requireIpv4('10.77.0.2'), port: 67 },
    { kind: 'unicast', address: requireIpv4('192.0.2.9'), port: 68 },
    { kind: 'broadcast', port: 68 },
    {
      kind: 'unicast-to-hardware',
      address: requireIpv4('10.0.0.5'),
      hardwareAddress: 'fa:16:3e:00:00:01',
      port: 68,
    },
  ];
  assert.equal(outbox.empty, true);
  for (const [i, destination] of destinations.entries()) outbox.add(Buffer.from(`r${i}`), destination);
  assert.equal(batches.length, 0, 'nothing leaves before the flush');
  assert.equal(outbox.empty, false);
  outbox.flush();
  assert.equal(outbox.empty, true);
  outbox.flush(); // empty: no call
  assert.deepEqual(batches, [
    {
      replies: ['r0', 'r1', 'r2', 'r3'],
      addresses: ['10.77.0.2', '192.0.2.9', '255.255.255.255', '255.255.255.255'],
      ports: [67, 68, 68, 68],
    },
  ]);
});

test('a full outbox flushes before taking more; what the kernel refuses is reported, a throw loses the batch', () => {
  let taken = Number.POSITIVE_INFINITY;
  const { sink, batches } = recordingSink((count) => Math.min(count, taken));
  const dropped: number[] = [];
  const outbox = new ReplyOutbox(sink, 2, (count) => dropped.push(count));
  const relay: ReplyDestination = { kind: 'relay', address: requireIpv4('10.0.0.1'), port: 67 };
  for (let i = 0; i < 5; i++) outbox.add(Buffer.from(`r${i}`), relay);
  outbox.flush();
  assert.deepEqual(
    batches.map((batch) => batch.replies),
    [['r0', 'r1'], ['r2', 'r3'], ['r4']],
  );
  assert.equal(dropped.length, 0);
  taken = 1;
  outbox.add(Buffer.from('a'), relay);
  outbox.add(Buffer.from('b'), relay);
  outbox.flush();
  assert.deepEqual(dropped, [1]);
  const throwing = new ReplyOutbox(
    {
      sendBatch() {
        throw Object.assign(new Error('sendmmsg EBADF'), { code: 'EBADF' });
      },
    },
    4,
    (count) => dropped.push(count),
  );
  throwing.add(Buffer.from('x'), relay);
  throwing.add(Buffer.from('y'), relay);
  throwing.flush();
  assert.deepEqual(dropped, [1, 2]);
});
