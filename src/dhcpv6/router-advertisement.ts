/**
 * The ICMPv6 Router Advertisement (RFC 4861 §4.2) qdhcp sends from a DHCP namespace for subnets with
 * `ipv6_ra_mode` and no router (docs/dhcpv6.md "Router advertisements"), with the options Neutron's radvd
 * sends: Prefix Information (§4.6.2), MTU (§4.6.4), Recursive DNS Server (RFC 8106 §5.1) and the source
 * link-layer address (§4.6.1). The checksum is left 0: the kernel fills it in on a raw ICMPv6 socket. Pure.
 *
 * @module
 */

import { Dhcpv6EncodeError } from './errors.js';

export interface RaPrefix {
  /** The prefix's network address. */
  readonly prefix: bigint;
  readonly length: number;
  /** The A flag: hosts form addresses in it (slaac, dhcpv6-stateless). */
  readonly autonomous: boolean;
  readonly validSeconds: number;
  readonly preferredSeconds: number;
}

export interface RouterAdvertisement {
  /** M: addresses by DHCPv6. */
  readonly managed: boolean;
  /** O: other configuration (DNS) by DHCPv6. */
  readonly other: boolean;
  /** 0: not a default router (an isolated network's DHCP namespace routes nothing). */
  readonly routerLifetimeSeconds: number;
  readonly prefixes: readonly RaPrefix[];
  readonly mtu?: number;
  readonly dnsServers: readonly bigint[];
  readonly dnsLifetimeSeconds: number;
  /** Six bytes. */
  readonly sourceMac?: Uint8Array;
}

const TYPE_ROUTER_ADVERTISEMENT = 134;
const OPTION_SOURCE_LINK_LAYER = 1;
const OPTION_PREFIX = 3;
const OPTION_MTU = 5;
const OPTION_RDNSS = 25;

function u32(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, Math.max(0, Math.min(0xffffffff, Math.trunc(value))));
}

function address(bytes: Uint8Array, offset: number, value: bigint): void {
  for (let i = 0; i < 16; i++) bytes[offset + i] = Number((value >> BigInt(8 * (15 - i))) & 0xffn);
}

/** The advertisement's bytes (checksum 0). Throws `Dhcpv6EncodeError` for a prefix length over 128 or a bad MAC. */
export function encodeRouterAdvertisement(ra: RouterAdvertisement): Uint8Array {
  if (ra.sourceMac !== undefined && ra.sourceMac.length !== 6)
    throw new Dhcpv6EncodeError('router advertisement: sourceMac must be 6 bytes');
  const size =
    16 +
    (ra.sourceMac === undefined ? 0 : 8) +
    32 * ra.prefixes.length +
    (ra.mtu === undefined ? 0 : 8) +
    (ra.dnsServers.length === 0 ? 0 : 8 + 16 * ra.dnsServers.length);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes[0] = TYPE_ROUTER_ADVERTISEMENT;
  bytes[4] = 64; // current hop limit suggested to hosts (radvd's AdvCurHopLimit)
  bytes[5] = (ra.managed ? 0x80 : 0) | (ra.other ? 0x40 : 0);
  view.setUint16(6, Math.max(0, Math.min(9000, ra.routerLifetimeSeconds)));
  let at = 16;
  if (ra.sourceMac !== undefined) {
    bytes[at] = OPTION_SOURCE_LINK_LAYER;
    bytes[at + 1] = 1;
    bytes.set(ra.sourceMac, at + 2);
    at += 8;
  }
  for (const prefix of ra.prefixes) {
    if (prefix.length < 0 || prefix.length > 128)
      throw new Dhcpv6EncodeError(`router advertisement: prefix length ${prefix.length}`);
    bytes[at] = OPTION_PREFIX;
    bytes[at + 1] = 4;
    bytes[at + 2] = prefix.length;
    bytes[at + 3] = 0x80 | (prefix.autonomous ? 0x40 : 0); // L (on-link), A
    u32(view, at + 4, prefix.validSeconds);
    u32(view, at + 8, prefix.preferredSeconds);
    address(bytes, at + 16, prefix.prefix);
    at += 32;
  }
  if (ra.mtu !== undefined) {
    bytes[at] = OPTION_MTU;
    bytes[at + 1] = 1;
    u32(view, at + 4, ra.mtu);
    at += 8;
  }
  if (ra.dnsServers.length > 0) {
    bytes[at] = OPTION_RDNSS;
    bytes[at + 1] = 1 + 2 * ra.dnsServers.length;
    u32(view, at + 4, ra.dnsLifetimeSeconds);
    for (const [i, server] of ra.dnsServers.entries()) address(bytes, at + 8 + 16 * i, server);
    at += 8 + 16 * ra.dnsServers.length;
  }
  return bytes;
}
