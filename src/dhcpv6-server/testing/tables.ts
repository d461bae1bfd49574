/** Test tables for the DHCPv6 engine: the subnet and port of the dnsmasq captures (test/fixtures/dhcpv6). */
import type { Ipv6Mode } from '../../ipam/index.js';
import { Dhcpv6HostTable } from '../host-table.js';
import type { Dhcpv6EngineConfig, Dhcpv6Host, Dhcpv6Subnet } from '../types.js';

export const CONFIG: Dhcpv6EngineConfig = {
  serverMac: 'fa:16:3e:00:00:01',
  domain: 'openstacklocal',
  leaseSeconds: 86400,
  rapidCommit: false,
};

export function subnet(
  addressMode: Ipv6Mode | null,
  raMode: Ipv6Mode | null = addressMode,
  overrides: Partial<Dhcpv6Subnet> = {},
): Dhcpv6Subnet {
  return {
    id: 'subnet-77',
    cidr: '2001:db8:77::/64',
    enableDhcp: true,
    ipv6AddressMode: addressMode,
    ipv6RaMode: raMode,
    dnsNameservers: [],
    dhcpPortAddress: '2001:db8:77::1',
    ...overrides,
  };
}

/** The port of the captures: MAC fa:16:3e:00:00:06, fixed address 2001:db8:77::6. */
export const PORT: Dhcpv6Host = {
  portId: 'port-6',
  mac: 'fa:16:3e:00:00:06',
  addresses: [{ subnetId: 'subnet-77', address: '2001:db8:77::6' }],
  extraOptions: [],
};

/** A table of whole lists. */
export function dhcpv6Table({
  subnets,
  hosts,
}: {
  readonly subnets: readonly Dhcpv6Subnet[];
  readonly hosts: readonly Dhcpv6Host[];
}): Dhcpv6HostTable {
  const table = new Dhcpv6HostTable();
  table.setSubnets(subnets);
  for (const host of hosts) table.setHost(host);
  return table;
}

/** The engine's table of these subnets and hosts. */
export function tables(
  subnets: readonly Dhcpv6Subnet[],
  hosts: readonly Dhcpv6Host[] = [PORT],
): Dhcpv6HostTable {
  return dhcpv6Table({ subnets, hosts });
}
