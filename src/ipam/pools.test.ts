import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { broadcastAddress, makeCidr } from './cidr.js';
import {
  defaultAllocationPools,
  formatRange,
  type IpRange,
  parseAllocationPool,
  parseAllocationPools,
  poolSize,
  rangeToPool,
  usableRange,
  validateAllocationPools,
} from './pools.js';
import { defaultGateway } from './subnet-rules.js';
import { assertFailure, cidr, ip } from './testing/helpers.js';

function pools(c: string, gw: string | null): string[] {
  const parsed = cidr(c);
  return defaultAllocationPools(parsed, gw === null ? null : ip(gw)).map((r) =>
    formatRange(parsed.version, r),
  );
}

function range(a: string, b: string): IpRange {
  return { first: ip(a), last: ip(b) };
}

describe('defaultAllocationPools (spec 3.2 generate_pools)', () => {
  const table: [string, string | null, string[]][] = [
    ['10.0.0.0/24', '10.0.0.1', ['10.0.0.2-10.0.0.254']],
    ['10.0.0.0/24', '10.0.0.100', ['10.0.0.1-10.0.0.99', '10.0.0.101-10.0.0.254']],
    ['10.0.0.0/24', '10.0.0.254', ['10.0.0.1-10.0.0.253']],
    ['10.0.0.0/24', null, ['10.0.0.1-10.0.0.254']], // transcript 03 sub-nogw: .1–.254
    ['10.0.0.0/24', '192.0.2.1', ['10.0.0.1-10.0.0.254']], // gateway outside the CIDR
    ['10.40.0.0/29', '10.40.0.1', ['10.40.0.2-10.40.0.6']], // transcript 08
    ['10.0.0.0/30', '10.0.0.1', ['10.0.0.2-10.0.0.2']],
    ['10.0.0.0/30', '10.0.0.2', ['10.0.0.1-10.0.0.1']],
    ['10.0.0.0/31', '10.0.0.1', ['10.0.0.0-10.0.0.1']], // both addresses, gateway not removed
    ['10.0.0.7/32', '10.0.0.8', ['10.0.0.7-10.0.0.7']], // single address
    ['2001:db8::/64', '2001:db8::', ['2001:db8::1-2001:db8::ffff:ffff:ffff:ffff']],
    ['fd00:20::/64', 'fd00:20::', ['fd00:20::1-fd00:20::ffff:ffff:ffff:ffff']], // transcript 03 sub-v6
    ['2001:db8::/64', '2001:db8::1', ['2001:db8::2-2001:db8::ffff:ffff:ffff:ffff']],
    ['2001:db8::/126', '2001:db8::', ['2001:db8::1-2001:db8::3']],
    ['2001:db8::/127', '2001:db8::', ['2001:db8::-2001:db8::1']],
    ['2001:db8::1/128', null, ['2001:db8::1-2001:db8::1']],
  ];
  for (const [c, gw, expected] of table) {
    test(`${c} gw ${gw} → ${expected.join(', ')}`, () => assert.deepEqual(pools(c, gw), expected));
  }

  test('never contain the gateway, network or broadcast address; stay inside the CIDR (fast-check)', () => {
    const v4 = fc.record({
      addr: fc.bigInt({ min: 0n, max: 0xffffffffn }),
      len: fc.integer({ min: 1, max: 30 }),
      gwOffset: fc.bigInt({ min: 0n, max: 0xffffffffn }),
    });
    fc.assert(
      fc.property(v4, ({ addr, len, gwOffset }) => {
        const c = makeCidr(4, addr, len);
        const size = 1n << BigInt(32 - len);
        const gateway = c.network + (gwOffset % size);
        const result = defaultAllocationPools(c, gateway);
        const bcast = broadcastAddress(c);
        for (const p of result) {
          assert.ok(p.first <= p.last);
          assert.ok(p.first > c.network && (bcast === undefined || p.last < bcast));
          assert.ok(!(gateway >= p.first && gateway <= p.last), 'gateway inside a pool');
        }
        // Everything usable but the gateway is covered.
        const covered = result.reduce((n, p) => n + poolSize(p), 0n);
        const usable = poolSize(usableRange(c));
        const gwUsable = gateway > c.network && gateway < c.network + size - 1n;
        assert.equal(covered, gwUsable ? usable - 1n : usable);
        // And the result passes validation with that gateway.
        assert.ok(validateAllocationPools(c, gateway, result).ok);
      }),
      { numRuns: 3000 },
    );
  });

  test('IPv6: never the network (subnet-router anycast) address, never the gateway (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
        fc.integer({ min: 1, max: 126 }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        (addr, len, off) => {
          const c = makeCidr(6, addr, len);
          const gateway = c.network + (off % (1n << BigInt(128 - len)));
          for (const p of defaultAllocationPools(c, gateway)) {
            assert.ok(p.first > c.network);
            assert.ok(!(gateway >= p.first && gateway <= p.last));
          }
          assert.ok(validateAllocationPools(c, gateway, defaultAllocationPools(c, gateway)).ok);
          assert.ok(
            validateAllocationPools(c, defaultGateway(c), defaultAllocationPools(c, defaultGateway(c))).ok,
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('validateAllocationPools (spec 1.4 rule 9)', () => {
  test('accepts the transcript 03 sub-full pools with gateway .254', () => {
    const c = cidr('10.21.0.0/24');
    const p = [range('10.21.0.100', '10.21.0.150'), range('10.21.0.200', '10.21.0.210')];
    assert.deepEqual(validateAllocationPools(c, ip('10.21.0.254'), p), { ok: true, value: p });
  });

  test('overlap: exact message from transcript 03 (earlier pool first)', () => {
    const c = cidr('10.20.0.0/24');
    assertFailure(
      validateAllocationPools(c, ip('10.20.0.1'), [
        range('10.20.0.240', '10.20.0.250'),
        range('10.20.0.2', '10.20.0.254'),
      ]),
      'OverlappingAllocationPools',
      'Found overlapping allocation pools: 10.20.0.240-10.20.0.250 10.20.0.2-10.20.0.254 for subnet 10.20.0.0/24.',
    );
  });

  test('overlap reports the first overlapping pair in request order', () => {
    const c = cidr('10.0.0.0/24');
    const p = [
      range('10.0.0.1', '10.0.0.9'),
      range('10.0.0.50', '10.0.0.60'),
      range('10.0.0.55', '10.0.0.70'),
      range('10.0.0.5', '10.0.0.6'),
    ];
    const r = validateAllocationPools(c, null, p);
    assertFailure(
      r,
      'OverlappingAllocationPools',
      'Found overlapping allocation pools: 10.0.0.1-10.0.0.9 10.0.0.5-10.0.0.6 for subnet 10.0.0.0/24.',
    );
    assert.equal(r.ok ? 0 : r.status, 409);
  });

  test('out of bounds: exact message from transcript 07', () => {
    assertFailure(
      validateAllocationPools(cidr('10.31.0.0/24'), ip('10.31.0.1'), [range('10.32.0.10', '10.32.0.20')]),
      'OutOfBoundsAllocationPool',
      'The allocation pool 10.32.0.10-10.32.0.20 spans beyond the subnet cidr 10.31.0.0/24.',
    );
  });

  test('gateway in a pool: exact message from transcript 07', () => {
    const r = validateAllocationPools(cidr('10.31.0.0/24'), ip('10.31.0.10'), [
      range('10.31.0.5', '10.31.0.20'),
    ]);
    assertFailure(
      r,
      'GatewayConflictWithAllocationPools',
      'Gateway ip 10.31.0.10 conflicts with allocation pool 10.31.0.5-10.31.0.20.',
    );
    assert.equal(r.ok ? 0 : r.status, 409);
  });

  test('bounds (table): network and broadcast excluded for /24, whole range for /31 and /32, IPv6 network excluded', () => {
    const table: [string, string, string, boolean][] = [
      ['10.0.0.0/24', '10.0.0.0', '10.0.0.10', false],
      ['10.0.0.0/24', '10.0.0.250', '10.0.0.255', false],
      ['10.0.0.0/24', '10.0.0.1', '10.0.0.254', true],
      ['10.0.0.0/31', '10.0.0.0', '10.0.0.1', true],
      ['10.0.0.5/32', '10.0.0.5', '10.0.0.5', true],
      ['2001:db8::/64', '2001:db8::', '2001:db8::5', false],
      ['2001:db8::/64', '2001:db8::1', '2001:db8::ffff:ffff:ffff:ffff', true],
    ];
    for (const [c, a, b, okExpected] of table) {
      const r = validateAllocationPools(cidr(c), null, [range(a, b)]);
      assert.equal(r.ok, okExpected, `${a}-${b} in ${c}`);
      if (!r.ok) assert.equal(r.type, 'OutOfBoundsAllocationPool');
    }
  });

  test('start after end is InvalidAllocationPool', () => {
    assertFailure(
      validateAllocationPools(cidr('10.0.0.0/24'), null, [{ first: ip('10.0.0.20'), last: ip('10.0.0.10') }]),
      'InvalidAllocationPool',
      'The allocation pool 10.0.0.20-10.0.0.10 is not valid.',
    );
  });

  test('validation agrees with a brute-force model on a /27 (fast-check)', () => {
    const c = cidr('10.0.0.0/27');
    const addr = fc.integer({ min: 0, max: 31 });
    const pool = fc
      .tuple(addr, addr)
      .map(([a, b]) => ({ first: ip('10.0.0.0') + BigInt(a), last: ip('10.0.0.0') + BigInt(b) }));
    fc.assert(
      fc.property(fc.array(pool, { maxLength: 4 }), fc.option(addr), (ps, gw) => {
        const gateway = gw === null ? null : ip('10.0.0.0') + BigInt(gw);
        const r = validateAllocationPools(c, gateway, ps);
        const model = (() => {
          if (ps.some((p) => p.first > p.last)) return 'InvalidAllocationPool';
          if (ps.some((p) => p.first < ip('10.0.0.1') || p.last > ip('10.0.0.30')))
            return 'OutOfBoundsAllocationPool';
          for (let i = 0; i < ps.length; i++)
            for (let j = i + 1; j < ps.length; j++)
              if (ps[i]!.first <= ps[j]!.last && ps[j]!.first <= ps[i]!.last)
                return 'OverlappingAllocationPools';
          if (gateway !== null && ps.some((p) => gateway >= p.first && gateway <= p.last))
            return 'GatewayConflictWithAllocationPools';
          return 'ok';
        })();
        assert.equal(r.ok ? 'ok' : r.type, model);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parseAllocationPool', () => {
  test('parses and keeps order', () => {
    const c = cidr('10.21.0.0/24');
    const r = parseAllocationPools(c, [
      { start: '10.21.0.100', end: '10.21.0.150' },
      { start: '10.21.0.200', end: '10.21.0.210' },
    ]);
    assert.ok(r.ok);
    if (r.ok)
      assert.deepEqual(
        r.value.map((p) => rangeToPool(4, p)),
        [
          { start: '10.21.0.100', end: '10.21.0.150' },
          { start: '10.21.0.200', end: '10.21.0.210' },
        ],
      );
  });

  test('messages', () => {
    const c = cidr('10.0.0.0/24');
    assertFailure(
      parseAllocationPool(c, { start: '10.0.0.x', end: '10.0.0.5' }),
      'HTTPBadRequest',
      "Invalid input for allocation_pools. Reason: '10.0.0.x' is not a valid IP address.",
    );
    assertFailure(
      parseAllocationPool(c, { start: '10.0.0.9', end: '10.0.0.5' }),
      'InvalidAllocationPool',
      "The allocation pool {'start': '10.0.0.9', 'end': '10.0.0.5'} is not valid.",
    );
    assertFailure(
      parseAllocationPool(c, { start: '2001:db8::1', end: '2001:db8::5' }),
      'InvalidAllocationPool',
      'The allocation pool 2001:db8::1-2001:db8::5 is not valid.',
    );
  });
});

describe('usableRange', () => {
  test('table', () => {
    const table: [string, string][] = [
      ['10.0.0.0/24', '10.0.0.1-10.0.0.254'],
      ['10.0.0.0/30', '10.0.0.1-10.0.0.2'],
      ['10.0.0.0/31', '10.0.0.0-10.0.0.1'],
      ['10.0.0.3/32', '10.0.0.3-10.0.0.3'],
      ['2001:db8::/64', '2001:db8::1-2001:db8::ffff:ffff:ffff:ffff'],
      ['2001:db8::/127', '2001:db8::-2001:db8::1'],
    ];
    for (const [c, expected] of table) {
      const parsed = cidr(c);
      assert.equal(formatRange(parsed.version, usableRange(parsed)), expected);
    }
  });
});
