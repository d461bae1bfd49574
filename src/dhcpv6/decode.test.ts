/** Malformed DHCPv6 messages: each fails with a Dhcpv6DecodeError at the byte at fault, never anything else. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isQdhcpError } from '../common/errors.js';
import { MAX_NESTING } from './decode.js';
import { Dhcpv6DecodeError, Dhcpv6EncodeError } from './errors.js';
import { decodeMessage, encodeMessage } from './index.js';

const h = (text: string) => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
/** A Solicit header (xid 0x010203) followed by `options` hex. */
const solicit = (options: string) => h(`01 010203 ${options}`);

const CASES: readonly { name: string; bytes: Uint8Array; offset: number; reason: RegExp }[] = [
  { name: 'empty', bytes: h(''), offset: 0, reason: /0 bytes, need at least 4/ },
  { name: 'three bytes', bytes: h('010203'), offset: 0, reason: /need at least 4/ },
  { name: 'type 0', bytes: h('00000000'), offset: 0, reason: /unknown message type 0/ },
  { name: 'type 14', bytes: h('0e000000'), offset: 0, reason: /unknown message type 14/ },
  {
    name: 'relay header cut',
    bytes: h(`0c00${'00'.repeat(20)}`),
    offset: 0,
    reason: /relay message of 22 bytes/,
  },
  { name: 'option header cut', bytes: solicit('0001'), offset: 4, reason: /an option header needs 4/ },
  {
    name: 'option overruns',
    bytes: solicit('00080003 0000'),
    offset: 4,
    reason: /option 8 length 3 overruns by 1/,
  },
  {
    name: 'elapsed time of 3 bytes',
    bytes: solicit('00080003 000000'),
    offset: 4,
    reason: /must be 2 bytes/,
  },
  { name: 'preference of 2 bytes', bytes: solicit('00070002 0000'), offset: 4, reason: /must be 1 bytes/ },
  { name: 'rapid commit with a value', bytes: solicit('000e0001 00'), offset: 4, reason: /must be 0 bytes/ },
  { name: 'odd ORO', bytes: solicit('00060003 001700'), offset: 4, reason: /not a multiple of 2/ },
  {
    name: 'DNS server of 15 bytes',
    bytes: solicit(`0017000f ${'00'.repeat(15)}`),
    offset: 4,
    reason: /multiple of 16/,
  },
  {
    name: 'IA_NA of 11 bytes',
    bytes: solicit(`0003000b ${'00'.repeat(11)}`),
    offset: 4,
    reason: /needs 12 bytes/,
  },
  { name: 'IA_TA of 3 bytes', bytes: solicit('00040003 000000'), offset: 4, reason: /needs 4 bytes/ },
  {
    name: 'IA address of 23 bytes',
    bytes: solicit(`00050017 ${'00'.repeat(23)}`),
    offset: 4,
    reason: /needs 24/,
  },
  {
    name: 'IA prefix of 24 bytes',
    bytes: solicit(`001a0018 ${'00'.repeat(24)}`),
    offset: 4,
    reason: /needs 25/,
  },
  { name: 'refresh time of 2 bytes', bytes: solicit('00200002 0000'), offset: 4, reason: /must be 4 bytes/ },
  { name: 'status of 1 byte', bytes: solicit('000d0001 00'), offset: 4, reason: /needs 2 bytes/ },
  { name: 'status not UTF-8', bytes: solicit('000d0003 0000ff'), offset: 4, reason: /not UTF-8/ },
  { name: 'link-layer of 1 byte', bytes: solicit('004f0001 00'), offset: 4, reason: /needs 2 bytes/ },
  { name: 'client DUID of 1 byte', bytes: solicit('00010001 00'), offset: 8, reason: /DUID of 1 bytes/ },
  {
    name: 'DUID-LLT of 6 bytes',
    bytes: solicit('00010006 000100010000'),
    offset: 8,
    reason: /DUID-LLT of 6/,
  },
  { name: 'DUID-LL of 3 bytes', bytes: solicit('00020003 000300'), offset: 8, reason: /DUID-LL of 3/ },
  { name: 'DUID-EN of 5 bytes', bytes: solicit('00010005 0002000000'), offset: 8, reason: /DUID-EN of 5/ },
  { name: 'DUID-UUID of 4 bytes', bytes: solicit('00010004 00040000'), offset: 8, reason: /DUID-UUID of 4/ },
  { name: 'domain not ended', bytes: solicit('00180003 026f72'), offset: 8, reason: /not ended by the root/ },
  {
    name: 'compressed domain',
    bytes: solicit('00180002 c00c'),
    offset: 8,
    reason: /compression is not allowed/,
  },
  { name: 'label overruns', bytes: solicit('00180002 0561'), offset: 8, reason: /label overruns/ },
  {
    name: 'dot inside a label',
    bytes: solicit('00180004 02612e00'),
    offset: 10,
    reason: /byte 46 in a label/,
  },
  {
    name: 'IA address inside IA_NA overruns',
    bytes: solicit(`00030010 ${'00'.repeat(12)} 00050009`),
    offset: 20,
    reason: /option 5 length 9 overruns by 9/,
  },
  {
    name: 'relayed message too short',
    bytes: h(`0c00${'00'.repeat(32)} 00090002 0101`),
    offset: 38,
    reason: /2 bytes/,
  },
];

describe('decodeMessage rejects malformed messages with the offset of the fault', () => {
  for (const { name, bytes, offset, reason } of CASES) {
    it(name, () => {
      assert.throws(
        () => decodeMessage(bytes),
        (error: unknown) => {
          assert.ok(error instanceof Dhcpv6DecodeError, String(error));
          assert.ok(isQdhcpError(error, 'DHCPV6_DECODE_FAILED'));
          assert.match(error.reason, reason);
          assert.equal(error.offset, offset, error.reason);
          return true;
        },
      );
    });
  }

  it(`nesting deeper than ${MAX_NESTING} levels is refused, not a stack overflow`, () => {
    // A Relay-forw whose Relay Message holds a Relay-forw … 40 deep, then a Solicit.
    let bytes = h('01000001');
    for (let i = 0; i < 40; i++) {
      const header = h(`0c00${'00'.repeat(32)} 0009`);
      const next = new Uint8Array(header.length + 2 + bytes.length);
      next.set(header);
      next.set([bytes.length >> 8, bytes.length & 0xff], header.length);
      next.set(bytes, header.length + 2);
      bytes = next;
    }
    assert.throws(() => decodeMessage(bytes), Dhcpv6DecodeError);
    // The same with 64 KiB of IA_TA headers nested in each other.
    const depth = 5000;
    const nested = new Uint8Array(4 + depth * 8);
    nested.set([1, 0, 0, 1]);
    for (let i = 0; i < depth; i++) {
      const remaining = (depth - i - 1) * 8 + 4;
      nested.set([0, 4, remaining >> 8, remaining & 0xff, 0, 0, 0, 0], 4 + i * 8);
    }
    assert.throws(() => decodeMessage(nested.subarray(0, 0xffff)), Dhcpv6DecodeError);
  });

  it('unknown options are kept, repeated options stay in order', () => {
    const message = decodeMessage(solicit('12340002 abcd 00080002 0001 12340000 00080002 0002'));
    assert.deepEqual(
      message.options.map((o) => (o.type === 'unknown' ? `unknown ${o.code}` : o.type)),
      ['unknown 4660', 'elapsed-time', 'unknown 4660', 'elapsed-time'],
    );
  });

  it('the decoded message does not alias the input buffer', () => {
    const bytes = solicit('00010004 0003 0001');
    const message = decodeMessage(bytes);
    bytes.fill(0);
    assert.equal(Buffer.from(encodeMessage(message)).toString('hex'), '0101020300010004' + '00030001');
  });
});

describe('encodeMessage refuses what it cannot write', () => {
  const base = { kind: 'client-server', type: 'REPLY', transactionId: 1 } as const;
  const cases: readonly [string, Parameters<typeof encodeMessage>[0], RegExp][] = [
    ['transaction id over 24 bits', { ...base, transactionId: 0x1000000, options: [] }, /transaction id/],
    ['negative T1', { ...base, options: [{ type: 'ia-na', iaid: 1, t1: -1, t2: 0, options: [] }] }, /T1 -1/],
    ['preference 256', { ...base, options: [{ type: 'preference', preference: 256 }] }, /preference 256/],
    ['address of 129 bits', { ...base, options: [{ type: 'dns-server', servers: [1n << 128n] }] }, /128-bit/],
    ['empty label', { ...base, options: [{ type: 'domain-search', domains: ['a..b'] }] }, /1 to 63/],
    ['space in a label', { ...base, options: [{ type: 'domain-search', domains: ['a b'] }] }, /not allowed/],
    [
      'option over 65535 bytes',
      { ...base, options: [{ type: 'unknown', code: 999, data: new Uint8Array(70000) }] },
      /exceeds 65535/,
    ],
  ];
  for (const [name, message, reason] of cases) {
    it(name, () => {
      assert.throws(
        () => encodeMessage(message),
        (error: unknown) => error instanceof Dhcpv6EncodeError && reason.test(error.reason),
      );
    });
  }

  it('a trailing dot in a domain name is the same name', () => {
    const withDot = encodeMessage({
      ...base,
      options: [{ type: 'domain-search', domains: ['example.org.'] }],
    });
    const without = encodeMessage({
      ...base,
      options: [{ type: 'domain-search', domains: ['example.org'] }],
    });
    assert.deepEqual(withDot, without);
  });
});
