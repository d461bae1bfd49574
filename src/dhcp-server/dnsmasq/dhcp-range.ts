import { QdhcpError } from '../../common/errors.js';
import { formatIpv4, inSubnet, maskToPrefix, parseIpv4, prefixToMask } from '../../common/ipv4.js';
import { type LeaseTime, parseLeaseTime } from '../lease-time.js';
import type { ServedSubnet } from '../types.js';

/** A parsed `--dhcp-range=[set:TAG,]NETWORK,static[,NETMASK[,LEASE]]`. */
export interface DhcpRange {
  readonly tag: string | undefined;
  readonly network: number;
  /** Undefined when the range gives no netmask (taken from the interface, as dnsmasq does). */
  readonly mask: number | undefined;
  readonly lease: LeaseTime;
  readonly text: string;
}

/** dnsmasq's default lease time for a range without one (1 hour). */
export const DEFAULT_RANGE_LEASE: LeaseTime = { kind: 'finite', seconds: 3600 };

/** Result of parsing one `--dhcp-range` value. */
export type DhcpRangeResult =
  | { readonly kind: 'range'; readonly range: DhcpRange }
  /** An IPv6 range (Neutron passes them on dual-stack networks): not for a DHCPv4 server. */
  | { readonly kind: 'ipv6' }
  | { readonly kind: 'error'; readonly reason: string };

/**
 * Parses a `--dhcp-range` value of the forms Neutron writes (spec §5.2):
 * `set:subnet-<id>,10.60.0.0,static,255.255.255.0,86400s`, untagged `10.77.0.0,static,255.255.0.0,1h`,
 * or with a prefix length instead of a mask. Only `static` ranges exist here: addresses come from the
 * hosts file, never from a dynamic pool.
 */
export function parseDhcpRange(text: string): DhcpRangeResult {
  const fields = text.split(',').map((field) => field.trim());
  let tag: string | undefined;
  while (fields[0]?.startsWith('set:') === true || fields[0]?.startsWith('tag:') === true) {
    const field = fields.shift() ?? '';
    if (field.startsWith('tag:'))
      return { kind: 'error', reason: `conditional ranges (${field}) are not supported` };
    tag = field.slice(4);
    if (tag.length === 0) return { kind: 'error', reason: 'empty tag after set:' };
  }
  const [networkText, mode, maskText, leaseText, ...rest] = fields;
  if (networkText === undefined || networkText.length === 0)
    return { kind: 'error', reason: 'no network address' };
  if (networkText.includes(':')) return { kind: 'ipv6' };
  const network = parseIpv4(networkText);
  if (network === undefined)
    return { kind: 'error', reason: `bad network address ${JSON.stringify(networkText)}` };
  if (mode !== 'static') {
    return { kind: 'error', reason: `only static ranges are supported (got ${JSON.stringify(mode ?? '')})` };
  }
  if (rest.length > 0)
    return { kind: 'error', reason: `unexpected fields after the lease time: ${rest.join(',')}` };
  let mask: number | undefined;
  if (maskText !== undefined && maskText.length > 0) {
    if (/^\d{1,2}$/.test(maskText) && Number(maskText) <= 32) mask = prefixToMask(Number(maskText));
    else {
      mask = parseIpv4(maskText);
      if (mask === undefined || maskToPrefix(mask) === undefined) {
        return { kind: 'error', reason: `bad netmask ${JSON.stringify(maskText)}` };
      }
    }
  }
  let lease = DEFAULT_RANGE_LEASE;
  if (leaseText !== undefined && leaseText.length > 0) {
    const parsed = parseLeaseTime(leaseText);
    if (parsed === undefined) return { kind: 'error', reason: `bad lease time ${JSON.stringify(leaseText)}` };
    lease = parsed;
  }
  return { kind: 'range', range: { tag, network, mask, lease, text } };
}

/** An IPv4 address of the served interface, as numbers. */
export interface LocalAddress {
  readonly address: number;
  readonly prefixLength: number;
}

/**
 * Binds ranges to the interface: each subnet's server identifier is our address inside it (on-link), or
 * our primary address when only relays reach it. Throws when a range has no netmask and no interface
 * address to take one from, or when the interface has no IPv4 address at all.
 */
export function buildServedSubnets(
  ranges: readonly DhcpRange[],
  local: readonly LocalAddress[],
): ServedSubnet[] {
  const primary = local[0];
  if (primary === undefined)
    throw new QdhcpError('SERVE_CONFIG_INVALID', { reason: 'the interface has no IPv4 address' });
  return ranges.map((range) => {
    const onLinkAddress = local.find((candidate) =>
      inSubnet(candidate.address, range.network, range.mask ?? prefixToMask(candidate.prefixLength)),
    );
    const mask =
      range.mask ?? (onLinkAddress === undefined ? undefined : prefixToMask(onLinkAddress.prefixLength));
    if (mask === undefined)
      throw new QdhcpError('SERVE_CONFIG_INVALID', {
        reason: `--dhcp-range=${range.text}: no netmask and no interface address in it`,
      });
    const network = (range.network & mask) >>> 0;
    const prefixLength = maskToPrefix(mask) ?? 32;
    return {
      tag: range.tag,
      network,
      mask,
      prefixLength,
      broadcast: (network | ~mask) >>> 0,
      lease: range.lease,
      serverAddress: (onLinkAddress ?? primary).address,
      onLink: onLinkAddress !== undefined,
      label: `${formatIpv4(network)}/${prefixLength}`,
    };
  });
}
