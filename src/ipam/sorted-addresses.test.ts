import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SortedAddresses, sortAddresses } from './sorted-addresses.js';

test('sortAddresses: ascending and unique, for IPv4-sized and IPv6-sized values (fast-check)', () => {
  const address = fc.oneof(
    fc.bigInt({ min: 0n, max: 0xffffffffn }),
    fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
  );
  fc.assert(
    fc.property(fc.array(address, { maxLength: 50 }), (values) => {
      const expected = [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      assert.deepEqual(sortAddresses(values), expected);
    }),
  );
});

test('SortedAddresses copies a shared array on the first add, and keeps order', () => {
  const shared = [2n, 5n, 9n];
  const set = new SortedAddresses(shared);
  assert.equal(set.has(5n), true);
  assert.equal(set.has(4n), false);
  set.add(4n);
  set.add(5n);
  set.add(10n);
  assert.deepEqual(set.list, [2n, 4n, 5n, 9n, 10n]);
  assert.deepEqual(shared, [2n, 5n, 9n], 'the shared array is untouched');
  assert.deepEqual(SortedAddresses.from([3n, 1n, 3n]).list, [1n, 3n]);
});
