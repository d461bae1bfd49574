/**
 * Fuzz: 100,000+ packets mutated from the real captures with a seeded PRNG (reproducible). Decoding either
 * returns a message or throws DhcpDecodeError — never anything else, never hangs — and whatever decodes
 * re-encodes to bytes that decode to the same value.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listDhcpFixtures, loadDhcpFixture } from '../../test/support/fixtures.js';
import { seededRandom } from '../../test/support/seeded-random.js';
import { DhcpDecodeError, DhcpEncodeError, decodeMessage, encodeMessage } from './index.js';
import type { DhcpMessage } from './types.js';

const PACKETS = 120_000;
const SEED = 0x5eed_d4c9;

function mutate(seed: Uint8Array, random: () => number): Uint8Array {
  const int = (n: number) => Math.floor(random() * n);
  let packet = new Uint8Array(seed);
  const steps = 1 + int(4);
  for (let s = 0; s < steps; s++) {
    switch (int(9)) {
      case 0: // flip a few bits anywhere
        for (let i = 1 + int(8); i > 0; i--) packet[int(packet.length)]! ^= 1 << int(8);
        break;
      case 1: // truncate
        packet = packet.slice(0, int(packet.length + 1));
        break;
      case 2: // random byte in the options area (codes and lengths)
        if (packet.length > 240) packet[240 + int(packet.length - 240)] = int(256);
        break;
      case 3: // a random length byte right after a code position
        if (packet.length > 242) packet[241 + int(Math.min(60, packet.length - 241))] = int(256);
        break;
      case 4: {
        // append random bytes
        const tail = Uint8Array.from({ length: int(64) }, () => int(256));
        const grown = new Uint8Array(packet.length + tail.length);
        grown.set(packet);
        grown.set(tail, packet.length);
        packet = grown;
        break;
      }
      case 5: // option overload with a random value, options in sname/file made of random bytes
        if (packet.length >= 243) {
          packet.set([52, 1, int(5)], 240);
          for (let i = 0; i < 8; i++) packet[44 + int(192)] = int(256);
        }
        break;
      case 6: // header bytes: op, htype, hlen, hops
        packet[int(4)] = int(256);
        break;
      case 7: {
        // insert a big option right after the cookie: exercises RFC 3396 joins and overload on re-encode
        if (packet.length < 240) break;
        const length = 100 + int(156);
        const grown = new Uint8Array(packet.length + 2 + length);
        grown.set(packet.subarray(0, 240));
        grown.set([1 + int(254), length], 240);
        for (let i = 0; i < length; i++) grown[242 + i] = int(256);
        grown.set(packet.subarray(240), 242 + length);
        packet = grown;
        break;
      }
      default: // overwrite a run with a repeated byte (pad / end / code storms)
        packet.fill([0, 255, 52, 82, 119][int(5)]!, int(packet.length), int(packet.length + 1));
    }
  }
  return packet;
}

function sameMessage(a: DhcpMessage, b: DhcpMessage): boolean {
  if (
    a.op !== b.op ||
    a.hardwareType !== b.hardwareType ||
    a.hardwareAddressLength !== b.hardwareAddressLength ||
    a.hops !== b.hops ||
    a.transactionId !== b.transactionId ||
    a.secondsElapsed !== b.secondsElapsed ||
    a.flags !== b.flags ||
    a.clientIp !== b.clientIp ||
    a.yourIp !== b.yourIp ||
    a.serverIp !== b.serverIp ||
    a.gatewayIp !== b.gatewayIp ||
    a.serverName !== b.serverName ||
    a.bootFileName !== b.bootFileName ||
    Buffer.compare(a.clientHardwareAddress, b.clientHardwareAddress) !== 0 ||
    a.options.size !== b.options.size
  ) {
    return false;
  }
  for (const [code, value] of a.options) {
    const other = b.options.get(code);
    if (other === undefined || Buffer.compare(value, other) !== 0) return false;
  }
  return true;
}

describe('decoder fuzz', () => {
  it(`${PACKETS} mutated captures: DhcpDecodeError or a message that round-trips`, {
    timeout: 60_000,
  }, (t) => {
    const seeds = listDhcpFixtures().map((name) => loadDhcpFixture(name).bytes);
    const random = seededRandom(SEED);
    const counts = { decoded: 0, rejected: 0, overloaded: 0, encodeRejected: 0 };
    const started = process.hrtime.bigint();
    for (let i = 0; i < PACKETS; i++) {
      const packet = mutate(seeds[i % seeds.length]!, random);
      let message: DhcpMessage;
      try {
        message = decodeMessage(packet);
      } catch (error) {
        if (!(error instanceof DhcpDecodeError)) {
          assert.fail(`packet ${i} (${Buffer.from(packet).toString('hex')}) threw ${String(error)}`);
        }
        assert.ok(
          error.offset >= 0 && error.offset <= packet.length,
          `offset ${error.offset} inside the packet`,
        );
        counts.rejected++;
        continue;
      }
      counts.decoded++;
      // With room for everything: exact round trip of the decoded value.
      const again = decodeMessage(encodeMessage(message, { maxMessageSize: 65535 }));
      if (!sameMessage(again, message))
        assert.fail(`packet ${i} did not round-trip: ${Buffer.from(packet).toString('hex')}`);
      // With the RFC minimum: either it fits (maybe overloaded) and round-trips, or a typed encode error.
      try {
        const small = encodeMessage(message);
        assert.ok(small.length <= 548);
        if (small[240] === 52) counts.overloaded++;
        if (!sameMessage(decodeMessage(small), message))
          assert.fail(`packet ${i}: overloaded round trip differs`);
      } catch (error) {
        if (!(error instanceof DhcpEncodeError)) throw error;
        counts.encodeRejected++;
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // Both outcomes must actually be exercised, or the mutations are too weak or too strong.
    assert.ok(counts.decoded > PACKETS / 10, JSON.stringify(counts));
    assert.ok(counts.rejected > PACKETS / 10, JSON.stringify(counts));
    t.diagnostic(`fuzz: ${JSON.stringify(counts)} in ${seconds.toFixed(2)} s`);
  });
});
