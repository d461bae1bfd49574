import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isQdhcpError } from '../../common/errors.js';
import {
  encodeHandoverMessage,
  FORMAT_VERSION,
  type HandoverMessage,
  handoverMessage,
  type Offer,
  parseHandoverMessage,
  type SocketsChunk,
} from './messages.js';

const spec = fc.record(
  {
    namespace: fc.string({ minLength: 1 }),
    kind: fc.constantFrom('udp4' as const, 'tcp4' as const),
    address: fc.ipV4(),
    port: fc.integer({ min: 0, max: 65535 }),
    device: fc.string(),
  },
  { requiredKeys: ['namespace', 'kind', 'address', 'port'], noNullPrototype: true },
);
const count = fc.nat({ max: 1_000_000 });
const message: fc.Arbitrary<HandoverMessage> = fc
  .oneof(
    fc.record({
      type: fc.constant('hello' as const),
      pid: count,
      channelPath: fc.string({ minLength: 1, maxLength: 107 }),
    }),
    fc.record({
      type: fc.constant('offer' as const),
      pid: count,
      sockets: count,
      chunks: count,
      networks: fc.array(fc.uuid()),
    }),
    fc.record({ type: fc.constant('refused' as const), reason: fc.string() }),
    fc.record({ type: fc.constantFrom('send' as const, 'sent' as const), chunk: count }),
    fc.record({ type: fc.constant('took-over' as const), pid: count }),
    fc.record({ type: fc.constant('released' as const) }),
    fc.record({
      type: fc.constant('sockets' as const),
      chunk: count,
      sockets: fc.array(spec, { maxLength: 5 }),
    }),
  )
  .map((fields) => handoverMessage(fields as Omit<HandoverMessage, 'formatVersion'>));

test('every message survives its line', () => {
  fc.assert(
    fc.property(message, (sent) => {
      assert.deepEqual(parseHandoverMessage(encodeHandoverMessage(sent).trimEnd()), sent);
    }),
  );
});

test("a newer build's message (higher formatVersion, fields unknown here) is read, the unknown fields dropped", () => {
  fc.assert(
    fc.property(
      message,
      fc.integer({ min: FORMAT_VERSION, max: 1000 }),
      fc.dictionary(
        fc.string().map((key) => `x_${key}`),
        fc.jsonValue(),
      ),
      (sent, formatVersion, extra) => {
        const newer = { ...extra, ...sent, formatVersion };
        assert.deepEqual(parseHandoverMessage(JSON.stringify(newer)), { ...sent, formatVersion });
      },
    ),
  );
});

test('anything else is HANDOVER_MESSAGE_INVALID, never another error', () => {
  const candidates = fc.oneof(
    fc.string(),
    fc.jsonValue().map((value) => JSON.stringify(value)),
    // Real messages with one field broken.
    fc.tuple(message, fc.string(), fc.jsonValue()).map(([sent, key, value]) =>
      JSON.stringify({
        ...sent,
        [Object.keys(sent)[key.length % Object.keys(sent).length] ?? 'type']: value,
      }),
    ),
  );
  fc.assert(
    fc.property(candidates, (text) => {
      try {
        parseHandoverMessage(text);
      } catch (error) {
        assert.ok(isQdhcpError(error, 'HANDOVER_MESSAGE_INVALID'), String(error));
      }
    }),
    { numRuns: 2000 },
  );
});

test('what is refused, by example', () => {
  const offer = handoverMessage<Offer>({ type: 'offer', pid: 1, sockets: 2, chunks: 1, networks: ['n'] });
  const chunk = handoverMessage<SocketsChunk>({ type: 'sockets', chunk: 0, sockets: [] });
  for (const [text, reason] of [
    ['{', /not JSON/],
    ['[]', /not an object/],
    ['{"formatVersion":1,"type":"goodbye"}', /unknown type goodbye/],
    [JSON.stringify({ ...offer, formatVersion: 0 }), /offer: \/formatVersion/],
    [JSON.stringify({ ...offer, sockets: -1 }), /offer: \/sockets/],
    [
      JSON.stringify({ ...chunk, sockets: [{ namespace: 'n', kind: 'sctp', address: 'a', port: 1 }] }),
      /sockets/,
    ],
    ['x'.repeat(1024 * 1024 + 1), /longer than/],
  ] as const)
    assert.throws(
      () => parseHandoverMessage(text),
      (error: unknown) => {
        assert.ok(isQdhcpError(error, 'HANDOVER_MESSAGE_INVALID'));
        assert.match(error.message, reason);
        return true;
      },
    );
});
