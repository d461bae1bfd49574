/**
 * Hand-made IPv6 frames for the L2 protection tests (test/e2e/l2-protection-ipv6.test.ts): Ethernet +
 * IPv6 + UDP or ICMPv6 (neighbour and router advertisements), checksums computed over RFC 8200 §8.1's
 * pseudo-header so a receiving kernel takes them as real. Sent as hex by a raw AF_PACKET socket.
 */
import { formatIp, parseIp } from '../../src/ipam/address.js';
import { makeCidr } from '../../src/ipam/cidr.js';
import { eui64Address } from '../../src/ipam/eui64.js';

const macBytes = (mac: string): Buffer => Buffer.from(mac.replaceAll(':', ''), 'hex');

/** The 16 bytes of an IPv6 address in text. */
export function ip6Bytes(text: string): Buffer {
  const parsed = parseIp(text);
  if (!parsed.ok || parsed.value.version !== 6) throw new Error(`not an IPv6 address: ${text}`);
  return Buffer.from(parsed.value.value.toString(16).padStart(32, '0'), 'hex');
}

/** fe80:: + the MAC's EUI-64 interface id (what the kernel forms with addr_gen_mode eui64). */
export function linkLocalOf(mac: string): string {
  return formatIp(6, eui64Address(makeCidr(6, 0xfe80n << 112n, 64), mac));
}

/** The Ethernet multicast address of an IPv6 multicast group (RFC 2464 §7). */
function multicastMac(ip: Buffer): string {
  return ['33', '33', ...[...ip.subarray(12)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

function sum16(data: Buffer, start = 0): number {
  let sum = start;
  for (let i = 0; i < data.length; i += 2) sum += (data[i]! << 8) + (data[i + 1] ?? 0);
  return sum;
}

function upperChecksum(src: Buffer, dst: Buffer, nextHeader: number, upper: Buffer): number {
  const pseudo = Buffer.alloc(40);
  src.copy(pseudo, 0);
  dst.copy(pseudo, 16);
  pseudo.writeUInt32BE(upper.length, 32);
  pseudo.writeUInt8(nextHeader, 39);
  let sum = sum16(upper, sum16(pseudo));
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

interface Ends {
  readonly srcMac: string;
  /** Default: the group's multicast MAC for a multicast destination. */
  readonly dstMac?: string;
  readonly srcIp: string;
  readonly dstIp: string;
}

function frame(ends: Ends, nextHeader: number, upper: Buffer, checksumAt: number, hopLimit: number): string {
  const src = ip6Bytes(ends.srcIp);
  const dst = ip6Bytes(ends.dstIp);
  upper.writeUInt16BE(upperChecksum(src, dst, nextHeader, upper), checksumAt);
  const ip = Buffer.alloc(40);
  ip.writeUInt32BE(0x60000000, 0);
  ip.writeUInt16BE(upper.length, 4);
  ip.writeUInt8(nextHeader, 6);
  ip.writeUInt8(hopLimit, 7);
  src.copy(ip, 8);
  dst.copy(ip, 24);
  const dstMac = ends.dstMac ?? multicastMac(dst);
  const eth = Buffer.concat([macBytes(dstMac), macBytes(ends.srcMac), Buffer.from([0x86, 0xdd])]);
  return Buffer.concat([eth, ip, upper]).toString('hex');
}

/** Ethernet + IPv6 + UDP with a short payload. */
export function udp6Frame(f: Ends & { readonly sport: number; readonly dport: number }): string {
  const payload = Buffer.from('qdhcp-l2-protection-ipv6-test');
  const udp = Buffer.alloc(8 + payload.length);
  udp.writeUInt16BE(f.sport, 0);
  udp.writeUInt16BE(f.dport, 2);
  udp.writeUInt16BE(udp.length, 4);
  payload.copy(udp, 8);
  return frame(f, 17, udp, 6, 64);
}

/**
 * An unsolicited neighbour advertisement (RFC 4861 §4.4: S = 0, O = 1) "`target` is at `targetMac`",
 * with the target link-layer address option.
 */
export function neighbourAdvert(f: Ends & { readonly target: string; readonly targetMac: string }): string {
  const icmp = Buffer.alloc(32);
  icmp.writeUInt8(136, 0);
  icmp.writeUInt8(0x20, 4); // override
  ip6Bytes(f.target).copy(icmp, 8);
  icmp.writeUInt8(2, 24); // target link-layer address, 1 × 8 octets
  icmp.writeUInt8(1, 25);
  macBytes(f.targetMac).copy(icmp, 26);
  return frame(f, 58, icmp, 2, 255);
}

/**
 * A router advertisement (RFC 4861 §4.2) with router lifetime `lifetime` s, the source link-layer
 * address and one prefix (on-link, autonomous): a host accepting it gets a default route and an address.
 */
export function routerAdvert(f: Ends & { readonly prefix: string; readonly lifetime: number }): string {
  const icmp = Buffer.alloc(16 + 8 + 32);
  icmp.writeUInt8(134, 0);
  icmp.writeUInt8(64, 4); // current hop limit
  icmp.writeUInt16BE(f.lifetime, 6);
  icmp.writeUInt8(1, 16); // source link-layer address
  icmp.writeUInt8(1, 17);
  macBytes(f.srcMac).copy(icmp, 18);
  const prefix = 24;
  icmp.writeUInt8(3, prefix);
  icmp.writeUInt8(4, prefix + 1);
  icmp.writeUInt8(64, prefix + 2);
  icmp.writeUInt8(0xc0, prefix + 3); // on-link, autonomous
  icmp.writeUInt32BE(86_400, prefix + 4);
  icmp.writeUInt32BE(14_400, prefix + 8);
  ip6Bytes(f.prefix).copy(icmp, prefix + 16);
  return frame(f, 58, icmp, 2, 255);
}
