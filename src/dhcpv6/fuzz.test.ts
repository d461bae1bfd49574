/**
 * Fuzz: 120,000 packets mutated from the real captures (test/fixtures/dhcpv6) with a seeded PRNG, so a
 * failure replays from the seed and index. Decoding either returns a message or throws Dhcpv6DecodeError —
 * never anything else — and whatever decodes re-encodes to the very same bytes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listDhcpv6Fixtures, loadDhcpv6Fixture } from '../../test/support/dhcpv6-fixtures.js';
import { seededRandom } from '../../test/support/seeded-random.js';
import { Dhcpv6DecodeError } from './errors.js';
import { type Dhcpv6Message, decodeMessage, encodeMessage } from './index.js';

const PACKETS = 120_000;
const SEED = 0x5eed_d6c6;
/** Codes with typed values: length and content mutations aimed at them hit the typed decoders. */
const INTERESTING_CODES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 23, 24, 25, 26, 32, 79];

function mutate(seed: Uint8Array, random: () => number): Uint8Array {
  const int = (n: number) => Math.floor(random() * n);
  let packet = new Uint8Array(seed);
  const steps = 1 + int(4);
  for (let s = 0; s < steps; s++) {
    switch (int(8)) {
      case 0: // flip a few bits anywhere
        for (let i = 1 + int(6); i > 0; i--) packet[int(packet.length)]! ^= 1 << int(8);
        break;
      case 1: // truncate
        packet = packet.slice(0, int(packet.length + 1));
        break;
      case 2: // a random byte in a 16-bit length field's low byte (every option header is 4-aligned here or not)
        if (packet.length > 8) packet[7 + int(packet.length - 7)] = int(256);
        break;
      case 3: {
        // append an option with a known code and a random short value
        const code = INTERESTING_CODES[int(INTERESTING_CODES.length)]!;
        const length = int(40);
        const grown = new Uint8Array(packet.length + 4 + length);
        grown.set(packet);
        grown.set([code >> 8, code & 0xff, length >> 8, length], packet.length);
        for (let i = 0; i < length; i++) grown[packet.length + 4 + i] = int(256);
        packet = grown;
        break;
      }
      case 4: // message type byte
        packet[0] = int(16);
        break;
      case 5: {
        // wrap the whole packet in a Relay-forw (and sometimes a second one)
        const header = new Uint8Array(38);
        header[0] = 12;
        header.set([0, 9, packet.length >> 8, packet.length & 0xff], 34);
        const grown = new Uint8Array(38 + packet.length);
        grown.set(header);
        grown.set(packet, 38);
        packet = grown;
        break;
      }
      case 6: {
        // change an option code to another known code, keeping its length: wrong shapes for typed decoders
        if (packet.length > 8) {
          const at = 4 + int(packet.length - 5);
          const code = INTERESTING_CODES[int(INTERESTING_CODES.length)]!;
          packet[at] = code >> 8;
          packet[at + 1] = code & 0xff;
        }
        break;
      }
      default: // overwrite a run with a repeated byte
        packet.fill([0, 0xff, 0x3f, 0xc0][int(4)]!, int(packet.length), int(packet.length + 1));
    }
  }
  return packet;
}

describe('DHCPv6 decoder fuzz', () => {
  it(`${PACKETS} mutated captures: Dhcpv6DecodeError or a message that re-encodes to the same bytes`, {
    timeout: 120_000,
  }, (t) => {
    const seeds = listDhcpv6Fixtures().map((name) => loadDhcpv6Fixture(name).bytes);
    const random = seededRandom(SEED);
    const counts = { decoded: 0, rejected: 0 };
    const started = process.hrtime.bigint();
    for (let i = 0; i < PACKETS; i++) {
      const packet = mutate(seeds[i % seeds.length]!, random);
      let message: Dhcpv6Message;
      try {
        message = decodeMessage(packet);
      } catch (error) {
        if (!(error instanceof Dhcpv6DecodeError)) {
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
      const again = encodeMessage(message);
      if (Buffer.compare(again, packet) !== 0) {
        assert.fail(`packet ${i} did not re-encode: ${Buffer.from(packet).toString('hex')}`);
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // Both outcomes must be exercised, or the mutations are too weak or too strong.
    assert.ok(counts.decoded > PACKETS / 10, JSON.stringify(counts));
    assert.ok(counts.rejected > PACKETS / 10, JSON.stringify(counts));
    t.diagnostic(`fuzz: ${JSON.stringify(counts)} in ${seconds.toFixed(2)} s`);
  });
});
