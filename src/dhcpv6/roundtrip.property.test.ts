/**
 * Properties: for any valid message, decode(encode(m)) equals m; and for any bytes that decode,
 * encode(decode(b)) gives b back (the codec loses nothing, so unknown options and odd values survive).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Dhcpv6DecodeError } from './errors.js';
import { decodeMessage, encodeMessage } from './index.js';
import { dhcpv6Message } from './testing/arbitraries.js';

describe('DHCPv6 round trip', () => {
  it('decode(encode(m)) deep-equals m', () => {
    fc.assert(
      fc.property(dhcpv6Message, (message) => {
        assert.deepEqual(decodeMessage(encodeMessage(message)), message);
      }),
      { numRuns: 3000, seed: 0x6d6 },
    );
  });

  it('encode(decode(b)) gives back b for any bytes that decode', () => {
    let decoded = 0;
    fc.assert(
      fc.property(
        dhcpv6Message.map(encodeMessage),
        fc.nat(64),
        fc.uint8Array({ maxLength: 8 }),
        (valid, at, noise) => {
          // Overwrite a few bytes of a valid message: some still decode, some no longer do.
          const bytes = new Uint8Array(valid);
          bytes.set(noise.subarray(0, Math.max(0, bytes.length - at)), Math.min(at, bytes.length));
          try {
            const message = decodeMessage(bytes);
            decoded++;
            assert.equal(
              Buffer.from(encodeMessage(message)).toString('hex'),
              Buffer.from(bytes).toString('hex'),
            );
          } catch (error) {
            if (!(error instanceof Dhcpv6DecodeError)) throw error;
          }
        },
      ),
      { numRuns: 3000, seed: 0x6d7 },
    );
    assert.ok(decoded > 300, `${decoded} mutated messages still decoded`);
  });
});
