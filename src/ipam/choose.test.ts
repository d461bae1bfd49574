import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { seededRandom } from '../../test/support/seeded-random.js';
import { chooseAddress, chooseAddresses, RANDOM_WINDOW, sortedAllocations } from './choose.js';
import type { IpRange } from './pools.js';
import { SortedAddresses } from './sorted-addresses.js';
import { ip } from './testing/helpers.js';

const lowest = { preferNext: true, random: () => 0.5 };

function range(a: string, b: string): IpRange {
  return { first: ip(a), last: ip(b) };
}

describe('chooseAddress (spec 3.4 _generate_ips)', () => {
  test('prefer-next: lowest free address, pools in stored order (table)', () => {
    const table: [IpRange[], string[], string | undefined][] = [
      [[range('10.0.0.2', '10.0.0.254')], [], '10.0.0.2'],
      [[range('10.0.0.2', '10.0.0.254')], ['10.0.0.2', '10.0.0.3', '10.0.0.5'], '10.0.0.4'],
      [
        [range('10.0.0.2', '10.0.0.6')],
        ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6'],
        undefined,
      ],
      // Stored order, not numeric order: the second pool is only used when the first is full.
      [[range('10.0.0.200', '10.0.0.210'), range('10.0.0.100', '10.0.0.150')], [], '10.0.0.200'],
      [
        [range('10.0.0.200', '10.0.0.201'), range('10.0.0.100', '10.0.0.150')],
        ['10.0.0.200', '10.0.0.201'],
        '10.0.0.100',
      ],
      // Allocations outside the pools (explicit requests) are ignored.
      [[range('10.0.0.10', '10.0.0.12')], ['10.0.0.1', '10.0.0.10', '10.0.0.99'], '10.0.0.11'],
      [
        [range('2001:db8::1', '2001:db8::ffff:ffff:ffff:ffff')],
        ['2001:db8::1', '2001:db8::2'],
        '2001:db8::3',
      ],
      [[], [], undefined],
    ];
    for (const [pools, allocated, expected] of table) {
      const got = chooseAddress(pools, allocated.map(ip), lowest);
      assert.equal(got, expected === undefined ? undefined : ip(expected), `${allocated} → ${expected}`);
    }
  });

  test('random: uniform over the first 1000 free addresses of the first non-full pool', () => {
    const pool = [range('10.0.0.1', '10.0.255.254')];
    const allocated = [ip('10.0.0.1'), ip('10.0.0.3')];
    assert.equal(chooseAddress(pool, allocated, { preferNext: false, random: () => 0 }), ip('10.0.0.2'));
    // k = 999 is the 1000th free address: .2, .4, .5, … → 10.0.0.1 + 999 + 2 = 10.0.4.0 (1002 above .0... computed below)
    const last = chooseAddress(pool, allocated, { preferNext: false, random: () => 0.9999999 });
    assert.equal(last, ip('10.0.0.1') + BigInt(RANDOM_WINDOW - 1) + 2n);
    // A random() of exactly 1 (out of contract) is clamped, not an overflow.
    assert.equal(chooseAddress(pool, allocated, { preferNext: false, random: () => 1 }), last);
  });

  test('random: a small pool uses its whole free set as the window', () => {
    const seen = new Set<bigint>();
    const rnd = seededRandom(7);
    for (let i = 0; i < 400; i++) {
      const got = chooseAddress([range('10.0.0.2', '10.0.0.6')], [ip('10.0.0.4')], {
        preferNext: false,
        random: rnd,
      });
      assert.ok(got !== undefined);
      seen.add(got);
    }
    assert.deepEqual([...seen].sort(), ['10.0.0.2', '10.0.0.3', '10.0.0.5', '10.0.0.6'].map(ip).sort());
  });

  test('accepts allocations as unsorted arrays with duplicates, or as a Set', () => {
    const pool = [range('10.0.0.2', '10.0.0.10')];
    const raw = ['10.0.0.5', '10.0.0.2', '10.0.0.3', '10.0.0.2', '10.0.0.4'].map(ip);
    assert.equal(chooseAddress(pool, raw, lowest), ip('10.0.0.6'));
    assert.equal(chooseAddress(pool, new Set(raw), lowest), ip('10.0.0.6'));
    assert.equal(chooseAddress(pool, SortedAddresses.from(raw), lowest), ip('10.0.0.6'));
    const v6 = ['2001:db8::5', '2001:db8::1', '2001:db8::5'].map(ip);
    assert.deepEqual(sortedAllocations(v6), ['2001:db8::1', '2001:db8::5'].map(ip));
    assert.deepEqual(sortedAllocations(raw), ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'].map(ip));
  });

  test('never returns an allocated or out-of-pool address; undefined only when all is allocated (fast-check)', () => {
    const base = ip('10.0.0.0');
    const poolArb = fc
      .tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 20 }))
      .map(([start, len]) => ({ first: base + BigInt(start), last: base + BigInt(start + len) }));
    fc.assert(
      fc.property(
        fc.array(poolArb, { maxLength: 3 }),
        fc.array(fc.integer({ min: 0, max: 90 }), { maxLength: 90 }),
        fc.boolean(),
        fc.integer(),
        (pools, offsets, preferNext, seed) => {
          const allocated = offsets.map((o) => base + BigInt(o));
          const taken = new Set(allocated);
          const got = chooseAddress(pools, allocated, { preferNext, random: seededRandom(seed) });
          // The index and the Set forms give the same answer for the same random draws.
          assert.equal(
            chooseAddress(pools, SortedAddresses.from(allocated), { preferNext, random: seededRandom(seed) }),
            got,
          );
          assert.equal(chooseAddress(pools, taken, { preferNext, random: seededRandom(seed) }), got);
          const anyFree = pools.some((p) => {
            for (let v = p.first; v <= p.last; v++) if (!taken.has(v)) return true;
            return false;
          });
          if (got === undefined) {
            assert.ok(!anyFree, 'undefined although a free address exists');
            return;
          }
          assert.ok(!taken.has(got), 'returned an allocated address');
          assert.ok(
            pools.some((p) => got >= p.first && got <= p.last),
            'returned an address outside every pool',
          );
          // It comes from the first pool in stored order that has room.
          const firstWithRoom = pools.find((p) => {
            for (let v = p.first; v <= p.last; v++) if (!taken.has(v)) return true;
            return false;
          });
          assert.ok(firstWithRoom !== undefined && got >= firstWithRoom.first && got <= firstWithRoom.last);
          if (preferNext) {
            for (let v = firstWithRoom.first; v < got; v++)
              assert.ok(taken.has(v), 'prefer-next skipped a free address');
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('chooseAddresses: distinct, free, from one pool (fast-check)', () => {
    const base = ip('10.0.0.0');
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
        fc.integer(),
        (offsets, count, preferNext, seed) => {
          const pools = [{ first: base + 1n, last: base + 254n }];
          const allocated = offsets.map((o) => base + BigInt(o));
          const taken = new Set(allocated);
          const got = chooseAddresses(pools, allocated, count, { preferNext, random: seededRandom(seed) });
          const free = BigInt(254 - new Set(allocated.filter((a) => a > base && a < base + 255n)).size);
          if (got === undefined) {
            assert.ok(free < BigInt(count));
            return;
          }
          assert.equal(got.length, count);
          assert.equal(new Set(got).size, count);
          for (const g of got) assert.ok(!taken.has(g) && g >= base + 1n && g <= base + 254n);
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('micro-check: /16 with 60,000 allocations (prints timings; no assertion on time)', () => {
    const network = ip('10.50.0.0');
    const pool = [{ first: network + 1n, last: network + 65534n }];
    const rnd = seededRandom(42);
    // 60,000 allocated addresses spread over the pool (every address except a scattered 5,534).
    const allocated: bigint[] = [];
    for (let i = 1n; i <= 65534n && allocated.length < 60_000; i++)
      if (i % 12n !== 5n) allocated.push(network + i);
    const shuffled = [...allocated];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const time = (label: string, fn: () => bigint | undefined, runs: number): void => {
      fn();
      const start = process.hrtime.bigint();
      let last: bigint | undefined;
      for (let i = 0; i < runs; i++) last = fn();
      const perCall = Number(process.hrtime.bigint() - start) / runs / 1e6;
      assert.ok(last !== undefined);
      console.log(`# chooseAddress ${label}: ${perCall.toFixed(3)} ms per call (${runs} runs)`);
    };
    const buildStart = process.hrtime.bigint();
    const index = SortedAddresses.from(shuffled);
    const buildMs = Number(process.hrtime.bigint() - buildStart) / 1e6;
    console.log(
      `# indexAllocations of 60,000 unsorted addresses: ${buildMs.toFixed(1)} ms (once per request)`,
    );
    time('index, random', () => chooseAddress(pool, index, { preferNext: false, random: rnd }), 2000);
    time('index, prefer-next', () => chooseAddress(pool, index, lowest), 2000);
    time(
      'sorted array, random',
      () => chooseAddress(pool, allocated, { preferNext: false, random: rnd }),
      200,
    );
    time('sorted array, prefer-next', () => chooseAddress(pool, allocated, lowest), 200);
    const set = new Set(allocated);
    time(
      'Set (sorted per call), random',
      () => chooseAddress(pool, set, { preferNext: false, random: rnd }),
      10,
    );
    time(
      'unsorted array (sorted per call), random',
      () => chooseAddress(pool, shuffled, { preferNext: false, random: rnd }),
      10,
    );
  });
});
