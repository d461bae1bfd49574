import type { AgentNetwork, AgentPort } from '../../src/agent/model.js';

/** The benchmark's one IPv6 subnet (dhcpv6-stateful, no RA mode: dnsmasq gets a `static` range for it). */
export const SUBNET_CIDR = 'fd00:77::/64';
/** The DHCP port's address, on the server namespace's device. */
export const SERVER_ADDRESS = 'fd00:77::2';
const SERVER_MAC = 'fa:16:3e:ff:ff:01';

/**
 * perfdhcp's client identifiers: `-b duid=` gives the DUID type (DUID-LL, hardware type 1) and `-b mac=` the
 * MAC base; with `-R N` client r sends DUID-LL of MAC fa:16:3e + r, the MAC of host r below.
 */
export const PERFDHCP_DUID_TEMPLATE = '00030001fa163e000000';
export const PERFDHCP_MAC_TEMPLATE = 'fa:16:3e:00:00:00';

/** Host r: MAC fa:16:3e + r, address fd00:77::1:0 + r (r < 2^24). */
export function hostMac(r: number): string {
  const hex = r.toString(16).padStart(6, '0');
  return `fa:16:3e:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

/**
 * One network as the agent receives it: the DHCP port and `hosts` instance ports on one dhcpv6-stateful /64,
 * each port with a `client-id` extra DHCP option (`ip_version` 6) holding the DUID-LL its perfdhcp client
 * sends. Neutron writes that as `id:` in the port's dnsmasq host line and the builtin engine matches it first,
 * so both servers know every simulated client. (Matching by MAC alone cannot be driven by perfdhcp: all its
 * clients share one source address, so dnsmasq's neighbour lookup finds the one MAC of perfdhcp's device,
 * and dnsmasq 2.90 takes no MAC from the DUID of a relayed message.)
 */
export function benchNetwork(hosts: number): { network: AgentNetwork; dhcpPort: AgentPort } {
  const dhcpPort: AgentPort = {
    id: 'dhcp-port',
    mac_address: SERVER_MAC,
    device_owner: 'network:dhcp',
    device_id: 'bench-dhcp',
    fixed_ips: [{ subnet_id: 's6', ip_address: SERVER_ADDRESS }],
    revision_number: 1,
  };
  const ports: AgentPort[] = [dhcpPort];
  for (let r = 0; r < hosts; r++) {
    const mac = hostMac(r);
    ports.push({
      id: `port-${r}`,
      mac_address: mac,
      device_owner: 'compute:nova',
      fixed_ips: [{ subnet_id: 's6', ip_address: `fd00:77::1:${r.toString(16)}` }],
      extra_dhcp_opts: [{ opt_name: 'client-id', opt_value: `00:03:00:01:${mac}`, ip_version: 6 }],
      revision_number: 1,
    });
  }
  const network: AgentNetwork = {
    id: 'bench6',
    admin_state_up: true,
    mtu: 1450,
    subnets: [
      {
        id: 's6',
        ip_version: 6,
        cidr: SUBNET_CIDR,
        gateway_ip: 'fd00:77::1',
        enable_dhcp: true,
        dns_nameservers: [],
        host_routes: [],
        ipv6_address_mode: 'dhcpv6-stateful',
        ipv6_ra_mode: null,
      },
    ],
    ports,
  };
  return { network, dhcpPort };
}
