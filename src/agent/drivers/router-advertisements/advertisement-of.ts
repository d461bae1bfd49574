import type { RaPrefix, RouterAdvertisement } from '../../../dhcpv6/index.js';
import { cidrContains, parseCidr, parseIp } from '../../../ipam/index.js';
import { type AgentNetwork, type AgentPort, ROUTER_INTERFACE_OWNERS, type Subnet } from '../../model.js';
import { subnetAdvertiser } from './subnet-advertiser.js';

/** radvd's defaults, which Neutron's router advertisements use (AdvValidLifetime, AdvPreferredLifetime). */
export const VALID_SECONDS = 86_400;
export const PREFERRED_SECONDS = 14_400;
/** RDNSS lifetime: three times the longest interval between advertisements (RFC 8106 §5.1's advice). */
export const MAX_ADVERTISEMENT_INTERVAL_SECONDS = 60;

function hasRouterInterface(network: AgentNetwork, subnet: Subnet): boolean {
  return network.ports.some(
    (port) =>
      ROUTER_INTERFACE_OWNERS.has(port.device_owner ?? '') &&
      port.fixed_ips.some((fixed) => fixed.subnet_id === subnet.id),
  );
}

function ipv6(text: string): bigint | undefined {
  const parsed = parseIp(text);
  return parsed.ok && parsed.value.version === 6 ? parsed.value.value : undefined;
}

/**
 * What the DHCP namespace advertises (issue 15, beyond Neutron): the subnets subnet-advertiser.ts gives to the
 * DHCP namespace (`ipv6_ra_mode` set, no router interface on them: the router's own RAs carry those), with router lifetime 0
 * (the namespace is nobody's default router), M and O per mode (stateful: M+O, addresses by DHCPv6;
 * stateless: O), A on slaac and stateless prefixes, the network's MTU and as DNS the subnets'
 * `dns_nameservers`, else the DHCP port's address on them. Undefined when nothing is to be advertised.
 */
export function advertisementOf(network: AgentNetwork, dhcpPort: AgentPort): RouterAdvertisement | undefined {
  const advertised = network.subnets.filter(
    (subnet) => subnetAdvertiser(subnet, hasRouterInterface(network, subnet)) === 'dhcp',
  );
  const prefixes: RaPrefix[] = [];
  const dns: bigint[] = [];
  let managed = false;
  let other = false;
  for (const subnet of advertised) {
    const cidr = parseCidr(subnet.cidr);
    if (!cidr.ok || cidr.value.version !== 6) continue;
    const mode = subnet.ipv6_ra_mode;
    managed ||= mode === 'dhcpv6-stateful';
    other ||= mode === 'dhcpv6-stateful' || mode === 'dhcpv6-stateless';
    prefixes.push({
      prefix: cidr.value.network,
      length: cidr.value.prefixLength,
      autonomous: mode !== 'dhcpv6-stateful',
      validSeconds: VALID_SECONDS,
      preferredSeconds: PREFERRED_SECONDS,
    });
    const configured = (subnet.dns_nameservers ?? []).map(ipv6).filter((v) => v !== undefined);
    const own = dhcpPort.fixed_ips
      .map((fixed) => ipv6(fixed.ip_address))
      .filter((v): v is bigint => v !== undefined && cidrContains(cidr.value, v));
    for (const server of configured.length > 0 ? configured : subnet.enable_dhcp ? own : []) {
      if (!dns.includes(server)) dns.push(server);
    }
  }
  if (prefixes.length === 0) return undefined;
  return {
    managed,
    other,
    routerLifetimeSeconds: 0,
    prefixes,
    ...(network.mtu > 0 ? { mtu: network.mtu } : {}),
    dnsServers: dns,
    dnsLifetimeSeconds: 3 * MAX_ADVERTISEMENT_INTERVAL_SECONDS,
    sourceMac: Uint8Array.from(dhcpPort.mac_address.split(':').map((octet) => Number.parseInt(octet, 16))),
  };
}
