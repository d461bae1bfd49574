import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SortedAddresses } from '../ipam/index.js';
import { AllocationCache, type SubnetAllocations } from './allocation-cache.js';

const allocations = (...values: bigint[]): SubnetAllocations =>
  new Map([['s', SortedAddresses.from(values)]]);

test('take hands the entry over: a second take (or a stale revision) finds nothing', () => {
  const cache = new AllocationCache();
  const held = allocations(1n, 2n);
  cache.set('n', 5, held);
  assert.equal(cache.take('n', 4), undefined, 'another revision: not valid');
  assert.equal(cache.take('n', 5), undefined, 'the stale take dropped the entry');
  cache.set('n', 5, held);
  assert.equal(cache.take('n', 5), held);
  assert.equal(cache.take('n', 5), undefined, 'owned by the first taker until it sets it back');
});

test('set keeps the newest revision; carry moves an entry only from the exact revision', () => {
  const cache = new AllocationCache();
  const newer = allocations(1n);
  cache.set('n', 7, newer);
  cache.set('n', 6, allocations(2n));
  cache.carry('n', 6, 8);
  assert.equal(cache.take('n', 8), undefined, 'carry from a revision the entry is not at: no change');
  cache.set('n', 7, newer);
  cache.carry('n', 7, 8);
  assert.equal(cache.take('n', 8), newer);
});

test('sets change in place: add and delete keep the order and own a copy of a shared array', () => {
  const shared = [1n, 3n, 5n];
  const set = new SortedAddresses(shared);
  set.add(4n);
  set.delete(1n);
  set.delete(9n);
  assert.deepEqual(set.list, [3n, 4n, 5n]);
  assert.deepEqual(shared, [1n, 3n, 5n], 'the array it was built over is untouched');
  const adopted = SortedAddresses.adopt([2n, 6n]);
  adopted.add(4n);
  assert.deepEqual(adopted.list, [2n, 4n, 6n]);
});
