import assert from 'node:assert/strict';
import { BATCH_SLOTS, type BatchedUdpEndpoint, ipv4Text } from '../../src/linux/udp-batch-socket.js';

/** A reply per datagram: its payload upper-cased, sent back with one sendBatch per batch. */
export function echoUpperCase(
  endpoint: BatchedUdpEndpoint,
  batchSizes: number[],
  onSource: (source: string) => void = () => undefined,
): void {
  const replies: Buffer[] = [];
  const addresses = new Uint32Array(BATCH_SLOTS);
  const ports = new Uint16Array(BATCH_SLOTS);
  endpoint.onBatch((count, batch) => {
    batchSizes.push(count);
    for (let i = 0; i < count; i++) {
      replies[i] = Buffer.from(batch.datagram(i).toString().toUpperCase());
      addresses[i] = batch.addresses[i] ?? 0;
      ports[i] = batch.ports[i] ?? 0;
      onSource(`${ipv4Text(addresses[i] ?? 0)}:${ports[i]}`);
    }
    assert.equal(endpoint.sendBatch(count, replies, addresses, ports), count);
  });
}
