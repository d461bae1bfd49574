/**
 * The `fixed_ips` diff of a port update (spec 3.6; Neutron `IpamBackendMixin._get_changed_ips_for_port`),
 * as a pure function: current addresses + requested list → what to keep, add and remove.
 *
 * @module
 */

import { canonicalIp, parseIp } from './address.js';
import { ROUTER_INTERFACE_OWNERS_SNAT } from './device-owners.js';
import { isEui64Address } from './eui64.js';
import type { FixedIpRequest } from './port-plan.js';

/** An address the port holds now. */
export interface CurrentFixedIp {
  readonly subnetId: string;
  readonly ipAddress: string;
}

/** A requested entry on update; `deleteSubnet` drops the port's addresses on that (automatic) subnet. */
export interface FixedIpUpdateRequest extends FixedIpRequest {
  readonly deleteSubnet?: boolean;
}

/** The outcome: `add` entries go through the create-time checks and allocation ({@link planPortAllocation}). */
export interface FixedIpsDiff {
  readonly keep: CurrentFixedIp[];
  readonly add: FixedIpUpdateRequest[];
  readonly remove: CurrentFixedIp[];
}

function key(ip: string): string {
  return canonicalIp(ip) ?? ip;
}

/**
 * Diffs a port's addresses against a requested `fixed_ips` list (spec 3.6):
 * 1. entries naming an address the port has → keep; a new address → add;
 * 2. entries naming only a subnet reuse one unmatched current address on that subnet (the last one, as
 *    Neutron pops it), except EUI-64 addresses, which are re-requested (add) so a changed prefix is
 *    followed, and the old one becomes a removal candidate; no address there → add;
 * 3. unmatched current addresses are removed — but addresses on automatic IPv6 subnets
 *    (`autoSubnetIds`) are kept unless the entry list marks the subnet `deleteSubnet` or the owner is a
 *    router interface / SNAT port.
 * Requested entries on subnets marked `deleteSubnet` are ignored.
 */
export function diffFixedIps(
  current: readonly CurrentFixedIp[],
  requested: readonly FixedIpUpdateRequest[],
  ctx: { readonly deviceOwner: string; readonly autoSubnetIds: ReadonlySet<string> },
): FixedIpsDiff {
  const deleteSubnetIds = new Set(
    requested
      .filter((r) => r.deleteSubnet === true && r.subnetId !== undefined)
      .map((r) => r.subnetId as string),
  );
  const entries = requested.filter((r) => r.subnetId === undefined || !deleteSubnetIds.has(r.subnetId));
  const keep: CurrentFixedIp[] = [];
  const add: FixedIpUpdateRequest[] = [];
  const removeCandidates: CurrentFixedIp[] = [];

  const unmatchedByIp = new Map<string, CurrentFixedIp>();
  for (const ip of current) unmatchedByIp.set(key(ip.ipAddress), ip);
  for (const entry of entries) {
    if (entry.ipAddress === undefined) continue;
    const k = key(entry.ipAddress);
    const original = unmatchedByIp.get(k);
    if (original !== undefined) {
      unmatchedByIp.delete(k);
      keep.push(original);
    } else {
      add.push(entry);
    }
  }

  const unmatchedBySubnet = new Map<string, CurrentFixedIp[]>();
  for (const ip of unmatchedByIp.values()) {
    const list = unmatchedBySubnet.get(ip.subnetId) ?? [];
    list.push(ip);
    unmatchedBySubnet.set(ip.subnetId, list);
  }
  for (const entry of entries) {
    if (entry.ipAddress !== undefined) continue;
    const originals = entry.subnetId === undefined ? undefined : unmatchedBySubnet.get(entry.subnetId);
    const original = originals?.pop();
    if (original === undefined) {
      add.push(entry);
      continue;
    }
    const parsed = parseIp(original.ipAddress);
    if (parsed.ok && isEui64Address(parsed.value.version, parsed.value.value)) {
      add.push(entry);
      removeCandidates.push(original);
    } else {
      keep.push(original);
    }
  }

  const remove: CurrentFixedIp[] = [];
  const routerPort = ROUTER_INTERFACE_OWNERS_SNAT.includes(ctx.deviceOwner);
  for (const ip of [...[...unmatchedBySubnet.values()].flat(), ...removeCandidates]) {
    const required = routerPort || !ctx.autoSubnetIds.has(ip.subnetId);
    if (required || deleteSubnetIds.has(ip.subnetId)) remove.push(ip);
    else keep.push(ip);
  }
  return { keep, add, remove };
}
