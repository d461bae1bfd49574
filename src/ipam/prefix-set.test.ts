import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { type Cidr, cidrLast, makeCidr } from './cidr.js';
import {
  allocateAnySubnet,
  compactPrefixes,
  fitsAvailable,
  prefixDifference,
  prefixesCover,
  prefixesIntersect,
  quotaUnits,
} from './prefix-set.js';
import { cidr } from './testing/helpers.js';

const texts = (cidrs: readonly Cidr[]) => cidrs.map((c) => c.text);
const all = (...list: string[]) => list.map(cidr);

describe('prefix sets (netaddr.IPSet as the subnet allocator uses it)', () => {
  test('compaction merges overlapping and adjacent blocks, in address order', () => {
    assert.deepEqual(texts(compactPrefixes(4, all('10.0.0.128/25', '10.0.0.0/25', '10.0.0.64/26'))), [
      '10.0.0.0/24',
    ]);
    assert.deepEqual(texts(compactPrefixes(4, all('10.10.10.0/24', '10.10.0.0/16', '192.168.1.0/24'))), [
      '10.10.0.0/16',
      '192.168.1.0/24',
    ]);
    assert.deepEqual(texts(compactPrefixes(4, all('10.0.1.0/24', '10.0.2.0/24'))), [
      '10.0.1.0/24',
      '10.0.2.0/24',
    ]);
    assert.deepEqual(texts(compactPrefixes(6, all('2001:db8:1234::/48', '2001:db8:1234:1111::/64'))), [
      '2001:db8:1234::/48',
    ]);
  });

  test('difference splits a block around what was taken', () => {
    assert.deepEqual(texts(prefixDifference(4, all('10.11.12.0/24'), all('10.11.12.0/29'))), [
      '10.11.12.8/29',
      '10.11.12.16/28',
      '10.11.12.32/27',
      '10.11.12.64/26',
      '10.11.12.128/25',
    ]);
    assert.deepEqual(texts(prefixDifference(4, all('10.0.0.0/24'), all('10.0.0.0/24'))), []);
  });

  test('cover and intersect', () => {
    assert.equal(prefixesCover(all('10.11.0.0/16'), all('10.11.12.0/24')), true);
    assert.equal(prefixesCover(all('10.11.12.0/26'), all('10.11.12.0/24')), false);
    assert.equal(prefixesCover(all('10.0.0.0/25', '10.0.0.128/25'), all('10.0.0.0/24')), true);
    assert.equal(prefixesIntersect(all('20.0.0.0/18', '30.0.0.0/18'), all('30.0.0.0/12')), true);
    assert.equal(prefixesIntersect(all('20.0.0.0/18'), all('20.10.0.0/24')), false);
  });

  test('an any-subnet request takes the smallest free block that fits, first subnet in it', () => {
    const free = all('10.0.0.0/16', '10.1.0.0/24', '10.2.0.0/24');
    assert.equal(allocateAnySubnet(free, 26)?.text, '10.1.0.0/26');
    assert.equal(allocateAnySubnet(free, 16)?.text, '10.0.0.0/16');
    assert.equal(allocateAnySubnet(free, 15), undefined);
    assert.equal(allocateAnySubnet([], 24), undefined);
  });

  test('a specific request must lie inside one free block', () => {
    const free = prefixDifference(4, all('10.11.12.0/24'), all('10.11.12.0/29'));
    assert.equal(fitsAvailable(free, cidr('10.11.12.8/29')), true);
    assert.equal(fitsAvailable(free, cidr('10.11.12.0/29')), false);
    assert.equal(fitsAvailable(free, cidr('10.11.12.0/24')), false);
    assert.equal(fitsAvailable(free, cidr('10.11.13.0/29')), false);
  });

  test('quota units are IPv4 addresses and IPv6 /64s', () => {
    assert.equal(quotaUnits(4, 30), 4);
    assert.equal(quotaUnits(4, 24), 256);
    assert.equal(quotaUnits(6, 64), 1);
    assert.equal(quotaUnits(6, 48), 65536);
  });
});

/** A random block inside 10.0.0.0/24 (so a set fits in 256 membership bits). */
const smallBlock = fc
  .tuple(fc.integer({ min: 24, max: 32 }), fc.integer({ min: 0, max: 255 }))
  .map(([prefix, host]) => makeCidr(4, 0x0a000000n + BigInt(host), prefix));
const smallSet = fc.array(smallBlock, { maxLength: 6 });

function members(cidrs: readonly Cidr[]): Set<number> {
  const out = new Set<number>();
  for (const c of cidrs) for (let a = c.network; a <= cidrLast(c); a++) out.add(Number(a & 0xffn));
  return out;
}

describe('prefix sets against a brute-force membership model (property)', () => {
  test('compaction keeps exactly the members, with disjoint non-mergeable blocks', () => {
    fc.assert(
      fc.property(smallSet, (set) => {
        const compact = compactPrefixes(4, set);
        assert.deepEqual(members(compact), members(set));
        for (let i = 1; i < compact.length; i++) {
          assert.ok(compact[i]!.network > cidrLast(compact[i - 1]!), 'sorted and disjoint');
        }
        // Compacting again changes nothing: already minimal.
        assert.deepEqual(texts(compactPrefixes(4, compact)), texts(compact));
      }),
    );
  });

  test('difference, cover and intersect agree with set arithmetic', () => {
    fc.assert(
      fc.property(smallSet, smallSet, (a, b) => {
        const ma = members(a);
        const mb = members(b);
        const diff = members(prefixDifference(4, a, b));
        assert.deepEqual(diff, new Set([...ma].filter((x) => !mb.has(x))));
        assert.equal(
          prefixesCover(a, b),
          [...mb].every((x) => ma.has(x)),
        );
        assert.equal(
          prefixesIntersect(a, b),
          [...ma].some((x) => mb.has(x)),
        );
      }),
    );
  });

  test('an allocated subnet is free, of the requested length, and aligned', () => {
    fc.assert(
      fc.property(smallSet, smallSet, fc.integer({ min: 24, max: 32 }), (pool, taken, length) => {
        const free = prefixDifference(4, pool, taken);
        const chosen = allocateAnySubnet(free, length);
        const freeMembers = members(free);
        if (chosen === undefined) {
          assert.ok(
            free.every((block) => block.prefixLength > length),
            'no block was large enough',
          );
          return;
        }
        assert.equal(chosen.prefixLength, length);
        assert.ok([...members([chosen])].every((x) => freeMembers.has(x)));
        assert.equal(fitsAvailable(free, chosen), true);
        assert.equal(prefixesIntersect([chosen], taken), false);
      }),
    );
  });
});
