/**
 * Address validity rules of a subnet (spec 3.2; neutron/ipam/utils.py) and the create-time checks of the
 * subnet's CIDR, gateway and IPv6 modes (spec 1.4 rules 2–8; db_base_plugin_v2._validate_subnet).
 *
 * @module
 */

import { type IpVersion, parseIp } from './address.js';
import { broadcastAddress, type Cidr, cidrContains, cidrLast } from './cidr.js';
import { ROUTER_PORT_OWNERS } from './device-owners.js';
import { invalidInput, ok, type ParseResult } from './result.js';

/**
 * Whether an explicitly requested address may be given to a port on the subnet (`check_subnet_ip`).
 * IPv4: inside the CIDR and neither the network nor the broadcast address (/31 and /32 have no
 * broadcast, so only the first address is refused). IPv6: inside the CIDR and not the subnet-router
 * anycast (network) address, unless the owner is a router port or empty/unknown.
 */
export function isValidIpForSubnet(cidr: Cidr, ip: bigint, deviceOwner: string): boolean {
  if (!cidrContains(cidr, ip)) return false;
  if (cidr.version === 6)
    return ip !== cidr.network || deviceOwner === '' || ROUTER_PORT_OWNERS.includes(deviceOwner);
  return ip !== cidr.network && ip !== broadcastAddress(cidr);
}

/**
 * Whether a gateway address is refused for the subnet (`check_gateway_invalid_in_subnet`): only when it
 * is inside the CIDR and, for IPv4, is the network address or the last address of the block. (As in
 * Neutron, the "last address" rule also applies to /31, so neither /31 address is a valid gateway.)
 * A gateway outside the CIDR is accepted.
 */
export function isGatewayInvalid(cidr: Cidr, gateway: bigint): boolean {
  if (!cidrContains(cidr, gateway)) return false;
  return cidr.version === 4 && (gateway === cidr.network || gateway === cidrLast(cidr));
}

/**
 * Default gateway when the request does not name one (spec 1.4 rule 8): IPv4 the first address after
 * the network address (for a /32, whose next address lies outside, the value still is network + 1 as in
 * Neutron; it wraps to the network address at 255.255.255.255/32); IPv6 the subnet-router anycast
 * address, i.e. the network address itself (RFC 4291 §2.6.1).
 */
export function defaultGateway(cidr: Cidr): bigint {
  if (cidr.version === 6) return cidr.network;
  return cidr.network === 0xffffffffn ? cidr.network : cidr.network + 1n;
}

/** The IPv6 address modes. */
export type Ipv6Mode = 'dhcpv6-stateful' | 'dhcpv6-stateless' | 'slaac';
/** All IPv6 mode values, for validating the enum at the edge. */
export const IPV6_MODES: readonly Ipv6Mode[] = ['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac'];

/** The two IPv6 mode attributes of a subnet (null = not set). */
export interface Ipv6Modes {
  readonly ipv6AddressMode: string | null;
  readonly ipv6RaMode: string | null;
}

/**
 * Whether addresses on the subnet are chosen by the host (SLAAC, EUI-64) rather than by IPAM: either
 * mode is `slaac` or `dhcpv6-stateless` (`ipv6_utils.is_auto_address_subnet`).
 */
export function isAutoAddressSubnet(s: Ipv6Modes): boolean {
  const auto = (m: string | null): boolean => m === 'slaac' || m === 'dhcpv6-stateless';
  return auto(s.ipv6AddressMode) || auto(s.ipv6RaMode);
}

/** Subnet class used to group candidates (spec 3.4). */
export type SubnetClass = 'ipv4' | 'ipv6-stateful' | 'ipv6-auto';

/** Classifies a subnet: IPv4; IPv6 automatic (SLAAC / DHCPv6-stateless); every other IPv6 is stateful. */
export function classifySubnet(s: { readonly cidr: Cidr } & Ipv6Modes): SubnetClass {
  if (s.cidr.version === 4) return 'ipv4';
  return isAutoAddressSubnet(s) ? 'ipv6-auto' : 'ipv6-stateful';
}

function versionMismatch(name: string, text: string, version: IpVersion): ReturnType<typeof invalidInput> {
  return invalidInput(`${name} '${text}' does not match the ip_version '${version}'`);
}

const V4_MULTICAST = { first: 0xe0000000n, last: 0xefffffffn };
const V6_MULTICAST = { first: 0xffn << 120n, last: (1n << 128n) - 1n };
const V4_LOOPBACK = { first: 0x7f000000n, last: 0x7fffffffn };

/**
 * Create-time checks of a subnet's CIDR (spec 1.4 rules 2 and 3, and the /0 rule of rule 11), in
 * Neutron's order: the CIDR's family must equal `ipVersion`; with DHCP enabled the prefix must be at
 * most /30 (IPv4) or /126 (IPv6), and the block must not be multicast, loopback or start at 0.0.0.0;
 * a /0 prefix is refused. Failures are 400 InvalidInput with Neutron's wording.
 */
export function validateSubnetCidr(
  cidr: Cidr,
  ipVersion: IpVersion,
  opts: { readonly enableDhcp: boolean },
): ParseResult<Cidr> {
  if (cidr.version !== ipVersion) return versionMismatch('cidr', cidr.text, ipVersion);
  if (opts.enableDhcp) {
    if ((cidr.version === 4 && cidr.prefixLength > 30) || (cidr.version === 6 && cidr.prefixLength > 126)) {
      return invalidInput('Subnet has a prefix length that is incompatible with DHCP service enabled');
    }
    const last = cidrLast(cidr);
    const multicast = cidr.version === 4 ? V4_MULTICAST : V6_MULTICAST;
    if (cidr.network >= multicast.first && last <= multicast.last) {
      return invalidInput('Multicast IP subnet is not supported if enable_dhcp is True');
    }
    const loopback =
      cidr.version === 4
        ? cidr.network >= V4_LOOPBACK.first && last <= V4_LOOPBACK.last
        : cidr.network === 1n && cidr.prefixLength === 128;
    if (loopback) return invalidInput('Loopback IP subnet is not supported if enable_dhcp is True');
    if (cidr.version === 4 && cidr.network === 0n) {
      // Neutron's template ends in a period and InvalidInput adds another; kept for byte-compatibility.
      return invalidInput("First IP '0.0.0.0' of network is not supported if enable_dhcp is True.");
    }
  }
  if (cidr.prefixLength === 0) return invalidInput('0 is not allowed as CIDR prefix length');
  return ok(cidr);
}

/**
 * Checks a requested `gateway_ip` (spec 1.4 rule 4): it must parse, be of the subnet's family
 * (`gateway_ip '<ip>' does not match the ip_version '<v>'`) and not be refused by
 * {@link isGatewayInvalid} (`Gateway is not valid on subnet`). `null` means "no gateway" and passes.
 * Returns the gateway value.
 */
export function validateGateway(cidr: Cidr, gatewayText: string | null): ParseResult<bigint | null> {
  if (gatewayText === null) return ok(null);
  const parsed = parseIp(gatewayText, 'gateway_ip');
  if (!parsed.ok) return parsed;
  if (parsed.value.version !== cidr.version) return versionMismatch('gateway_ip', gatewayText, cidr.version);
  if (isGatewayInvalid(cidr, parsed.value.value)) return invalidInput('Gateway is not valid on subnet');
  return ok(parsed.value.value);
}

/**
 * Create-time checks of the IPv6 mode attributes (spec 1.4 rules 6–7): not on IPv4; not without DHCP;
 * equal when both are set; automatic modes need a /64 (EUI-64, RFC 4862 §5.5.3).
 */
export function validateIpv6Modes(cidr: Cidr, modes: Ipv6Modes, enableDhcp: boolean): ParseResult<Ipv6Modes> {
  const ra = modes.ipv6RaMode;
  const address = modes.ipv6AddressMode;
  for (const [name, value] of [
    ['ipv6_ra_mode', ra],
    ['ipv6_address_mode', address],
  ] as const) {
    if (value !== null && !(IPV6_MODES as readonly string[]).includes(value)) {
      return invalidInput(`'${value}' is not in ${IPV6_MODES.map((m) => `'${m}'`).join(', ')} for ${name}`);
    }
  }
  if (cidr.version === 4) {
    if (ra !== null) return invalidInput('ipv6_ra_mode is not valid when ip_version is 4');
    if (address !== null) return invalidInput('ipv6_address_mode is not valid when ip_version is 4');
    return ok(modes);
  }
  if ((ra !== null || address !== null) && !enableDhcp) {
    return invalidInput('ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False');
  }
  if (ra !== null && address !== null && ra !== address) {
    return invalidInput(
      `ipv6_ra_mode set to '${ra}' with ipv6_address_mode set to '${address}' is not valid. ` +
        'If both attributes are set, they must be the same value',
    );
  }
  if (isAutoAddressSubnet(modes) && cidr.prefixLength !== 64) {
    return invalidInput(
      `Invalid CIDR ${cidr.text} for IPv6 address mode. ` +
        'OpenStack uses the EUI-64 address format, which requires the prefix to be /64',
    );
  }
  return ok(modes);
}
