/**
 * What a port may send from its tap (issue 14's anti-spoofing), as the sets of the nft protection
 * (src/linux/nft-l2-rules.ts): its MAC and its address pairs' MACs; its fixed IPv4 addresses and IPv4
 * pairs; its fixed IPv6 addresses, the EUI-64 link-local address of each of those MACs and its IPv6 pairs.
 * A port with `port_security_enabled` false gets nothing at all, guards included: Neutron keeps no rule of
 * any kind for such a port (no anti-spoofing, no security group, no DHCP guard). Pure.
 *
 * @module
 */
import type { L2Port } from '../../bus/l2-agent-rpc.js';
import { type IpVersion, parseIp } from '../../ipam/address.js';
import { type Cidr, cidrLast, makeCidr, parseCidr } from '../../ipam/cidr.js';
import { eui64Address } from '../../ipam/eui64.js';
import type { PortFilterSpec } from '../../linux/nft-l2-rules.js';

const LINK_LOCAL = makeCidr(6, 0xfe80n << 112n, 64);

/** An address or CIDR as a block (a single address is a /32 or /128); undefined when unreadable. */
function block(text: string): Cidr | undefined {
  if (text.includes('/')) {
    const parsed = parseCidr(text);
    return parsed.ok ? parsed.value : undefined;
  }
  const address = parseIp(text);
  if (!address.ok) return undefined;
  const bits = address.value.version === 4 ? 32 : 128;
  return makeCidr(address.value.version, address.value.value, bits);
}

/** `10.0.0.5` for a single address, `10.0.1.0/24` for a block (what nft takes as a set element). */
function elementOf(cidr: Cidr): string {
  const single = cidr.prefixLength === (cidr.version === 4 ? 32 : 128);
  return single ? cidr.text.slice(0, cidr.text.indexOf('/')) : cidr.text;
}

/** fe80::/64 + the MAC's EUI-64 interface id; undefined for a MAC that is not six octets. */
function linkLocalOf(mac: string): Cidr | undefined {
  try {
    return makeCidr(6, eui64Address(LINK_LOCAL, mac), 128);
  } catch {
    return undefined;
  }
}

const hex = (value: bigint): string => `0x${value.toString(16).padStart(32, '0')}`;

/** The filter of a port on `device`, or undefined when port security is off (nothing is filtered). */
export function portFilterOf(device: string, port: L2Port): PortFilterSpec | undefined {
  if (!port.port_security_enabled) return undefined;
  const macs = new Set<string>([port.mac_address.toLowerCase()]);
  const blocks: Cidr[] = [];
  for (const fixed of port.fixed_ips) {
    const found = block(fixed.ip_address);
    if (found !== undefined) blocks.push(found);
  }
  for (const pair of port.allowed_address_pairs) {
    if (pair.mac_address !== '') macs.add(pair.mac_address.toLowerCase());
    const found = block(pair.ip_address);
    if (found !== undefined) blocks.push(found);
  }
  for (const mac of macs) {
    const linkLocal = linkLocalOf(mac);
    if (linkLocal !== undefined) blocks.push(linkLocal);
  }
  const of = (version: IpVersion) => blocks.filter((b) => b.version === version);
  const unique = (list: string[]) => [...new Set(list)];
  return {
    device,
    macs: [...macs].sort(),
    ipv4: unique(of(4).map(elementOf)),
    ipv6: unique(of(6).map(elementOf)),
    ipv6Targets: unique(of(6).map((b) => `${hex(b.network)}-${hex(cidrLast(b))}`)),
  };
}
