/**
 * Micro-benchmark of the DHCPv4 codec (not a test): ns per decode of a real udhcpc DISCOVER, per encode of a
 * real dnsmasq ACK, and per typed read. Run: `npx tsc -p tsconfig.json && node dist/bench/dhcp-codec.js`.
 */
import { decodeMessage, encodeMessage } from '../src/dhcp/index.js';
import { readOption } from '../src/dhcp/option-values.js';
import { loadDhcpFixture } from '../test/support/fixtures.js';

function measure(name: string, iterations: number, run: () => unknown): void {
  let sink: unknown;
  for (let i = 0; i < iterations / 10; i++) sink = run(); // warm-up (JIT)
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink = run();
  const nanoseconds = Number(process.hrtime.bigint() - started) / iterations;
  const rate = Math.round(1e9 / nanoseconds).toLocaleString('en-US');
  console.log(`${name.padEnd(40)} ${nanoseconds.toFixed(0).padStart(7)} ns/op  ${rate.padStart(12)} op/s`);
  if (sink === Symbol.for('never')) console.log('unreachable');
}

const discover = loadDhcpFixture('udhcpc-discover').bytes;
const ackBytes = loadDhcpFixture('dnsmasq-ack-udhcpc').bytes;
const ack = decodeMessage(ackBytes);
const iterations = Number(process.argv[2] ?? 200_000);

measure('decode DISCOVER (udhcpc, 300 B)', iterations, () => decodeMessage(discover));
measure('decode ACK (dnsmasq, 344 B)', iterations, () => decodeMessage(ackBytes));
measure('encode ACK (13 options)', iterations, () => encodeMessage(ack));
measure('decode + read 53, 50, 55, 61 (DISCOVER)', iterations, () => {
  const message = decodeMessage(discover);
  return [readOption(message, 53), readOption(message, 50), readOption(message, 55), readOption(message, 61)];
});
measure('readOption 121 (classless routes)', iterations, () => readOption(ack, 121));
