import assert from 'node:assert/strict';
import { isIPv4, isIPv6 } from 'node:net';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { canonicalIp, formatIp, parseIp } from './address.js';

/** Independent oracle for RFC 5952 text: the WHATWG URL serializer (Node's URL) compresses IPv6 hosts. */
function urlCanonicalV6(text: string): string {
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

describe('parseIp', () => {
  const valid: [string, 4 | 6, bigint][] = [
    ['0.0.0.0', 4, 0n],
    ['10.0.0.1', 4, 0x0a000001n],
    ['255.255.255.255', 4, 0xffffffffn],
    ['192.0.2.10', 4, 0xc000020an],
    ['::', 6, 0n],
    ['::1', 6, 1n],
    ['2001:db8::', 6, 0x20010db8n << 96n],
    ['2001:DB8::1', 6, (0x20010db8n << 96n) | 1n],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', 6, (0x20010db8n << 96n) | 1n],
    ['::ffff:192.0.2.1', 6, (0xffffn << 32n) | 0xc0000201n],
    ['1:2:3:4:5:6:1.2.3.4', 6, 0x0001000200030004000500060102_0304n],
    ['fe80::', 6, 0xfe80n << 112n],
    ['1::', 6, 1n << 112n],
    ['1:2:3:4:5:6:7:8', 6, 0x00010002000300040005000600070008n],
    ['1:2:3:4:5:6:7::', 6, 0x00010002000300040005000600070000n],
  ];
  for (const [text, version, value] of valid) {
    test(`accepts ${text}`, () => {
      assert.deepEqual(parseIp(text), { ok: true, value: { version, value } });
    });
  }

  const invalid: [string, string][] = [
    ['not-an-ip', "'not-an-ip' is not a valid IP address"],
    ['', "'' is not a valid IP address"],
    ['10.0.0', "'10.0.0' is not a valid IP address"],
    ['10.0.0.256', "'10.0.0.256' is not a valid IP address"],
    ['10.0.0.1.2', "'10.0.0.1.2' is not a valid IP address"],
    [' 10.0.0.1', "' 10.0.0.1' is not a valid IP address"],
    ['10.0.0.1 ', "'10.0.0.1 ' is not a valid IP address"],
    ['0x0a.0.0.1', "'0x0a.0.0.1' is not a valid IP address"],
    ['-1.0.0.1', "'-1.0.0.1' is not a valid IP address"],
    ['010.0.0.1', "'010.0.0.1' is not an accepted IP address, '10.0.0.1' is recommended"],
    ['10.000.0.01', "'10.000.0.01' is not an accepted IP address, '10.0.0.1' is recommended"],
    [':::', "':::' is not a valid IP address"],
    ['1::2::3', "'1::2::3' is not a valid IP address"],
    ['1:2:3:4:5:6:7:8:9', "'1:2:3:4:5:6:7:8:9' is not a valid IP address"],
    ['1:2:3:4:5:6:7:8::', "'1:2:3:4:5:6:7:8::' is not a valid IP address"],
    ['12345::', "'12345::' is not a valid IP address"],
    ['fe80::1%eth0', "'fe80::1%eth0' is not a valid IP address"],
    ['::ffff:1.2.3', "'::ffff:1.2.3' is not a valid IP address"],
    ['::ffff:01.2.3.4', "'::ffff:01.2.3.4' is not a valid IP address"],
    [':1::', "':1::' is not a valid IP address"],
    ['1:2:3:4:5:6:7:1.2.3.4', "'1:2:3:4:5:6:7:1.2.3.4' is not a valid IP address"],
  ];
  for (const [text, reason] of invalid) {
    test(`refuses ${JSON.stringify(text)}`, () => {
      const r = parseIp(text);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.message, reason);
      assert.equal(r.reason, reason);
      assert.equal(r.type, 'HTTPBadRequest');
      assert.equal(r.status, 400);
    });
  }

  test('wraps the reason with the attribute, as in the fixed_ips transcript', () => {
    const r = parseIp('not-an-ip', 'fixed_ips');
    assert.equal(r.ok, false);
    if (!r.ok)
      assert.equal(r.message, "Invalid input for fixed_ips. Reason: 'not-an-ip' is not a valid IP address.");
  });

  test('agrees with node:net on validity (fast-check)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.string({ maxLength: 20 })), (text) => {
        const r = parseIp(text);
        // node accepts exactly the strict dotted quad and RFC 4291 v6 forms; so do we.
        const nodeOk = isIPv4(text) || (isIPv6(text) && !text.includes('%'));
        assert.equal(r.ok, nodeOk, text);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('formatIp', () => {
  const table: [4 | 6, bigint, string][] = [
    [4, 0n, '0.0.0.0'],
    [4, 0xc0000201n, '192.0.2.1'],
    [6, 0n, '::'],
    [6, 1n, '::1'],
    [6, 0x20010db8n << 96n, '2001:db8::'],
    // RFC 5952 §4.2.2: a single zero group is not shortened.
    [6, 0x20010db8000000010001000100010001n, '2001:db8:0:1:1:1:1:1'],
    // §4.2.3: the first of two equal runs is shortened.
    [6, 0x20010db8000000000001000000000001n, '2001:db8::1:0:0:1'],
    // §4.2.1 longest run wins.
    [6, 0x20010000000000010000000000000000n, '2001:0:0:1::'],
    [6, 0x20010000000000000001000000000000n, '2001::1:0:0:0'],
    [6, 0xffffffffffffffffffffffffffffffffn, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    // §5: IPv4-mapped addresses in mixed notation.
    [6, (0xffffn << 32n) | 0xc0000201n, '::ffff:192.0.2.1'],
  ];
  for (const [version, value, text] of table) {
    test(`${text}`, () => assert.equal(formatIp(version, value), text));
  }

  test('IPv4 round-trip: format(parse(x)) === x for every canonical address (fast-check)', () => {
    fc.assert(
      fc.property(fc.ipV4(), (text) => {
        const r = parseIp(text);
        assert.ok(r.ok);
        if (r.ok) assert.equal(formatIp(4, r.value.value), text);
      }),
      { numRuns: 5000 },
    );
  });

  test('IPv6 round-trip through values, and text equals the URL serializer (fast-check)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (value) => {
        const text = formatIp(6, value);
        const back = parseIp(text);
        assert.ok(back.ok);
        if (back.ok) assert.equal(back.value.value, value);
        if (value >> 32n !== 0xffffn) assert.equal(text, urlCanonicalV6(text));
      }),
      { numRuns: 5000 },
    );
  });

  test('any accepted IPv6 text canonicalises like the URL serializer (fast-check)', () => {
    fc.assert(
      fc.property(fc.ipV6(), (text) => {
        const canonical = canonicalIp(text);
        assert.ok(canonical !== undefined, text);
        const expected = urlCanonicalV6(text);
        if (!canonical.startsWith('::ffff:')) assert.equal(canonical, expected, text);
      }),
      { numRuns: 3000 },
    );
  });

  test('sparse IPv6 values (many zero groups) also match the URL serializer (fast-check)', () => {
    const group = fc.oneof(fc.constant(0n), fc.constant(0n), fc.bigInt({ min: 0n, max: 0xffffn }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
        const value = groups.reduce((acc, g) => (acc << 16n) | g, 0n);
        if (value >> 32n === 0xffffn) return;
        assert.equal(formatIp(6, value), urlCanonicalV6(formatIp(6, value)));
      }),
      { numRuns: 3000 },
    );
  });
});
