import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireIpv4 } from '../common/ipv4.js';
import type { ReplyDestination } from './reply-destination.js';
import { type BatchSink, NEIGHBOUR_BROADCAST, NEIGHBOUR_SET, ReplyOutbox } from './reply-outbox.js';

/** A sink that records each batch as the addon would see it: the addresses' bytes as they lie in memory. */
interface RecordedBatch {
  replies: string[];
  addresses: string[];
  ports: number[];
  /** Per reply: the MAC of its neighbour entry, or '' when the sink was not asked to set one. */
  neighbours: string[];
}

/**
 * A sink that records each batch as the addon would see it: the addresses' bytes as they lie in memory.
 * `refuse(mac)` plays the kernel refusing a neighbour entry (the addon then marks that reply broadcast).
 */
function recordingSink(
  take: (count: number) => number = (count) => count,
  refuse: (mac: string) => boolean = () => false,
): { sink: BatchSink; batches: RecordedBatch[] } {
  const batches: RecordedBatch[] = [];
  const sink: BatchSink = {
    sendBatch(count, replies, addresses, ports, neighbours, hardware) {
      const bytes = new Uint8Array(addresses.buffer);
      const mac = (i: number) =>
        [...hardware.subarray(i * 6, i * 6 + 6)]
          .map((octet) => octet.toString(16).padStart(2, '0'))
          .join(':');
      batches.push({
        replies: replies.slice(0, count).map((reply) => reply.toString()),
        addresses: Array.from({ length: count }, (_, i) => [...bytes.subarray(i * 4, i * 4 + 4)].join('.')),
        ports: [...ports.subarray(0, count)],
        neighbours: Array.from({ length: count }, (_, i) => (neighbours[i] === NEIGHBOUR_SET ? mac(i) : '')),
      });
      for (let i = 0; i < count; i++)
        if (neighbours[i] === NEIGHBOUR_SET && refuse(mac(i))) neighbours[i] = NEIGHBOUR_BROADCAST;
      return take(count);
    },
  };
  return { sink, batches };
}

test('destinations become network-order numbers and ports; a client without an address gets yiaddr and a neighbour entry', () => {
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
      addresses: ['10.77.0.2', '192.0.2.9', '255.255.255.255', '10.0.0.5'],
      ports: [67, 68, 68, 68],
      neighbours: ['', '', '', 'fa:16:3e:00:00:01'],
    },
  ]);
});

test('unicast-to-hardware: upper-case MACs are read; other chaddr lengths and refused entries are broadcast and counted', () => {
  const { sink, batches } = recordingSink(undefined, (mac) => mac === 'fa:16:3e:00:00:02');
  const broadcastInstead: number[] = [];
  const outbox = new ReplyOutbox(
    sink,
    8,
    () => assert.fail('nothing dropped'),
    (count) => broadcastInstead.push(count),
  );
  const toHardware = (hardwareAddress: string): ReplyDestination => ({
    kind: 'unicast-to-hardware',
    address: requireIpv4('10.0.0.7'),
    hardwareAddress,
    port: 68,
  });
  outbox.add(Buffer.from('upper'), toHardware('FA:16:3E:0A:0B:0C'));
  outbox.add(Buffer.from('refused'), toHardware('fa:16:3e:00:00:02'));
  outbox.add(Buffer.from('infiniband'), toHardware('01:02:03:04:05:06:07:08'));
  outbox.add(Buffer.from('garbage'), toHardware('fa:16:3e:00:00:zz'));
  outbox.flush();
  assert.deepEqual(batches[0]?.neighbours, ['fa:16:3e:0a:0b:0c', 'fa:16:3e:00:00:02', '', '']);
  assert.deepEqual(batches[0]?.addresses, ['10.0.0.7', '10.0.0.7', '255.255.255.255', '255.255.255.255']);
  assert.deepEqual(broadcastInstead, [1], 'the refused entry, as the sink reported it');
  // The next batch starts clean: a slot's state from a previous batch is not reported again.
  outbox.add(Buffer.from('relay'), { kind: 'relay', address: requireIpv4('10.0.0.1'), port: 67 });
  outbox.add(Buffer.from('again'), toHardware('fa:16:3e:00:00:03'));
  outbox.flush();
  assert.deepEqual(batches[1]?.neighbours, ['', 'fa:16:3e:00:00:03']);
  assert.deepEqual(broadcastInstead, [1]);
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
