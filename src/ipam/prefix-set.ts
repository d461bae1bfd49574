/**
 * Sets of CIDR prefixes: a subnet pool's prefixes, the subnets allocated from them and what is still free,
 * read the way Neutron's subnet allocator reads them with `netaddr.IPSet` (neutron/ipam/subnet_alloc.py):
 * union with compaction, difference, subset and intersection; and the choice of a new subnet's CIDR from
 * the free space. Pure; every set holds one address family (the caller checks the family first).
 *
 * @module
 */

import { addressBits, type IpVersion } from './address.js';
import { type Cidr, cidrLast, makeCidr } from './cidr.js';

/** An inclusive run of addresses. */
interface Span {
  readonly first: bigint;
  readonly last: bigint;
}

/** The addresses of the blocks as sorted, disjoint, non-adjacent spans. */
function spansOf(cidrs: readonly Cidr[]): Span[] {
  const sorted = cidrs
    .map((c) => ({ first: c.network, last: cidrLast(c) }))
    .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const merged: { first: bigint; last: bigint }[] = [];
  for (const span of sorted) {
    const previous = merged.at(-1);
    if (previous !== undefined && span.first <= previous.last + 1n) {
      if (span.last > previous.last) previous.last = span.last;
    } else {
      merged.push({ ...span });
    }
  }
  return merged;
}

/** The fewest CIDR blocks covering exactly the spans, in address order (`IPSet.iter_cidrs`). */
function cidrsOf(version: IpVersion, spans: readonly Span[]): Cidr[] {
  const bits = addressBits(version);
  const out: Cidr[] = [];
  for (const span of spans) {
    let first = span.first;
    while (first <= span.last) {
      // The largest block that starts at `first` (aligned) and ends inside the span.
      let hostBits = bits;
      while (hostBits > 0) {
        const size = 1n << BigInt(hostBits);
        if (first % size === 0n && first + size - 1n <= span.last) break;
        hostBits--;
      }
      out.push(makeCidr(version, first, bits - hostBits));
      first += 1n << BigInt(hostBits);
    }
  }
  return out;
}

/** Spans of `a` minus spans of `b` (both sorted and disjoint). */
function subtract(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  for (const span of a) {
    let first = span.first;
    for (const cut of b) {
      if (cut.last < first || cut.first > span.last) continue;
      if (cut.first > first) out.push({ first, last: cut.first - 1n });
      first = cut.last + 1n;
      if (first > span.last) break;
    }
    if (first <= span.last) out.push({ first, last: span.last });
  }
  return out;
}

/**
 * The union of the blocks as the fewest CIDRs, in address order: overlapping and adjacent blocks merge
 * (`['10.0.0.0/25', '10.0.0.128/25', '10.0.0.64/26']` → `['10.0.0.0/24']`). Neutron stores a pool's
 * prefixes this way.
 *
 * @example compactPrefixes(4, [parse('10.0.0.0/25'), parse('10.0.0.128/25')]) // [10.0.0.0/24]
 */
export function compactPrefixes(version: IpVersion, cidrs: readonly Cidr[]): Cidr[] {
  return cidrsOf(version, spansOf(cidrs));
}

/** The addresses of `from` that are not in `remove`, as the fewest CIDRs in address order. */
export function prefixDifference(version: IpVersion, from: readonly Cidr[], remove: readonly Cidr[]): Cidr[] {
  return cidrsOf(version, subtract(spansOf(from), spansOf(remove)));
}

/** True when every address of `inner` is in `outer` (an empty `inner` is covered). */
export function prefixesCover(outer: readonly Cidr[], inner: readonly Cidr[]): boolean {
  return subtract(spansOf(inner), spansOf(outer)).length === 0;
}

/** True when the two sets share at least one address. */
export function prefixesIntersect(a: readonly Cidr[], b: readonly Cidr[]): boolean {
  const left = spansOf(a);
  return !sameSpans(subtract(left, spansOf(b)), left);
}

function sameSpans(a: readonly Span[], b: readonly Span[]): boolean {
  return (
    a.length === b.length && a.every((span, i) => span.first === b[i]!.first && span.last === b[i]!.last)
  );
}

/**
 * The CIDR of a new subnet of `prefixLength` taken from the free blocks `available` (an "any subnet"
 * request): like Neutron, the smallest free blocks are tried first (so large blocks stay whole), in
 * address order among equals, and the subnet is the first one of that length in the block. Undefined
 * when no free block is large enough.
 */
export function allocateAnySubnet(available: readonly Cidr[], prefixLength: number): Cidr | undefined {
  const bySize = [...available].sort((a, b) => b.prefixLength - a.prefixLength);
  const block = bySize.find((c) => prefixLength >= c.prefixLength);
  return block && makeCidr(block.version, block.network, prefixLength);
}

/** True when `cidr` lies entirely inside one free block (a "specific subnet" request). */
export function fitsAvailable(available: readonly Cidr[], cidr: Cidr): boolean {
  return available.some(
    (block) =>
      block.version === cidr.version &&
      block.prefixLength <= cidr.prefixLength &&
      cidr.network >= block.network &&
      cidrLast(cidr) <= cidrLast(block),
  );
}

/**
 * How much of a pool's `default_quota` a subnet of `prefixLength` uses: quotas count IPv4 addresses
 * (units of /32) and IPv6 /64 networks (Neutron's `SubnetPoolHelper` quota units), so an IPv4 /30 is 4
 * and an IPv6 /126 a fraction.
 */
export function quotaUnits(version: IpVersion, prefixLength: number): number {
  const unit = version === 4 ? 32 : 64;
  return 2 ** (unit - prefixLength);
}
