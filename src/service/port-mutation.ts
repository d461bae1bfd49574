/**
 * Address bookkeeping of one port mutation: the transaction-local view of a network's allocations (so
 * the steps of a bulk create see each other's addresses without reloading), loading them, and changing
 * them in place (the transaction owns them: see allocation-cache.ts).
 *
 * @module
 */
import type { FixedIp } from '../db/index.js';
import { parseIp, SortedAddresses, sortAddresses } from '../ipam/index.js';
import { AllocationCache, type SubnetAllocations } from './allocation-cache.js';
import { unwrap } from './ipam-errors.js';
import type { WriteScope } from './unit-of-work.js';

/** A write scope plus the allocations this transaction already knows (its own, uncommitted steps). */
export interface MutationState extends WriteScope {
  readonly local: AllocationCache;
}

export function withLocalCache(scope: WriteScope): MutationState {
  return { ...scope, tx: scope.tx, local: new AllocationCache() };
}

/** Allocations as the database lists them (address texts per subnet id), parsed and sorted. */
export function loadAllocations(texts: ReadonlyMap<string, readonly string[]>): SubnetAllocations {
  const loaded: SubnetAllocations = new Map();
  for (const [subnetId, list] of texts) {
    loaded.set(
      subnetId,
      SortedAddresses.adopt(sortAddresses(list.map((text) => unwrap(parseIp(text)).value))),
    );
  }
  return loaded;
}

/** Removes the given addresses (the port's own, on update) from `allocations`, in place. */
export function removeAddresses(allocations: SubnetAllocations, ips: readonly FixedIp[]): void {
  for (const ip of ips) allocations.get(ip.subnetId)?.delete(unwrap(parseIp(ip.ipAddress)).value);
}

/** Adds the given addresses to `allocations`, in place (already present ones are no change). */
export function addAddresses(allocations: SubnetAllocations, ips: readonly FixedIp[]): void {
  for (const ip of ips) {
    let set = allocations.get(ip.subnetId);
    if (set === undefined) {
      set = new SortedAddresses();
      allocations.set(ip.subnetId, set);
    }
    set.add(unwrap(parseIp(ip.ipAddress)).value);
  }
}
