/**
 * A sorted set of addresses (ascending bigints) with copy-on-write: built over an array shared with a
 * cache, it copies only when an address is added, so reading a 10,000-address subnet costs nothing
 * and IPAM's choice works on the sorted array directly (O(log n) per step).
 *
 * @module
 */

function lowerBound(values: readonly bigint[], value: bigint): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sorts and de-duplicates addresses. */
export function sortAddresses(values: Iterable<bigint>): bigint[] {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted.filter((v, i) => i === 0 || sorted[i - 1] !== v);
}

/** A set of addresses kept in ascending order. */
export class SortedAddresses {
  private values: bigint[];
  private owned = false;

  /** @param sorted ascending, without duplicates; not modified (copied on the first add). */
  constructor(sorted: readonly bigint[] = []) {
    this.values = sorted as bigint[];
  }

  has(value: bigint): boolean {
    const index = lowerBound(this.values, value);
    return this.values[index] === value;
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

  /** The addresses, ascending (do not modify). */
  get list(): readonly bigint[] {
    return this.values;
  }
}
