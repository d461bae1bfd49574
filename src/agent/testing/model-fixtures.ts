/**
 * Agent-model fixtures for unit tests: one IPv4 network with one DHCP-enabled subnet, and ports on it.
 * Tests that need other shapes spread over these.
 */
import type { AgentNetwork, AgentPort } from '../model.js';

/** A compute port with one fixed IP on `subnetId` (MAC derived from the id's last two characters). */
export function testPort(
  subnetId: string,
  id: string,
  ip: string,
  extra: Partial<AgentPort> = {},
): AgentPort {
  return {
    id,
    mac_address: `fa:16:3e:00:00:${id.slice(-2).padStart(2, '0')}`,
    device_owner: 'compute:nova',
    fixed_ips: [{ subnet_id: subnetId, ip_address: ip }],
    revision_number: 1,
    ...extra,
  };
}

/** A network with one IPv4 subnet `cidr` (gateway `.1`), DHCP on, no DNS servers or host routes. */
export function testNetwork(
  ids: { readonly network: string; readonly subnet: string },
  cidr: string,
  ports: readonly AgentPort[],
): AgentNetwork {
  const prefix = cidr.slice(0, cidr.lastIndexOf('.'));
  return {
    id: ids.network,
    admin_state_up: true,
    mtu: 1500,
    subnets: [
      {
        id: ids.subnet,
        ip_version: 4,
        cidr,
        gateway_ip: `${prefix}.1`,
        enable_dhcp: true,
        dns_nameservers: [],
        host_routes: [],
      },
    ],
    ports,
  };
}
