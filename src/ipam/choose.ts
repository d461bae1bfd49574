/**
 * Automatic address choice inside a subnet's pools (spec 3.4, Neutron `NeutronDbSubnet._generate_ips`).
 *
 * Neutron loads every allocation, builds IP sets and materialises the first 1000 free addresses for each
 * choice (spec 7 item 5). Here the allocations are one sorted array and every step is a binary search:
 * counting free addresses in a pool and finding the k-th free address are O(log n), so a /16 with 60,000
 * allocations costs microseconds once the array is sorted.
 *
 * @module
 */

import type { IpRange } from './pools.js';
import { poolSize } from './pools.js';
import { lowerBound, SortedAddresses, sortAddresses } from './sorted-addresses.js';

/**
 * Addresses already allocated in the subnet: a {@link SortedAddresses} (fastest, O(log n) per choice), an array (used as is after an O(n) check when strictly ascending, otherwise copied and sorted)
 * or a Set (copied and sorted). Duplicates and addresses outside the pools are allowed and ignored.
 */
export type AllocatedAddresses = SortedAddresses | ReadonlySet<bigint> | readonly bigint[];

/** How to choose. */
export interface ChooseOptions {
  /** Take the lowest free address (ports owned by `network:dhcp` / `network:distributed`). */
  readonly preferNext: boolean;
  /** Uniform in [0, 1), e.g. `Math.random` or a seeded generator in tests. */
  readonly random: () => number;
}

/** Neutron's random window: the choice is among the first 1000 free addresses of the pool. */
export const RANDOM_WINDOW = 1000;
/** Bulk requests of k addresses widen the window to min(free, 100·k, 100000). */
export const BULK_WINDOW_MULTIPLIER = 100;
export const BULK_WINDOW_MAX = 100_000;

/** Returns the allocations as a strictly ascending array, reusing the input when it already is one. */
export function sortedAllocations(allocated: AllocatedAddresses): readonly bigint[] {
  if (allocated instanceof SortedAddresses) return allocated.list;
  if (Array.isArray(allocated)) {
    const list = allocated as readonly bigint[];
    let ascending = true;
    for (let i = 1; i < list.length; i++) {
      if (list[i - 1]! >= list[i]!) {
        ascending = false;
        break;
      }
    }
    if (ascending) return list;
  }
  return sortAddresses(allocated as Iterable<bigint>);
}

/** A pool with the slice of the sorted allocations that falls inside it. */
interface PoolView {
  readonly pool: IpRange;
  readonly lo: number;
  readonly hi: number;
  readonly free: bigint;
}

function viewPool(pool: IpRange, sorted: readonly bigint[]): PoolView {
  const lo = lowerBound(sorted, pool.first);
  const hi = lowerBound(sorted, pool.last + 1n, lo);
  return { pool, lo, hi, free: poolSize(pool) - BigInt(hi - lo) };
}

/**
 * The k-th (0-based) free address of a pool. With g(i) = free addresses below allocation i, which never
 * decreases, the answer is first + k + (number of allocations with g(i) ≤ k).
 */
function kthFree(view: PoolView, sorted: readonly bigint[], k: bigint): bigint {
  const { pool, lo, hi } = view;
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >>> 1;
    const freeBelow = sorted[mid]! - pool.first - BigInt(mid - lo);
    if (freeBelow <= k) a = mid + 1;
    else b = mid;
  }
  return pool.first + k + BigInt(a - lo);
}

function randomIndex(random: () => number, size: number): number {
  const r = random();
  const i = Math.floor((Number.isFinite(r) ? r : 0) * size);
  return Math.min(Math.max(i, 0), size - 1);
}

/**
 * Chooses one free address (spec 3.4 `_generate_ips`): pools are tried in stored order; the first pool
 * with a free address is used; with `preferNext` its lowest free address is returned, otherwise one
 * drawn uniformly from its first min(free, 1000) free addresses. `undefined` when every pool is full
 * (Neutron then raises IpAddressGenerationFailure and the caller tries the next candidate subnet).
 *
 * @example chooseAddress([{ first: 2n, last: 254n }], [2n, 3n], { preferNext: true, random: Math.random }) // 4n
 */
export function chooseAddress(
  pools: readonly IpRange[],
  allocated: AllocatedAddresses,
  opts: ChooseOptions,
): bigint | undefined {
  return chooseAddresses(pools, allocated, 1, opts)?.[0];
}

/**
 * Chooses `count` distinct free addresses from one pool, as Neutron's bulk path does: the first pool (in
 * stored order) with at least `count` free addresses; `preferNext` takes its lowest `count`; otherwise
 * `count` distinct addresses are sampled uniformly from its first min(free, 100·count, 100000) free
 * addresses (1000 for a single address). `undefined` if no single pool has enough room.
 */
export function chooseAddresses(
  pools: readonly IpRange[],
  allocated: AllocatedAddresses,
  count: number,
  opts: ChooseOptions,
): bigint[] | undefined {
  if (!Number.isSafeInteger(count) || count < 1) return undefined;
  const sorted = sortedAllocations(allocated);
  const wanted = BigInt(count);
  for (const pool of pools) {
    if (pool.first > pool.last) continue;
    const view = viewPool(pool, sorted);
    if (view.free < wanted) continue;
    if (opts.preferNext) {
      const out: bigint[] = [];
      for (let k = 0n; k < wanted; k++) out.push(kthFree(view, sorted, k));
      return out;
    }
    const cap = count === 1 ? RANDOM_WINDOW : Math.min(count * BULK_WINDOW_MULTIPLIER, BULK_WINDOW_MAX);
    const window = view.free < BigInt(cap) ? Number(view.free) : cap;
    if (window < count) continue;
    return sampleDistinct(window, count, opts.random).map((k) => kthFree(view, sorted, BigInt(k)));
  }
  return undefined;
}

/** `count` distinct integers from [0, size), uniformly (Floyd's algorithm; O(count) draws). */
function sampleDistinct(size: number, count: number, random: () => number): number[] {
  const chosen = new Set<number>();
  const order: number[] = [];
  for (let j = size - count; j < size; j++) {
    const t = randomIndex(random, j + 1);
    const pick = chosen.has(t) ? j : t;
    chosen.add(pick);
    order.push(pick);
  }
  return order;
}
