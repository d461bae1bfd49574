/**
 * Allocation pools: default generation (spec 3.2 `generate_pools`) and validation of requested pools
 * (spec 1.4 rule 9; ipam_backend_mixin.validate_allocation_pools), with Neutron's messages.
 *
 * @module
 */

import { formatIp, type IpVersion, parseIp } from './address.js';
import { type Cidr, cidrLast } from './cidr.js';
import { fail, ok, type ParseResult } from './result.js';

/** An inclusive address range. */
export interface IpRange {
  readonly first: bigint;
  readonly last: bigint;
}

/** Number of addresses in a range (0 when `first > last`). */
export function poolSize(r: IpRange): bigint {
  return r.last >= r.first ? r.last - r.first + 1n : 0n;
}

/** `first-last` as Neutron prints an IPRange in messages (`10.0.0.2-10.0.0.254`). */
export function formatRange(version: IpVersion, r: IpRange): string {
  return `${formatIp(version, r.first)}-${formatIp(version, r.last)}`;
}

/** A range as the API shows it: `{start, end}`. */
export function rangeToPool(version: IpVersion, r: IpRange): { start: string; end: string } {
  return { start: formatIp(version, r.first), end: formatIp(version, r.last) };
}

/**
 * The addresses pools may cover: IPv4 network+1 … broadcast−1 for prefixes up to /30; IPv6
 * network+1 … last; blocks too small for that (IPv4 /31 and /32, IPv6 /127 and /128) use the whole block.
 */
export function usableRange(cidr: Cidr): IpRange {
  const first = cidr.network;
  const last = cidrLast(cidr);
  const usableFirst = first + 1n;
  const usableLast = cidr.version === 4 ? last - 1n : last;
  if (first === last || usableFirst >= usableLast) return { first, last };
  return { first: usableFirst, last: usableLast };
}

/**
 * Default pools (spec 3.2): the usable range minus the gateway, as one or two ranges. As in Neutron, a
 * block with no room for separate network/broadcast addresses (/31, /32 and IPv6 /127, /128) keeps its
 * whole range and the gateway is not removed from it. A gateway outside the range changes nothing.
 *
 * @example defaultAllocationPools(parse('10.0.0.0/24'), 10.0.0.100) // [.1–.99, .101–.254]
 */
export function defaultAllocationPools(cidr: Cidr, gateway: bigint | null): IpRange[] {
  const usable = usableRange(cidr);
  const tiny = usable.first === cidr.network;
  if (tiny || gateway === null || gateway < usable.first || gateway > usable.last) return [usable];
  const pools: IpRange[] = [];
  if (gateway > usable.first) pools.push({ first: usable.first, last: gateway - 1n });
  if (gateway < usable.last) pools.push({ first: gateway + 1n, last: usable.last });
  return pools;
}

/** Python's repr of the request's pool dict, which Neutron puts into InvalidAllocationPool messages. */
function poolRepr(start: string, end: string): string {
  return `{'start': '${start}', 'end': '${end}'}`;
}

/**
 * Parses one requested pool `{start, end}` for the subnet: both ends must be valid addresses
 * (400 `Invalid input for allocation_pools. Reason: '<x>' is not a valid IP address.`), start must not
 * exceed end and both must be of the subnet's family (400 InvalidAllocationPool
 * `The allocation pool <pool> is not valid.`).
 */
export function parseAllocationPool(
  cidr: Cidr,
  pool: { readonly start: string; readonly end: string },
): ParseResult<IpRange> {
  const start = parseIp(pool.start, 'allocation_pools');
  if (!start.ok) return start;
  const end = parseIp(pool.end, 'allocation_pools');
  if (!end.ok) return end;
  if (start.value.version !== end.value.version || start.value.value > end.value.value) {
    return fail(
      'InvalidAllocationPool',
      400,
      `The allocation pool ${poolRepr(pool.start, pool.end)} is not valid.`,
    );
  }
  if (start.value.version !== cidr.version) {
    return fail(
      'InvalidAllocationPool',
      400,
      `The allocation pool ${formatRange(start.value.version, { first: start.value.value, last: end.value.value })} is not valid.`,
    );
  }
  return ok({ first: start.value.value, last: end.value.value });
}

/** Parses a list of requested pools (see {@link parseAllocationPool}); the first failure wins. */
export function parseAllocationPools(
  cidr: Cidr,
  pools: readonly { readonly start: string; readonly end: string }[],
): ParseResult<IpRange[]> {
  const out: IpRange[] = [];
  for (const p of pools) {
    const r = parseAllocationPool(cidr, p);
    if (!r.ok) return r;
    out.push(r.value);
  }
  return ok(out);
}

/**
 * Validates requested pools against the subnet, in Neutron's order:
 * 1. every pool has start ≤ end — else 400 InvalidAllocationPool `The allocation pool <a-b> is not valid.`;
 * 2. every pool lies in the usable range ({@link usableRange}) — else 400 OutOfBoundsAllocationPool
 *    `The allocation pool <a-b> spans beyond the subnet cidr <cidr>.`;
 * 3. no two pools overlap — else 409 OverlappingAllocationPools
 *    `Found overlapping allocation pools: <p1> <p2> for subnet <cidr>.` (p1 the earlier in the list);
 * 4. the gateway (if any) is in no pool — else 409 GatewayConflictWithAllocationPools
 *    `Gateway ip <gw> conflicts with allocation pool <a-b>.`
 * Returns the pools unchanged (stored order matters to automatic choice).
 */
export function validateAllocationPools(
  cidr: Cidr,
  gateway: bigint | null,
  pools: IpRange[],
): ParseResult<IpRange[]> {
  const v = cidr.version;
  for (const p of pools) {
    if (p.first > p.last)
      return fail('InvalidAllocationPool', 400, `The allocation pool ${formatRange(v, p)} is not valid.`);
  }
  const usable = usableRange(cidr);
  for (const p of pools) {
    if (p.first < usable.first || p.last > usable.last) {
      return fail(
        'OutOfBoundsAllocationPool',
        400,
        `The allocation pool ${formatRange(v, p)} spans beyond the subnet cidr ${cidr.text}.`,
      );
    }
  }
  // Sort-and-sweep finds whether anything overlaps in O(n log n); the reported pair is then the first
  // pair in request order, as Neutron's nested loop reports it.
  const sorted = [...pools].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  let anyOverlap = false;
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.first <= sorted[i - 1]!.last) anyOverlap = true;
  }
  if (anyOverlap) {
    for (let i = 0; i < pools.length; i++) {
      for (let j = i + 1; j < pools.length; j++) {
        const a = pools[i]!;
        const b = pools[j]!;
        if (a.first <= b.last && b.first <= a.last) {
          return fail(
            'OverlappingAllocationPools',
            409,
            `Found overlapping allocation pools: ${formatRange(v, a)} ${formatRange(v, b)} for subnet ${cidr.text}.`,
          );
        }
      }
    }
  }
  if (gateway !== null) {
    const conflict = pools.find((p) => gateway >= p.first && gateway <= p.last);
    if (conflict !== undefined) {
      return fail(
        'GatewayConflictWithAllocationPools',
        409,
        `Gateway ip ${formatIp(v, gateway)} conflicts with allocation pool ${formatRange(v, conflict)}.`,
      );
    }
  }
  return ok(pools);
}
