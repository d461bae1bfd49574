/**
 * Property: for any valid message, decode(encode(x)) == x — with room to spare, and at the RFC minimum size
 * (where the encoder either overloads into file/sname and still round-trips, or throws DhcpEncodeError).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DhcpEncodeError, decodeMessage, encodeMessage } from './index.js';
import type { DhcpMessage } from './types.js';

const ipv4 = fc.nat(0xffffffff);
/** Latin1 text without NUL (NUL ends the field on decode). */
const latin1 = (max: number) =>
  fc
    .array(fc.integer({ min: 1, max: 255 }), { maxLength: max })
    .map((codes) => String.fromCharCode(...codes));
const optionCode = fc.integer({ min: 1, max: 254 }).filter((code) => code !== 52);
const options = fc
  .uniqueArray(fc.tuple(optionCode, fc.uint8Array({ maxLength: 300, size: 'max' })), {
    selector: ([code]) => code,
    maxLength: 6,
  })
  .map((entries) => new Map(entries));

const message: fc.Arbitrary<DhcpMessage> = fc
  .record({
    op: fc.constantFrom('BOOTREQUEST' as const, 'BOOTREPLY' as const),
    hardwareType: fc.nat(255),
    hardwareAddressLength: fc.nat(16),
    hops: fc.nat(255),
    transactionId: fc.nat(0xffffffff),
    secondsElapsed: fc.nat(0xffff),
    flags: fc.nat(0xffff),
    clientIp: ipv4,
    yourIp: ipv4,
    serverIp: ipv4,
    gatewayIp: ipv4,
    clientHardwareAddress: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    serverName: fc.oneof(fc.constant(''), latin1(64)),
    bootFileName: fc.oneof(fc.constant(''), latin1(128)),
    options,
  })
  .map((record) => ({ ...record })); // fast-check records have a null prototype; messages are plain objects

describe('encode/decode round trip (property)', () => {
  it('decode(encode(x)) == x with a large maxMessageSize', () => {
    fc.assert(
      fc.property(message, (m) => {
        assert.deepEqual(decodeMessage(encodeMessage(m, { maxMessageSize: 65535 })), m);
      }),
      { numRuns: 1500, seed: 20261122 },
    );
  });

  it('at 576 bytes: fits (maybe overloaded) and round-trips, or throws DhcpEncodeError', () => {
    const seen = { plain: 0, overloaded: 0, rejected: 0 };
    fc.assert(
      fc.property(message, (m) => {
        let bytes: Buffer;
        try {
          bytes = encodeMessage(m);
        } catch (error) {
          assert.ok(error instanceof DhcpEncodeError);
          seen.rejected++;
          return;
        }
        assert.ok(bytes.length <= 548, `${bytes.length} bytes`);
        if (bytes[240] === 52) seen.overloaded++;
        else seen.plain++;
        assert.deepEqual(decodeMessage(bytes), m);
      }),
      { numRuns: 1500, seed: 20261123 },
    );
    // all three outcomes must be exercised, or the generator is too narrow
    for (const [outcome, count] of Object.entries(seen))
      assert.ok(count > 20, `${outcome}: ${JSON.stringify(seen)}`);
  });
});
