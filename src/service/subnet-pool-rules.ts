/**
 * The rules of a subnet pool's own attributes (spec §1.11), in the order Neutron's `SubnetPoolReader`
 * applies them (neutron/ipam/subnet_alloc.py): a non-empty prefix list of one family, compacted; prefix
 * length bounds with their defaults; and on update, prefixes may only grow.
 *
 * @module
 */
import { QdhcpError } from '../common/errors.js';
import { type Cidr, compactPrefixes, parseCidr, prefixesCover } from '../ipam/index.js';
import { unwrap } from './ipam-errors.js';

/** A pool's prefixes and bounds after the rules ran. */
export interface PoolShape {
  readonly ipVersion: 4 | 6;
  /** Compacted canonical CIDRs, in address order. */
  readonly prefixes: readonly string[];
  readonly defaultPrefixlen: number;
  readonly minPrefixlen: number;
  readonly maxPrefixlen: number;
}

/** What the rules read: the prefixes and whichever bounds are set. */
export interface PoolShapeRequest {
  readonly prefixes: readonly string[];
  readonly defaultPrefixlen?: number;
  readonly minPrefixlen?: number;
  readonly maxPrefixlen?: number;
}

/** Parses CIDR texts already validated at the edge (or stored); host bits are cleared. */
export function parsePrefixes(texts: readonly string[]): Cidr[] {
  return texts.map((text) => unwrap(parseCidr(text)));
}

function bounds(prefixType: string, prefixlen: number, baseType: string, baseLength: number): QdhcpError {
  return new QdhcpError('ILLEGAL_SUBNETPOOL_PREFIX_BOUNDS', {
    prefix_type: prefixType,
    prefixlen,
    base_prefix_type: baseType,
    base_prefixlen: baseLength,
  });
}

/**
 * The pool's shape: the family comes from the prefixes (mixing → PrefixVersionMismatch), `min_prefixlen`
 * defaults to 8 (IPv4) or 64 (IPv6), `max_prefixlen` to the address length, `default_prefixlen` to the
 * minimum; then min ≤ max ≤ address length and min ≤ default ≤ max (IllegalSubnetPoolPrefixBounds).
 */
export function readPoolShape(request: PoolShapeRequest): PoolShape {
  if (request.prefixes.length === 0) throw new QdhcpError('EMPTY_SUBNETPOOL_PREFIX_LIST');
  const cidrs = parsePrefixes(request.prefixes);
  const ipVersion = cidrs[0]!.version;
  if (cidrs.some((c) => c.version !== ipVersion)) throw new QdhcpError('PREFIX_VERSION_MISMATCH');
  const bits = ipVersion === 4 ? 32 : 128;
  const minPrefixlen = request.minPrefixlen ?? (ipVersion === 4 ? 8 : 64);
  const maxPrefixlen = request.maxPrefixlen ?? bits;
  const defaultPrefixlen = request.defaultPrefixlen ?? minPrefixlen;
  if (minPrefixlen > maxPrefixlen) throw bounds('min_prefixlen', minPrefixlen, 'max_prefixlen', maxPrefixlen);
  if (maxPrefixlen > bits) throw bounds('max_prefixlen', maxPrefixlen, 'ip_version_max', bits);
  if (defaultPrefixlen < minPrefixlen)
    throw bounds('default_prefixlen', defaultPrefixlen, 'min_prefixlen', minPrefixlen);
  if (defaultPrefixlen > maxPrefixlen)
    throw bounds('default_prefixlen', defaultPrefixlen, 'max_prefixlen', maxPrefixlen);
  return {
    ipVersion,
    prefixes: compactPrefixes(ipVersion, cidrs).map((c) => c.text),
    defaultPrefixlen,
    minPrefixlen,
    maxPrefixlen,
  };
}

/**
 * The prefixes of an update: the existing ones must all stay covered (a pool only grows through an
 * update; `remove_prefixes` is the way to shrink it) → IllegalSubnetPoolPrefixUpdate otherwise.
 */
export function grownPrefixes(current: readonly string[], requested: readonly string[]): readonly string[] {
  if (!prefixesCover(parsePrefixes(requested), parsePrefixes(current))) {
    throw new QdhcpError('ILLEGAL_SUBNETPOOL_PREFIX_UPDATE', {
      msg: 'Existing prefixes must be a subset of the new prefixes',
    });
  }
  return requested;
}
