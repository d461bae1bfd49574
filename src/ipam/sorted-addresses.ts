/**
 * The one sorted address set: ascending bigints without duplicates, searched by bisection. IPAM's choice
 * works on the sorted array directly (O(log n) per step), and a request that takes several addresses adds
 * to it copy-on-write: built over an array shared with a cache, it copies only on the first add, so
 * reading a 10,000-address subnet costs nothing.
 *
 * @module
 */

const MAX_EXACT_NUMBER = BigInt(Number.MAX_SAFE_INTEGER);

/** Sorts ascending and drops duplicates. IPv4-sized values go through a Float64Array (much faster). */
export function sortAddresses(values: Iterable<bigint>): bigint[] {
  const list = Array.from(values);
  let sorted: bigint[];
  if (list.every((v) => v >= 0n && v <= MAX_EXACT_NUMBER)) {
    const numbers = new Float64Array(list.length);
    for (let i = 0; i < list.length; i++) numbers[i] = Number(list[i]);
    numbers.sort();
    sorted = new Array<bigint>(numbers.length);
    for (let i = 0; i < numbers.length; i++) sorted[i] = BigInt(numbers[i]!);
  } else {
    sorted = list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  const unique: bigint[] = [];
  for (const v of sorted) if (unique.length === 0 || unique[unique.length - 1] !== v) unique.push(v);
  return unique;
}

/** Index of the first element ≥ value in [lo, hi). */
export function lowerBound(sorted: readonly bigint[], value: bigint, lo = 0, hi = sorted.length): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (sorted[mid]! < value) a = mid + 1;
    else b = mid;
  }
  return a;
}

/** A set of addresses kept in ascending order. */
export class SortedAddresses {
  private values: bigint[];
  private owned = false;

  /** @param sorted ascending, without duplicates; not modified (copied on the first add). */
  constructor(sorted: readonly bigint[] = []) {
    this.values = sorted as bigint[];
  }

  /** Takes ownership of an ascending array without duplicates (no copy: the caller must not keep using it). */
  static adopt(sorted: bigint[]): SortedAddresses {
    const set = new SortedAddresses(sorted);
    set.owned = true;
    return set;
  }

  /** Sorts and de-duplicates any collection of addresses (once, e.g. per bulk request). */
  static from(addresses: Iterable<bigint>): SortedAddresses {
    const set = new SortedAddresses(sortAddresses(addresses));
    set.owned = true;
    return set;
  }

  has(value: bigint): boolean {
    return this.values[lowerBound(this.values, value)] === value;
  }

  add(value: bigint): void {
    const index = lowerBound(this.values, value);
    if (this.values[index] === value) return;
    if (!this.owned) {
      this.values = [...this.values];
      this.owned = true;
    }
    this.values.splice(index, 0, value);
  }

  /** Removes `value` when present. */
  delete(value: bigint): void {
    const index = lowerBound(this.values, value);
    if (this.values[index] !== value) return;
    if (!this.owned) {
      this.values = [...this.values];
      this.owned = true;
    }
    this.values.splice(index, 1);
  }

  /** The addresses, ascending (do not modify). */
  get list(): readonly bigint[] {
    return this.values;
  }
}
