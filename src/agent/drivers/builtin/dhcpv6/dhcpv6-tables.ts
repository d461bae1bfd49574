import { Dhcpv6HostTable } from '../../../../dhcpv6-server/host-table.js';
import type { Dhcpv6Host, Dhcpv6Subnet } from '../../../../dhcpv6-server/types.js';
import {
  type AgentNetwork,
  type AgentPort,
  isClientIdOption,
  optionIpVersion,
  portNeedsDhcp,
  type Subnet,
} from '../../../model.js';

/** The modes in which the DHCP namespace answers DHCPv6 (docs/dhcpv6.md, the engine's subnet table). */
const DHCPV6_MODES = new Set(['dhcpv6-stateful', 'dhcpv6-stateless']);

/** True when some IPv6 subnet of the network is served by DHCPv6: then the network gets a DHCPv6 socket. */
export function networkNeedsDhcpv6(network: AgentNetwork): boolean {
  return network.subnets.some(
    (subnet) =>
      subnet.ip_version === 6 && subnet.enable_dhcp && DHCPV6_MODES.has(subnet.ipv6_address_mode ?? ''),
  );
}

/** The network's IPv6 subnets as the engine takes them; the DHCP port's address on each is its DNS default. */
export function dhcpv6SubnetsOf(network: AgentNetwork, dhcpPort: AgentPort): Dhcpv6Subnet[] {
  return network.subnets
    .filter((subnet: Subnet) => subnet.ip_version === 6)
    .map((subnet) => ({
      id: subnet.id,
      cidr: subnet.cidr,
      enableDhcp: subnet.enable_dhcp,
      ipv6AddressMode: subnet.ipv6_address_mode ?? null,
      ipv6RaMode: subnet.ipv6_ra_mode ?? null,
      dnsNameservers: (subnet.dns_nameservers ?? []).filter((server) => server.includes(':')),
      dhcpPortAddress: dhcpPort.fixed_ips.find((fixed) => fixed.subnet_id === subnet.id)?.ip_address,
    }));
}

/**
 * One port as a DHCPv6 host, or undefined when it gets no DHCP (spec §4.7 owners). Its `client-id` option of
 * `ip_version` 6 becomes the client DUID (dnsmasq's `id:` host entry, hex without separators); its other
 * IPv6 extra options go to the engine, which reports the ones it cannot use.
 */
export function dhcpv6HostOf(port: AgentPort): Dhcpv6Host | undefined {
  if (!portNeedsDhcp(port)) return undefined;
  const options = (port.extra_dhcp_opts ?? []).filter(
    (option) => optionIpVersion(option) === 6 && option.opt_value != null,
  );
  const clientId = options.find(isClientIdOption)?.opt_value;
  return {
    portId: port.id,
    mac: port.mac_address.toLowerCase(),
    addresses: port.fixed_ips
      .filter((fixed) => fixed.ip_address.includes(':'))
      .map((fixed) => ({ subnetId: fixed.subnet_id, address: fixed.ip_address })),
    ...(clientId == null ? {} : { clientDuid: clientId.replace(/[:-]/g, '').toLowerCase() }),
    extraOptions: options
      .filter((option) => !isClientIdOption(option))
      .map((option) => ({ name: option.opt_name, value: option.opt_value ?? '' })),
  };
}

/**
 * The engine's table of one network, changed one port at a time like the IPv4 table (network-tables.ts):
 * a port that gets no DHCP (or no longer does) is no host.
 */
export class PortDhcpv6Table {
  readonly lookup = new Dhcpv6HostTable();

  setSubnets(subnets: readonly Dhcpv6Subnet[]): void {
    this.lookup.setSubnets(subnets);
  }

  setPort(port: AgentPort): void {
    const host = dhcpv6HostOf(port);
    if (host === undefined) this.lookup.removeHost(port.id);
    else this.lookup.setHost(host);
  }

  removePort(portId: string): void {
    this.lookup.removeHost(portId);
  }

  get hostCount(): number {
    return this.lookup.hostCount;
  }
}
