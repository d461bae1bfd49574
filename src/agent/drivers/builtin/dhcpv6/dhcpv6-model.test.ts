import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentNetwork, AgentPort, Ipv6Mode } from '../../../model.js';
import { testPort } from '../../../testing/model-fixtures.js';
import { advertisementOf } from '../../router-advertisements/advertisement-of.js';
import { dhcpv6HostOf, dhcpv6SubnetsOf, networkNeedsDhcpv6, PortDhcpv6Table } from './dhcpv6-tables.js';
import { macFromLinkLocal } from './link-local-mac.js';

function v6Network(
  addressMode: Ipv6Mode | null,
  raMode: Ipv6Mode | null,
  ports: readonly AgentPort[] = [],
  enableDhcp = true,
): AgentNetwork {
  return {
    id: 'net',
    admin_state_up: true,
    mtu: 1450,
    subnets: [
      {
        id: 's6',
        ip_version: 6,
        cidr: 'fd00:1::/64',
        gateway_ip: 'fd00:1::1',
        enable_dhcp: enableDhcp,
        dns_nameservers: [],
        host_routes: [],
        ipv6_address_mode: addressMode,
        ipv6_ra_mode: raMode,
      },
    ],
    ports,
  };
}

const dhcpPort = testPort('s6', 'dhcp0a', 'fd00:1::2', { device_owner: 'network:dhcp' });

test('macFromLinkLocal: EUI-64 link-locals give their MAC, anything else nothing', () => {
  assert.equal(macFromLinkLocal('fe80::f816:3eff:fe00:1'), 'fa:16:3e:00:00:01');
  assert.equal(macFromLinkLocal('fe80::f816:3eff:fe61:99%eth0'), 'fa:16:3e:61:00:99');
  assert.equal(macFromLinkLocal('fe80::1234:5678:9abc:def0'), undefined); // stable-privacy id
  assert.equal(macFromLinkLocal('fd00:1::f816:3eff:fe00:1'), undefined); // not link-local
  assert.equal(macFromLinkLocal('10.0.0.1'), undefined);
  assert.equal(macFromLinkLocal('garbage'), undefined);
});

test('networkNeedsDhcpv6: DHCPv6 address modes with DHCP on only', () => {
  assert.equal(networkNeedsDhcpv6(v6Network('dhcpv6-stateful', null)), true);
  assert.equal(networkNeedsDhcpv6(v6Network('dhcpv6-stateless', 'dhcpv6-stateless')), true);
  assert.equal(networkNeedsDhcpv6(v6Network('slaac', 'slaac')), false);
  assert.equal(networkNeedsDhcpv6(v6Network(null, 'slaac')), false);
  assert.equal(networkNeedsDhcpv6(v6Network('dhcpv6-stateful', null, [], false)), false);
});

test('hosts: IPv6 fixed IPs, client-id of ip_version 6 as a DUID, other v6 options; no DHCP owners skipped', () => {
  const port = testPort('s6', 'vm01', 'fd00:1::10', {
    extra_dhcp_opts: [
      { opt_name: 'client-id', opt_value: '00:03:00:01:FA:16:3E:00:00:01', ip_version: 6 },
      { opt_name: 'dns-server', opt_value: '[fd00:9::53]', ip_version: 6 },
      { opt_name: 'dns-server', opt_value: '10.0.0.53', ip_version: 4 },
    ],
  });
  assert.deepEqual(dhcpv6HostOf(port), {
    portId: 'vm01',
    mac: 'fa:16:3e:00:00:01',
    addresses: [{ subnetId: 's6', address: 'fd00:1::10' }],
    clientDuid: '00030001fa163e000001',
    extraOptions: [{ name: 'dns-server', value: '[fd00:9::53]' }],
  });
  assert.equal(dhcpv6HostOf(dhcpPort), undefined);
  const table = new PortDhcpv6Table();
  table.setSubnets(dhcpv6SubnetsOf(v6Network('dhcpv6-stateful', null), dhcpPort));
  table.setPort(port);
  assert.equal(table.lookup.subnets[0]?.subnet.dhcpPortAddress, 'fd00:1::2');
  assert.equal(table.lookup.find(undefined, 'fa:16:3e:00:00:01')?.host.portId, 'vm01');
  table.setPort(dhcpPort);
  assert.equal(table.hostCount, 1, 'a port without DHCP is no host');
  table.removePort('vm01');
  assert.equal(table.lookup.find(undefined, 'fa:16:3e:00:00:01'), undefined);
  assert.equal(table.hostCount, 0);
});

test('advertisement: flags per mode, A on slaac/stateless, RDNSS the DHCP port, MTU, lifetime 0', () => {
  const slaac = advertisementOf(v6Network('slaac', 'slaac'), dhcpPort);
  assert.ok(slaac);
  assert.deepEqual(
    [slaac.managed, slaac.other, slaac.routerLifetimeSeconds, slaac.mtu],
    [false, false, 0, 1450],
  );
  assert.equal(slaac.prefixes[0]?.autonomous, true);
  assert.deepEqual(slaac.dnsServers, [(0xfd000001n << 96n) | 2n]);
  const stateless = advertisementOf(v6Network('dhcpv6-stateless', 'dhcpv6-stateless'), dhcpPort);
  assert.deepEqual(
    [stateless?.managed, stateless?.other, stateless?.prefixes[0]?.autonomous],
    [false, true, true],
  );
  const stateful = advertisementOf(v6Network('dhcpv6-stateful', 'dhcpv6-stateful'), dhcpPort);
  assert.deepEqual(
    [stateful?.managed, stateful?.other, stateful?.prefixes[0]?.autonomous],
    [true, true, false],
  );
});

test('advertisement: none without ipv6_ra_mode, none when a router interface is on the subnet', () => {
  assert.equal(advertisementOf(v6Network('slaac', null), dhcpPort), undefined);
  const router = testPort('s6', 'rtr01', 'fd00:1::1', { device_owner: 'network:router_interface' });
  assert.equal(advertisementOf(v6Network('slaac', 'slaac', [router]), dhcpPort), undefined);
});
