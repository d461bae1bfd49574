/**
 * Address bookkeeping of one port mutation: the transaction-local view of a network's allocations (so
 * the steps of a bulk create see each other's addresses without reloading), and building the next
 * allocation map from the previous one.
 *
 * @module
 */
import type { FixedIp } from '../db/index.js';
import { parseIp, SortedAddresses } from '../ipam/index.js';
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

/** `allocations` minus the given addresses (the port's own, on update). */
export function withoutAddresses(allocations: SubnetAllocations, ips: readonly FixedIp[]): SubnetAllocations {
  if (ips.length === 0) return allocations;
  const out = new Map(allocations);
  for (const ip of ips) {
    const value = unwrap(parseIp(ip.ipAddress)).value;
    const list = out.get(ip.subnetId);
    if (list)
      out.set(
        ip.subnetId,
        list.filter((v) => v !== value),
      );
  }
  return out;
}

/** `allocations` plus the given addresses. */
export function withAddresses(allocations: SubnetAllocations, ips: readonly FixedIp[]): SubnetAllocations {
  const out = new Map(allocations);
  for (const ip of ips) {
    const set = new SortedAddresses(out.get(ip.subnetId) ?? []);
    set.add(unwrap(parseIp(ip.ipAddress)).value);
    out.set(ip.subnetId, set.list);
  }
  return out;
}
