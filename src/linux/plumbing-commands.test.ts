import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isQdhcpError } from '../common/errors.js';
import { type ObservedLink, parseLinks, parseRoutes } from './observed-links.js';
import {
  type BridgeSpec,
  bridgeCommands,
  type DhcpDeviceSpec,
  hostDeviceNames,
  namespaceCommands,
  staleFloodEntryCommands,
  tapCommands,
  type Uplink,
} from './plumbing-commands.js';

function link(name: string, extra: Partial<ObservedLink> = {}): [string, ObservedLink] {
  return [
    name,
    {
      name,
      kind: undefined,
      master: undefined,
      mtu: 1500,
      mac: '02:00:00:00:00:01',
      up: true,
      addresses: [],
      ...extra,
    },
  ];
}

const BRIDGE = 'brq4b7dfef7-36';
const vxlan: BridgeSpec = {
  bridge: BRIDGE,
  uplink: {
    kind: 'vxlan',
    device: 'vxlan-1001',
    vni: 1001,
    localIp: '192.0.2.1',
    remotes: ['192.0.2.2', '192.0.2.3'],
    group: undefined,
    underlayDevice: undefined,
    dstPort: 4789,
  },
};

describe('bridge and uplink commands', () => {
  const cases: ReadonlyArray<{
    name: string;
    spec: BridgeSpec;
    links: Map<string, ObservedLink>;
    ip: string[];
    bridge?: string[];
  }> = [
    {
      name: 'local: a bridge only',
      spec: { bridge: BRIDGE, uplink: { kind: 'none' } },
      links: new Map([link('lo')]),
      ip: [`link add ${BRIDGE} type bridge`, `link set ${BRIDGE} addrgenmode none`, `link set ${BRIDGE} up`],
    },
    {
      name: 'flat: the provider NIC is enslaved and brought up',
      spec: { bridge: BRIDGE, uplink: { kind: 'device', device: 'eth1' } },
      links: new Map([link('eth1', { up: false }), link(BRIDGE, { kind: 'bridge' })]),
      ip: [`link set eth1 master ${BRIDGE}`, 'link set eth1 up'],
    },
    {
      name: 'flat, already converged: nothing',
      spec: { bridge: BRIDGE, uplink: { kind: 'device', device: 'eth1' } },
      links: new Map([link('eth1', { master: BRIDGE }), link(BRIDGE, { kind: 'bridge' })]),
      ip: [],
    },
    {
      name: 'vlan: sub-interface IFACE.VID created on the parent',
      spec: { bridge: BRIDGE, uplink: { kind: 'vlan', parent: 'eth1', vlanId: 42, device: 'eth1.42' } },
      links: new Map([link('eth1'), link(BRIDGE, { kind: 'bridge' })]),
      ip: [
        'link add link eth1 name eth1.42 type vlan id 42',
        `link set eth1.42 master ${BRIDGE}`,
        'link set eth1.42 up',
      ],
    },
    {
      name: 'vxlan with remotes: device over the local IP, one flooding entry per remote',
      spec: vxlan,
      links: new Map([link(BRIDGE, { kind: 'bridge' })]),
      ip: [
        'link add vxlan-1001 type vxlan id 1001 local 192.0.2.1 dstport 4789',
        `link set vxlan-1001 master ${BRIDGE}`,
        'link set vxlan-1001 up',
      ],
      bridge: [
        'fdb append 00:00:00:00:00:00 dev vxlan-1001 dst 192.0.2.2',
        'fdb append 00:00:00:00:00:00 dev vxlan-1001 dst 192.0.2.3',
      ],
    },
    {
      name: 'vxlan with a multicast group: no flooding entries',
      spec: {
        ...vxlan,
        uplink: { ...vxlan.uplink, group: '239.1.1.1', underlayDevice: 'eth2' } as BridgeSpec['uplink'],
      },
      links: new Map([link(BRIDGE, { kind: 'bridge' })]),
      ip: [
        'link add vxlan-1001 type vxlan id 1001 local 192.0.2.1 group 239.1.1.1 dev eth2 dstport 4789',
        `link set vxlan-1001 master ${BRIDGE}`,
        'link set vxlan-1001 up',
      ],
      bridge: [],
    },
  ];
  for (const row of cases) {
    test(row.name, () => {
      const commands = bridgeCommands(row.spec, row.links);
      assert.deepEqual(commands.ip, row.ip);
      if (row.bridge !== undefined) assert.deepEqual(commands.bridge, row.bridge);
    });
  }

  test('an operator bridge (bridge_mappings) is never created: missing is a typed error, down is brought up', () => {
    const operator: BridgeSpec = { bridge: 'br100', uplink: { kind: 'none' }, existing: true };
    assert.throws(
      () => bridgeCommands(operator, new Map([link('lo')])),
      (error: unknown) =>
        isQdhcpError(error, 'PLUMBING_FAILED') &&
        /br100 of bridge_mappings does not exist/.test(error.message),
    );
    assert.deepEqual(bridgeCommands(operator, new Map([link('br100', { kind: 'bridge' })])).ip, []);
    assert.deepEqual(bridgeCommands(operator, new Map([link('br100', { kind: 'bridge', up: false })])).ip, [
      'link set br100 up',
    ]);
    assert.throws(
      () => bridgeCommands(operator, new Map([link('br100', { kind: 'veth' })])),
      (error: unknown) => isQdhcpError(error, 'PLUMBING_FAILED'),
    );
  });

  test('a missing provider interface or parent is a typed error; so is a non-bridge with the name', () => {
    assert.throws(
      () => bridgeCommands({ bridge: BRIDGE, uplink: { kind: 'device', device: 'eth9' } }, new Map()),
      (error: unknown) => isQdhcpError(error, 'PLUMBING_FAILED'),
    );
    assert.throws(
      () =>
        bridgeCommands(
          { bridge: BRIDGE, uplink: { kind: 'vlan', parent: 'eth9', vlanId: 5, device: 'eth9.5' } },
          new Map(),
        ),
      (error: unknown) => isQdhcpError(error, 'PLUMBING_FAILED'),
    );
    assert.throws(
      () =>
        bridgeCommands(
          { bridge: BRIDGE, uplink: { kind: 'none' } },
          new Map([link(BRIDGE, { kind: 'veth' })]),
        ),
      (error: unknown) => isQdhcpError(error, 'PLUMBING_FAILED'),
    );
  });
});

const device: DhcpDeviceSpec = {
  namespace: 'qdhcp-net',
  bridge: BRIDGE,
  tap: 'tap9f034b55-6c',
  device: 'ns-9f034b55-6c',
  mac: 'fa:16:3e:11:22:33',
  mtu: 1450,
  addresses: ['10.60.0.10/24', '169.254.169.254/32'],
  gateway: { address: '10.60.0.1', onLink: false },
};

test('tap: a fresh veth pair is created into the namespace, without IPv6 on the host side', () => {
  assert.deepEqual(tapCommands(device, new Map([link(BRIDGE)])), [
    'link add tap9f034b55-6c mtu 1450 type veth peer name ns-9f034b55-6c mtu 1450 netns qdhcp-net',
    'link set tap9f034b55-6c addrgenmode none',
    `link set tap9f034b55-6c master ${BRIDGE}`,
    'link set tap9f034b55-6c up',
  ]);
  assert.deepEqual(tapCommands(device, new Map([link('tap9f034b55-6c', { master: BRIDGE, mtu: 1450 })])), []);
});

describe('tap without a bridge of ours (l2_owner = neutron-linuxbridge): the L2 agent plugs it', () => {
  const handsOff: DhcpDeviceSpec = { ...device, bridge: undefined };
  const tap = 'tap9f034b55-6c';
  const cases: ReadonlyArray<{ name: string; links: Map<string, ObservedLink>; lines: string[] }> = [
    {
      name: 'fresh: veth made and up, no master',
      links: new Map(),
      lines: [
        `link add ${tap} mtu 1450 type veth peer name ns-9f034b55-6c mtu 1450 netns qdhcp-net`,
        `link set ${tap} addrgenmode none`,
        `link set ${tap} up`,
      ],
    },
    {
      name: 'plugged by the L2 agent: left alone',
      links: new Map([link(tap, { master: 'brqx', mtu: 1450 })]),
      lines: [],
    },
    { name: 'not plugged yet: left alone', links: new Map([link(tap, { mtu: 1450 })]), lines: [] },
    {
      name: 'down, MTU moved: only MTU and up',
      links: new Map([link(tap, { master: 'nrefbr1', mtu: 1500, up: false })]),
      lines: [`link set ${tap} mtu 1450`, `link set ${tap} up`],
    },
  ];
  for (const { name, links, lines } of cases) {
    test(name, () => assert.deepEqual(tapCommands(handsOff, links), lines));
  }
  test('the host devices read are the tap alone', () => {
    assert.deepEqual(hostDeviceNames(undefined, handsOff), [tap]);
  });
});

describe('namespace side converges to exactly the desired state', () => {
  test('fresh device: loopback, MAC, MTU, up, addresses, default route', () => {
    const links = new Map([link('lo', { up: false }), link('ns-9f034b55-6c', { up: false })]);
    assert.deepEqual(namespaceCommands(device, links, []), [
      'link set lo up',
      'link set ns-9f034b55-6c address fa:16:3e:11:22:33',
      'link set ns-9f034b55-6c mtu 1450',
      'link set ns-9f034b55-6c up',
      'addr add 10.60.0.10/24 dev ns-9f034b55-6c',
      'addr add 169.254.169.254/32 dev ns-9f034b55-6c',
      'route replace default via 10.60.0.1 dev ns-9f034b55-6c',
    ]);
  });

  test('extra addresses and stale devices go, the kernel link-local stays; the default route is replaced', () => {
    const links = new Map([
      link('lo'),
      link('ns-olddhcp-00'),
      link('ns-9f034b55-6c', {
        mac: 'fa:16:3e:11:22:33',
        mtu: 1450,
        addresses: [
          { family: 4, address: '10.60.0.10', prefixLength: 24, scope: 'global' },
          { family: 4, address: '10.60.0.99', prefixLength: 24, scope: 'global' },
          { family: 6, address: 'fe80::f816:3eff:fe11:2233', prefixLength: 64, scope: 'link' },
          { family: 6, address: 'fe80::a9fe:a9fe', prefixLength: 64, scope: 'link' },
        ],
      }),
    ]);
    const routes = [{ destination: 'default', gateway: '10.60.0.254', device: 'ns-9f034b55-6c' }];
    assert.deepEqual(namespaceCommands(device, links, routes), [
      'link del ns-olddhcp-00',
      'addr del 10.60.0.99/24 dev ns-9f034b55-6c',
      'addr del fe80::a9fe:a9fe/64 dev ns-9f034b55-6c',
      'addr add 169.254.169.254/32 dev ns-9f034b55-6c',
      'route replace default via 10.60.0.1 dev ns-9f034b55-6c',
    ]);
  });

  test('no gateway: an existing default route is deleted; a gateway outside the subnet is on-link', () => {
    const links = new Map([link('lo'), link('ns-9f034b55-6c', { mac: 'fa:16:3e:11:22:33', mtu: 1450 })]);
    const base = { ...device, addresses: [] };
    assert.deepEqual(
      namespaceCommands({ ...base, gateway: undefined }, links, [
        { destination: 'default', gateway: '10.0.0.1', device: 'x' },
      ]),
      ['route del default'],
    );
    assert.deepEqual(
      namespaceCommands({ ...base, gateway: { address: '192.0.2.1', onLink: true } }, links, []),
      ['route replace default via 192.0.2.1 dev ns-9f034b55-6c onlink'],
    );
  });

  test('a missing namespace device is a typed error', () => {
    assert.throws(
      () => namespaceCommands(device, new Map([link('lo')]), []),
      (error: unknown) => isQdhcpError(error, 'PLUMBING_FAILED'),
    );
  });
});

test('ip -j output is parsed defensively', () => {
  const links = parseLinks([
    {
      ifname: 'br0',
      flags: ['BROADCAST', 'UP'],
      mtu: 1500,
      address: 'AA:BB:CC:DD:EE:FF',
      linkinfo: { info_kind: 'bridge' },
      addr_info: [{ family: 'inet', local: '10.0.0.1', prefixlen: 24, scope: 'global' }, { family: 'inet' }],
    },
    { ifname: 'tap1', master: 'br0', flags: [] },
    'garbage',
    null,
  ]);
  assert.deepEqual(links.get('br0'), {
    name: 'br0',
    kind: 'bridge',
    master: undefined,
    mtu: 1500,
    mac: 'aa:bb:cc:dd:ee:ff',
    up: true,
    addresses: [{ family: 4, address: '10.0.0.1', prefixLength: 24, scope: 'global' }],
  });
  assert.equal(links.get('tap1')?.master, 'br0');
  assert.equal(links.get('tap1')?.up, false);
  assert.deepEqual(parseRoutes([{ dst: 'default', gateway: '10.0.0.1', dev: 'ns-1' }, { nodst: 1 }]), [
    { destination: 'default', gateway: '10.0.0.1', device: 'ns-1' },
  ]);
});

test('staleFloodEntryCommands: deletes flooding entries of hosts that left, nothing for group or other uplinks', () => {
  const uplink: Uplink = {
    kind: 'vxlan',
    device: 'vxlan-1001',
    vni: 1001,
    localIp: '192.0.2.1',
    remotes: ['192.0.2.2', '192.0.2.3'],
    group: undefined,
    underlayDevice: undefined,
    dstPort: 4789,
  };
  assert.deepEqual(staleFloodEntryCommands(uplink, ['192.0.2.2', '192.0.2.3']), []);
  assert.deepEqual(staleFloodEntryCommands(uplink, ['192.0.2.2', '192.0.2.9', '192.0.2.9']), [
    'fdb del 00:00:00:00:00:00 dev vxlan-1001 dst 192.0.2.9',
  ]);
  assert.deepEqual(staleFloodEntryCommands({ ...uplink, remotes: [] }, ['192.0.2.2']), [
    'fdb del 00:00:00:00:00:00 dev vxlan-1001 dst 192.0.2.2',
  ]);
  assert.deepEqual(staleFloodEntryCommands({ ...uplink, group: '239.1.1.1' }, ['192.0.2.9']), []);
  assert.deepEqual(staleFloodEntryCommands({ kind: 'device', device: 'eth1' }, ['192.0.2.9']), []);
});
