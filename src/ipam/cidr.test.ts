import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { formatIp } from './address.js';
import {
  broadcastAddress,
  cidrContains,
  cidrLast,
  cidrSize,
  cidrsOverlap,
  makeCidr,
  parseCidr,
} from './cidr.js';
import { assertFailure, cidr, ip } from './testing/helpers.js';

describe('parseCidr', () => {
  const accepted: [string, string][] = [
    ['10.0.0.0/24', '10.0.0.0/24'],
    ['10.0.0.5/24', '10.0.0.0/24'],
    ['10.20.0.0/24', '10.20.0.0/24'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['192.0.2.7/32', '192.0.2.7/32'],
    ['192.0.2.7/31', '192.0.2.6/31'],
    ['2001:db8::/64', '2001:db8::/64'],
    ['2001:DB8:0:0::5/64', '2001:db8::/64'],
    ['fd00:20::/64', 'fd00:20::/64'],
    ['2001:db8::1/128', '2001:db8::1/128'],
    ['::/0', '::/0'],
  ];
  for (const [text, canonical] of accepted) {
    test(`${text} → ${canonical}`, () => {
      const r = parseCidr(text);
      assert.ok(r.ok, text);
      if (r.ok) assert.equal(r.value.text, canonical);
    });
  }

  // Messages as recorded from the real server (07-err-invalid-cidr.jsonl) and Neutron's rules.
  const refused = [
    '10.30.0.0/33',
    '10.30.0.300/24',
    'banana',
    '10.0.0/24',
    '10.0.0.0',
    '010.0.0.0/24',
    '10.0.0.0/',
    '10.0.0.0/24/1',
    '10.0.0.0/-1',
    '10.0.0.0/ 24',
    '2001:db8::/129',
    '10.0.0.0/8.0',
  ];
  for (const text of refused) {
    test(`refuses ${text}`, () => {
      assertFailure(
        parseCidr(text),
        'InvalidInput',
        `Invalid input for operation: ${text} is not in a CIDR format.`,
      );
    });
  }

  test('strict mode refuses host bits', () => {
    assertFailure(
      parseCidr('10.0.0.5/24', { strict: true }),
      'InvalidInput',
      "Invalid input for operation: '10.0.0.5/24' is not a recognized CIDR, '10.0.0.0/24' is recommended.",
    );
    assert.ok(parseCidr('10.0.0.0/24', { strict: true }).ok);
  });
});

describe('cidr arithmetic', () => {
  test('contains, last, size, broadcast (table)', () => {
    const table: [string, string, string, bigint, string | undefined][] = [
      // cidr, inside, last, size, broadcast
      ['10.0.0.0/24', '10.0.0.77', '10.0.0.255', 256n, '10.0.0.255'],
      ['10.0.0.0/30', '10.0.0.2', '10.0.0.3', 4n, '10.0.0.3'],
      ['10.0.0.0/31', '10.0.0.1', '10.0.0.1', 2n, undefined],
      ['10.0.0.9/32', '10.0.0.9', '10.0.0.9', 1n, undefined],
      ['2001:db8::/64', '2001:db8::ffff', '2001:db8::ffff:ffff:ffff:ffff', 1n << 64n, undefined],
    ];
    for (const [text, inside, last, size, bcast] of table) {
      const c = cidr(text);
      assert.ok(cidrContains(c, ip(inside)), text);
      assert.ok(!cidrContains(c, c.network - 1n), text);
      assert.ok(!cidrContains(c, cidrLast(c) + 1n), text);
      assert.equal(formatIp(c.version, cidrLast(c)), last);
      assert.equal(cidrSize(c), size);
      const b = broadcastAddress(c);
      assert.equal(b === undefined ? undefined : formatIp(c.version, b), bcast);
    }
  });

  test('overlap (table)', () => {
    const table: [string, string, boolean][] = [
      ['10.20.0.0/24', '10.20.0.128/25', true],
      ['10.20.0.0/24', '10.21.0.0/24', false],
      ['10.0.0.0/8', '10.255.255.255/32', true],
      ['10.0.0.0/24', '10.0.1.0/24', false],
      ['2001:db8::/64', '2001:db8::/48', true],
      ['2001:db8::/64', '2001:db8:0:1::/64', false],
      ['0.0.0.0/0', '::/0', false],
    ];
    for (const [a, b, expected] of table) {
      assert.equal(cidrsOverlap(cidr(a), cidr(b)), expected, `${a} ${b}`);
      assert.equal(cidrsOverlap(cidr(b), cidr(a)), expected, `${b} ${a}`);
    }
  });

  test('overlap equals "some address in both" on small IPv4 blocks (fast-check)', () => {
    const block = fc.record({
      addr: fc.integer({ min: 0, max: 255 }),
      len: fc.integer({ min: 24, max: 32 }),
    });
    fc.assert(
      fc.property(block, block, (x, y) => {
        const a = makeCidr(4, 0x0a000000n + BigInt(x.addr), x.len);
        const b = makeCidr(4, 0x0a000000n + BigInt(y.addr), y.len);
        let shared = false;
        for (let v = a.network; v <= cidrLast(a) && !shared; v++) shared = cidrContains(b, v);
        assert.equal(cidrsOverlap(a, b), shared);
      }),
      { numRuns: 2000 },
    );
  });

  test('parseCidr(text).text is a fixed point and contains the given address (fast-check)', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (addr, len) => {
        const r = parseCidr(`${addr}/${len}`);
        assert.ok(r.ok);
        if (!r.ok) return;
        assert.ok(cidrContains(r.value, ip(addr)));
        const again = parseCidr(r.value.text, { strict: true });
        assert.ok(again.ok);
        if (again.ok) assert.deepEqual(again.value, r.value);
      }),
      { numRuns: 2000 },
    );
  });
});
