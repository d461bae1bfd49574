import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isQdhcpError } from '../common/errors.js';
import {
  bridgeFor,
  desiredPlumbing,
  findAgentDhcpPort,
  networkNeedsDhcp,
  uplinkFor,
  vxlanRemotes,
} from './desired-plumbing.js';
import type { AgentNetwork, AgentPort } from './model.js';
import {
  DEFAULT_PLUMBING_SETTINGS,
  mappedPhysnets,
  type PlumbingSettings,
  parseBridgeMappings,
  parseInterfaceMappings,
} from './plumbing-settings.js';
import { DEFAULT_DHCP_SETTINGS } from './settings.js';

const NET = '4b7dfef7-36f4-4346-82b8-f3c10e9b0149';
const settings: PlumbingSettings = {
  ...DEFAULT_PLUMBING_SETTINGS,
  namespacePrefix: 'p-',
  physicalInterfaceMappings: parseInterfaceMappings(['physnet1:eth1', 'physnet2:eth2']),
  localIp: '192.0.2.1',
  vxlanRemotes: ['192.0.2.2'],
};
const dhcpPort: AgentPort = {
  id: '9f034b55-6c11-4c55-8f3a-3b1e0b6a8a11',
  mac_address: 'fa:16:3e:11:22:33',
  fixed_ips: [
    { subnet_id: 'a', ip_address: '10.60.0.10' },
    { subnet_id: 'off', ip_address: '10.61.0.10' },
    { subnet_id: 'b', ip_address: '10.62.0.10' },
  ],
  device_owner: 'network:dhcp',
  device_id: 'dhcp-x',
};
const network: AgentNetwork = {
  id: NET,
  admin_state_up: true,
  mtu: 1450,
  'provider:network_type': 'flat',
  'provider:physical_network': 'physnet1',
  subnets: [
    {
      id: 'a',
      ip_version: 4,
      cidr: '10.60.0.0/24',
      gateway_ip: null,
      enable_dhcp: true,
      dns_nameservers: [],
      host_routes: [],
    },
    {
      id: 'off',
      ip_version: 4,
      cidr: '10.61.0.0/24',
      gateway_ip: '10.61.0.1',
      enable_dhcp: false,
      dns_nameservers: [],
      host_routes: [],
    },
    {
      id: 'b',
      ip_version: 4,
      cidr: '10.62.0.0/26',
      gateway_ip: '192.0.2.254',
      enable_dhcp: true,
      dns_nameservers: [],
      host_routes: [],
    },
  ],
  ports: [dhcpPort],
};

test('desired devices: names, MAC, MTU, addresses of DHCP subnets (+metadata), first gateway (on-link outside)', () => {
  const desired = desiredPlumbing(
    network,
    dhcpPort,
    { ...DEFAULT_DHCP_SETTINGS, enableIsolatedMetadata: true },
    settings,
  );
  assert.deepEqual(desired.bridge, { bridge: 'brq4b7dfef7-36', uplink: { kind: 'device', device: 'eth1' } });
  assert.deepEqual(desired.device, {
    namespace: `p-qdhcp-${NET}`,
    bridge: 'brq4b7dfef7-36',
    tap: 'tap9f034b55-6c',
    device: 'ns-9f034b55-6c',
    mac: 'fa:16:3e:11:22:33',
    mtu: 1450,
    addresses: ['10.60.0.10/24', '10.62.0.10/26', '169.254.169.254/32', 'fe80::a9fe:a9fe/64'],
    gateway: { address: '192.0.2.254', onLink: true },
  });
  const noIpv6 = desiredPlumbing(
    network,
    dhcpPort,
    { ...DEFAULT_DHCP_SETTINGS, forceMetadata: true },
    { ...settings, ipv6: false },
  );
  assert.deepEqual(noIpv6.device.addresses, ['10.60.0.10/24', '10.62.0.10/26', '169.254.169.254/32']);
  const plain = desiredPlumbing({ ...network, mtu: 0 }, dhcpPort, DEFAULT_DHCP_SETTINGS, settings);
  assert.equal(plain.device.mtu, undefined);
  assert.deepEqual(plain.device.addresses, ['10.60.0.10/24', '10.62.0.10/26']);
});

test('l2_owner = neutron-linuxbridge: the same veth, namespace, addresses and route, no bridge, no uplink', () => {
  const dhcp = { ...DEFAULT_DHCP_SETTINGS, enableIsolatedMetadata: true };
  const ours = desiredPlumbing(network, dhcpPort, dhcp, settings);
  const neutrons = { ...settings, l2Owner: 'neutron-linuxbridge' as const };
  const handsOff = desiredPlumbing(network, dhcpPort, dhcp, neutrons);
  assert.equal(handsOff.bridge, undefined);
  assert.deepEqual(handsOff.device, { ...ours.device, bridge: undefined });
  // Provider attributes are the L2 agent's business: no mapping, an unknown type, no local IP are all fine.
  const cases: ReadonlyArray<Partial<AgentNetwork>> = [
    { 'provider:network_type': 'flat', 'provider:physical_network': 'physnet9' },
    { 'provider:network_type': 'vxlan', 'provider:segmentation_id': 7 },
    { 'provider:network_type': 'geneve', 'provider:segmentation_id': 7 },
    { 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1' },
  ];
  for (const attributes of cases) {
    const desired = desiredPlumbing({ ...network, ...attributes }, dhcpPort, dhcp, {
      ...neutrons,
      physicalInterfaceMappings: new Map(),
      localIp: undefined,
    });
    assert.equal(desired.bridge, undefined, JSON.stringify(attributes));
    assert.equal(desired.device.bridge, undefined);
  }
});

test('bridge_mappings: a flat network of a mapped physnet puts its tap on the existing bridge, no uplink', () => {
  const mapped = { ...settings, bridgeMappings: parseBridgeMappings(['public:br100']) };
  const flat = { ...network, 'provider:physical_network': 'public' };
  const desired = desiredPlumbing(flat, dhcpPort, DEFAULT_DHCP_SETTINGS, mapped);
  assert.deepEqual(desired.bridge, { bridge: 'br100', uplink: { kind: 'none' }, existing: true });
  assert.equal(desired.device.bridge, 'br100');
  // Other physnets and types are as before: brq… with their uplink.
  assert.deepEqual(bridgeFor(network, mapped), {
    bridge: `brq${NET.slice(0, 11)}`,
    uplink: { kind: 'device', device: 'eth1' },
  });
  assert.equal(bridgeFor({ ...flat, 'provider:network_type': 'local' }, mapped).existing, undefined);
  // vlan on a mapped bridge: refused (no interface to tag on), as a typed error.
  assert.throws(
    () => bridgeFor({ ...flat, 'provider:network_type': 'vlan', 'provider:segmentation_id': 5 }, mapped),
    (error: unknown) =>
      isQdhcpError(error, 'NETWORK_MODEL_INVALID') &&
      /bridge_mappings maps to the existing bridge br100/.test(error.message),
  );
  assert.deepEqual(mappedPhysnets(mapped), ['physnet1', 'physnet2', 'public']);
});

test('uplinks by network type, and typed errors for what cannot be wired', () => {
  assert.deepEqual(uplinkFor({ ...network, 'provider:network_type': 'local' }, settings), { kind: 'none' });
  assert.deepEqual(uplinkFor({ ...network, 'provider:network_type': null }, settings), { kind: 'none' });
  assert.deepEqual(
    uplinkFor(
      {
        ...network,
        'provider:network_type': 'vlan',
        'provider:physical_network': 'physnet2',
        'provider:segmentation_id': 42,
      },
      settings,
    ),
    {
      kind: 'vlan',
      parent: 'eth2',
      vlanId: 42,
      device: 'eth2.42',
    },
  );
  assert.deepEqual(
    uplinkFor({ ...network, 'provider:network_type': 'vxlan', 'provider:segmentation_id': 1001 }, settings),
    {
      kind: 'vxlan',
      device: 'vxlan-1001',
      vni: 1001,
      localIp: '192.0.2.1',
      remotes: ['192.0.2.2'],
      group: undefined,
      underlayDevice: undefined,
      dstPort: 4789,
    },
  );
  assert.throws(
    () => uplinkFor({ ...network, 'provider:physical_network': 'physnet9' }, settings),
    (error: unknown) => isQdhcpError(error, 'NETWORK_MODEL_INVALID'),
  );
  assert.throws(
    () =>
      uplinkFor(
        { ...network, 'provider:network_type': 'vxlan', 'provider:segmentation_id': 5 },
        DEFAULT_PLUMBING_SETTINGS,
      ),
    (error: unknown) => isQdhcpError(error, 'NETWORK_MODEL_INVALID'),
  );
  assert.throws(
    () => uplinkFor({ ...network, 'provider:network_type': 'gre' }, settings),
    (error: unknown) => isQdhcpError(error, 'NETWORK_MODEL_INVALID'),
  );
  assert.throws(
    () => parseInterfaceMappings(['physnet1']),
    (error: unknown) => isQdhcpError(error, 'CONFIG_INVALID'),
  );
});

test('vxlan floods to the configured remotes plus the peers from the server, without itself, sorted', () => {
  const vxlan: AgentNetwork = { ...network, 'provider:network_type': 'vxlan', 'provider:segmentation_id': 7 };
  assert.deepEqual(vxlanRemotes(vxlan, settings), ['192.0.2.2']);
  const peers = { ...vxlan, vxlan_peers: ['192.0.2.9', '192.0.2.1', '192.0.2.2', '192.0.2.3'] };
  assert.deepEqual(vxlanRemotes(peers, settings), ['192.0.2.2', '192.0.2.3', '192.0.2.9']);
  assert.deepEqual(vxlanRemotes(peers, { ...settings, vxlanRemotes: [] }), [
    '192.0.2.2',
    '192.0.2.3',
    '192.0.2.9',
  ]);
  const uplink = uplinkFor(peers, settings);
  assert.equal(uplink.kind === 'vxlan' && uplink.remotes.join(','), '192.0.2.2,192.0.2.3,192.0.2.9');
  // A peer that left is no longer wanted (the plumbing then deletes its flooding entry).
  const fewer = uplinkFor({ ...vxlan, vxlan_peers: ['192.0.2.3'] }, { ...settings, vxlanRemotes: [] });
  assert.equal(fewer.kind === 'vxlan' && fewer.remotes.join(','), '192.0.2.3');
});

test('which networks are served, and which port is ours', () => {
  assert.equal(networkNeedsDhcp(network), true);
  assert.equal(networkNeedsDhcp({ ...network, admin_state_up: false }), false);
  assert.equal(networkNeedsDhcp({ ...network, subnets: [] }), false);
  assert.equal(findAgentDhcpPort(network, 'dhcp-x'), dhcpPort);
  assert.equal(findAgentDhcpPort(network, 'dhcp-other-agent'), undefined);
});
