/**
 * Modified EUI-64 interface identifiers for SLAAC / DHCPv6-stateless subnets (RFC 4291 §2.5.1 and
 * appendix A; Neutron `ipv6_utils.get_ipv6_addr_by_EUI64`).
 *
 * @module
 */

import { QdhcpError } from '../common/errors.js';
import { maxAddress } from './address.js';
import type { Cidr } from './cidr.js';
import { formatMac, macOctets } from './mac.js';

/**
 * The address a host with `mac` forms in `prefix`: `ff:fe` inserted between the third and fourth
 * octets and the universal/local bit (bit 1 of the first octet) flipped, added to the prefix's network
 * address. Throws `IPAM_USAGE` for an IPv4 prefix or an unparsable MAC (callers pass stored values).
 *
 * @example eui64Address(parse('2001:db8::/64'), 'fa:16:3e:00:00:01') // 2001:db8::f816:3eff:fe00:1
 */
export function eui64Address(prefix: Cidr, mac: string): bigint {
  if (prefix.version !== 6)
    throw new QdhcpError('IPAM_USAGE', { reason: `EUI-64 needs an IPv6 prefix, got ${prefix.text}` });
  const o = macOctets(mac);
  let interfaceId = 0n;
  for (const byte of [o[0]!, o[1]!, o[2]!, 0xff, 0xfe, o[3]!, o[4]!, o[5]!]) {
    interfaceId = (interfaceId << 8n) | BigInt(byte);
  }
  // Neutron computes (prefix.first + eui64) ^ (1 << 57): the U/L bit flip of RFC 4291 appendix A.
  return ((prefix.network + interfaceId) ^ (1n << 57n)) & maxAddress(6);
}

/** Whether an IPv6 address has `ff:fe` in the middle of its interface id (`ipv6_utils.is_eui64_address`). */
export function isEui64Address(version: 4 | 6, ip: bigint): boolean {
  return version === 6 && (ip & 0xffff000000n) === 0xfffe000000n;
}

/**
 * The MAC inside a modified EUI-64 interface identifier (the inverse of {@link eui64Address}, oslo's
 * `netutils.get_mac_addr_by_ipv6`): how Neutron's metadata agent names the port behind a link-local
 * caller. Undefined when the identifier has no `ff:fe` in its middle (a privacy or stable-privacy address).
 *
 * @example macOfEui64Address(parse('fe80::f816:3eff:fe00:1')) // 'fa:16:3e:00:00:01'
 */
export function macOfEui64Address(ip: bigint): string | undefined {
  if (!isEui64Address(6, ip)) return undefined;
  const id = (ip & 0xffffffffffffffffn) ^ (1n << 57n);
  const octets = [56n, 48n, 40n, 16n, 8n, 0n].map((shift) => Number((id >> shift) & 0xffn));
  return formatMac(octets);
}
