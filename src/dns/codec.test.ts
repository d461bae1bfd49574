import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadCapturedMessages } from '../../test/support/dns/fixtures.js';
import { DnsDecodeError, decodeMessage, encodeMessage, isEncodableName } from './codec.js';
import { Rcode, rcodeName } from './message.js';

/** dig's query for `host-10-77-0-5.openstacklocal A`, annotated field by field. */
const DIG_QUERY = Buffer.from(
  [
    [0x9c, 0x96], // id
    [0x01, 0x20], // flags: QR=0 opcode=QUERY RD=1 AD=1
    [0x00, 0x01], // QDCOUNT 1
    [0x00, 0x00], // ANCOUNT 0
    [0x00, 0x00], // NSCOUNT 0
    [0x00, 0x01], // ARCOUNT 1 (OPT)
    [0x0e, ...Buffer.from('host-10-77-0-5')], // label
    [0x0e, ...Buffer.from('openstacklocal')], // label
    [0x00], // root
    [0x00, 0x01], // QTYPE A
    [0x00, 0x01], // QCLASS IN
    [0x00], // OPT owner: root
    [0x00, 0x29], // TYPE OPT (41)
    [0x04, 0xd0], // UDP payload size 1232
    [0x00, 0x00, 0x00, 0x00], // extended rcode 0, version 0, flags 0
    [0x00, 0x0c], // RDLENGTH 12
    [0x00, 0x0a, 0x00, 0x08, 0x41, 0x39, 0x2e, 0xd7, 0x3a, 0x3c, 0xd0, 0x96], // COOKIE option (8 octets)
  ].flat(),
);

function decodeError(bytes: Uint8Array): DnsDecodeError {
  try {
    decodeMessage(bytes);
  } catch (error) {
    assert.ok(error instanceof DnsDecodeError, `expected DnsDecodeError, got ${String(error)}`);
    return error;
  }
  assert.fail('decoded without error');
}

describe('dns codec', () => {
  it('decodes the annotated dig query', () => {
    const message = decodeMessage(DIG_QUERY);
    assert.equal(message.id, 0x9c96);
    assert.equal(message.isResponse, false);
    assert.equal(message.opcode, 0);
    assert.equal(message.flags.recursionDesired, true);
    assert.equal(message.flags.authenticData, true);
    assert.deepEqual(message.questions, [{ name: 'host-10-77-0-5.openstacklocal', type: 'A', class: 'IN' }]);
    assert.deepEqual(message.edns, { udpPayloadSize: 1232, version: 0, dnssecOk: false });
    assert.deepEqual(message.additionals, []);
  });

  it('the annotated bytes are the captured dig query', () => {
    const captured = loadCapturedMessages().find((m) =>
      m.command.includes('host-10-77-0-5.openstacklocal A'),
    );
    assert.equal(captured?.hex, DIG_QUERY.toString('hex'));
  });

  it('decodes every captured message and re-encodes its question section unchanged', () => {
    const messages = loadCapturedMessages();
    assert.ok(messages.length >= 15);
    for (const captured of messages) {
      const bytes = Buffer.from(captured.hex, 'hex');
      const message = decodeMessage(bytes);
      assert.equal(message.isResponse, captured.direction === 'response', captured.command);
      const again = encodeMessage({
        ...message,
        answers: [],
        authorities: [],
        additionals: [],
        edns: undefined,
      });
      const questionEnd = again.length;
      assert.deepEqual(again.subarray(12, questionEnd), bytes.subarray(12, questionEnd), captured.command);
    }
  });

  it('round-trips dnsmasq answers (records, flags, rcode)', () => {
    for (const captured of loadCapturedMessages().filter((m) => m.direction === 'response')) {
      const message = decodeMessage(Buffer.from(captured.hex, 'hex'));
      assert.deepEqual(decodeMessage(encodeMessage(message)), message, captured.command);
    }
  });

  it('rejects with typed errors', () => {
    const header = (qd: number): number[] => [0, 1, 1, 0, 0, qd, 0, 0, 0, 0, 0, 0];
    const table: readonly { readonly what: string; readonly bytes: number[]; readonly reason: string }[] = [
      { what: 'empty', bytes: [], reason: 'too-short' },
      { what: '11 octets', bytes: header(0).slice(0, 11), reason: 'too-short' },
      { what: 'question count without question', bytes: header(1), reason: 'bad-wire-format' },
      { what: 'pointer to itself', bytes: [...header(1), 0xc0, 12, 0, 1, 0, 1], reason: 'bad-wire-format' },
      { what: 'forward pointer', bytes: [...header(1), 0xc0, 18, 0, 1, 0, 1, 0], reason: 'bad-wire-format' },
      {
        what: 'pointer loop through two names',
        bytes: [...header(2), 1, 0x61, 0xc0, 12, 0, 1, 0, 1, 0xc0, 12, 0, 1, 0, 1],
        reason: 'bad-wire-format',
      },
      {
        what: 'reserved label type 0x40',
        bytes: [...header(1), 0x41, 0x61, 0, 0, 1, 0, 1],
        reason: 'bad-wire-format',
      },
      { what: 'label past the end', bytes: [...header(1), 20, 0x61, 0x62], reason: 'bad-wire-format' },
      {
        what: 'name over 254 octets',
        bytes: [
          ...header(1),
          ...Array.from({ length: 5 }, () => [63, ...Array<number>(63).fill(0x61)]).flat(),
          0,
          0,
          1,
          0,
          1,
        ],
        reason: 'bad-wire-format',
      },
      {
        what: 'control byte in a label',
        bytes: [...header(1), 2, 0x61, 0x07, 0, 0, 1, 0, 1],
        reason: 'bad-name',
      },
      { what: 'non-ASCII label', bytes: [...header(1), 2, 0xc3, 0xa9, 0, 0, 1, 0, 1], reason: 'bad-name' },
      {
        what: 'two OPT records',
        bytes: [
          0,
          1,
          1,
          0,
          0,
          1,
          0,
          0,
          0,
          0,
          0,
          2,
          1,
          0x61,
          0,
          0,
          1,
          0,
          1,
          ...[0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0],
          ...[0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0],
        ],
        reason: 'multiple-opt',
      },
    ];
    for (const row of table) assert.equal(decodeError(Buffer.from(row.bytes)).reason, row.reason, row.what);
  });

  it('rejects forged section counts before dns-packet allocates for them', () => {
    const forged = Buffer.from('garbage!garbage!'); // header counts 0x6167, 0x6521, 0x6761, 0x7262
    const started = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) assert.equal(decodeError(forged).reason, 'bad-wire-format');
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 500, 'under 0.5 ms per packet');
  });

  it('accepts a backward pointer (RFC 1035 §4.1.4 compression)', () => {
    const bytes = Buffer.from([
      0, 1, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 0x61, 0, 0, 1, 0, 1, 0xc0, 12, 0, 28, 0, 1,
    ]);
    assert.deepEqual(
      decodeMessage(bytes).questions.map((q) => `${q.name}/${q.type}`),
      ['a/A', 'a/AAAA'],
    );
  });

  it('never throws anything but DnsDecodeError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        try {
          decodeMessage(bytes);
        } catch (error) {
          return error instanceof DnsDecodeError;
        }
        return true;
      }),
      { numRuns: 3000 },
    );
  });

  it('carries the extended rcode through OPT (BADVERS = 16)', () => {
    const query = decodeMessage(DIG_QUERY);
    const response = { ...query, isResponse: true, rcode: Rcode.BADVERS };
    const decoded = decodeMessage(encodeMessage(response));
    assert.equal(decoded.rcode, 16);
    assert.equal(rcodeName(decoded.rcode), 'BADVERS');
  });

  it('isEncodableName', () => {
    const table: readonly [string, boolean][] = [
      ['host-10-0-0-5.openstacklocal', true],
      ['.', true],
      ['_sip._udp.example', true],
      ['a..b', false],
      ['é.example', false],
      [`${'a'.repeat(64)}.example`, false],
      [`${'a'.repeat(63)}.example`, true],
    ];
    for (const [name, expected] of table) assert.equal(isEncodableName(name), expected, name);
  });
});
