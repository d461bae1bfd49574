import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metadataAnswer } from './metadata-tree.js';
import type { MetadataResponse } from './response.js';
import { sampleContext } from './testing/fixtures.js';

const context = sampleContext();
const body = (response: MetadataResponse): string =>
  typeof response.body === 'string' ? response.body : new TextDecoder().decode(response.body);

test('text answers of the EC2 and OpenStack trees', () => {
  const cases: [path: string, expected: string][] = [
    ['/2009-04-04/meta-data/instance-id', 'i-0000000a'],
    ['/latest/meta-data/instance-id', 'i-0000000a'],
    ['/2009-04-04/meta-data/local-ipv4', '10.60.0.50'],
    ['/2009-04-04/meta-data/mac', 'fa:16:3e:b2:03:74'],
    ['/2009-04-04/meta-data/hostname', 'web-1.openstacklocal'],
    ['/2009-04-04/meta-data/local-hostname', 'web-1.openstacklocal'],
    ['/2009-04-04/meta-data/ami-launch-index', '0'],
    ['/2009-04-04/meta-data/placement/availability-zone', 'nova'],
    ['/2009-04-04/meta-data/placement/', 'availability-zone'],
    ['/2009-04-04/meta-data/public-keys', '0=default'],
    ['/2009-04-04/meta-data/public-keys/0/', 'openssh-key'],
    [
      '/2009-04-04/meta-data/public-keys/0/openssh-key',
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample qdhcp@test',
    ],
    ['/2009-04-04/user-data', '#cloud-config\nhostname: web-1\n'],
    ['/openstack/latest/user_data', '#cloud-config\nhostname: web-1\n'],
    ['/openstack/2012-08-10/', 'meta_data.json\nuser_data'],
    [
      '/openstack/latest',
      'meta_data.json\nuser_data\nvendor_data.json\nnetwork_data.json\nvendor_data2.json',
    ],
    ['/openstack/latest/vendor_data.json', '{}'],
    ['/openstack/2016-10-06/vendor_data2.json', '{}'],
  ];
  for (const [path, expected] of cases) {
    const response = metadataAnswer(context, path);
    assert.equal(response.status, 200, path);
    assert.equal(body(response), expected, path);
  }
});

test('listings: versions at the roots, directories with a trailing slash', () => {
  const root = body(metadataAnswer(context, '/')).split('\n');
  assert.deepEqual(root.slice(-2), ['2009-04-04', 'latest']);
  const openstack = body(metadataAnswer(context, '/openstack')).split('\n');
  assert.equal(openstack[0], '2012-08-10');
  assert.equal(openstack.at(-1), 'latest');
  const metaData = body(metadataAnswer(context, '/latest/meta-data/')).split('\n');
  for (const key of [
    'instance-id',
    'local-ipv4',
    'hostname',
    'placement/',
    'public-keys/',
    'block-device-mapping/',
  ]) {
    assert.ok(metaData.includes(key), `meta-data lists ${key}`);
  }
});

test('unknown versions, keys and path tricks are 404', () => {
  for (const path of [
    '/2999-01-01/meta-data/instance-id',
    '/latest/meta-data/nope',
    '/latest/meta-data/instance-id/more',
    '/openstack/2011-01-01/meta_data.json',
    '/openstack/latest/password',
    '/latest/meta-data/../user-data',
  ]) {
    assert.equal(metadataAnswer(context, path).status, 404, path);
  }
});

test('no user data: 404 on both trees, and no public-keys directory without keys', () => {
  const bare = sampleContext({ userData: undefined, publicKeys: [] });
  assert.equal(metadataAnswer(bare, '/latest/user-data').status, 404);
  assert.equal(metadataAnswer(bare, '/openstack/latest/user_data').status, 404);
  assert.equal(metadataAnswer(bare, '/latest/meta-data/public-keys').status, 404);
});

test('meta_data.json carries the instance, fields appearing with the version that introduced them', () => {
  const latest = JSON.parse(body(metadataAnswer(context, '/openstack/latest/meta_data.json')));
  assert.equal(latest.uuid, context.instance.id);
  assert.equal(latest.name, 'web-1');
  assert.equal(latest.hostname, 'web-1.openstacklocal');
  assert.equal(latest.project_id, context.instance.projectId);
  assert.equal(latest.availability_zone, 'nova');
  assert.deepEqual(latest.public_keys, { default: context.instance.publicKeys[0]?.key });
  assert.deepEqual(latest.keys, [
    { name: 'default', type: 'ssh', data: context.instance.publicKeys[0]?.key },
  ]);
  assert.deepEqual(latest.meta, { role: 'web' });
  assert.equal(Buffer.from(latest.random_seed, 'base64').length, 512);
  assert.deepEqual(latest.devices, []);
  const folsom = JSON.parse(body(metadataAnswer(context, '/openstack/2012-08-10/meta_data.json')));
  assert.equal(folsom.availability_zone, undefined);
  assert.equal(folsom.project_id, undefined);
});

test('network_data.json: a link per port, DHCP subnets as ipv4_dhcp, static ones with routes', () => {
  const data = JSON.parse(body(metadataAnswer(context, '/openstack/latest/network_data.json')));
  assert.deepEqual(data.links, [
    {
      id: 'tap6a3f5b2c-9d',
      vif_id: context.ports[0]?.id,
      type: 'bridge',
      mtu: 1450,
      ethernet_mac_address: 'fa:16:3e:b2:03:74',
    },
    {
      id: 'tap7b4e6c3d-0e',
      vif_id: context.ports[1]?.id,
      type: 'bridge',
      mtu: 1500,
      ethernet_mac_address: 'fa:16:3e:00:11:22',
    },
  ]);
  assert.deepEqual(data.networks[0], {
    id: 'network0',
    type: 'ipv4_dhcp',
    link: 'tap6a3f5b2c-9d',
    network_id: context.ports[0]?.networkId,
  });
  assert.deepEqual(data.networks[1], {
    id: 'network1',
    type: 'ipv4',
    link: 'tap7b4e6c3d-0e',
    ip_address: '192.0.2.10',
    netmask: '255.255.255.0',
    routes: [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: '192.0.2.1' }],
    network_id: context.ports[1]?.networkId,
    services: [{ type: 'dns', address: '192.0.2.53' }],
  });
  assert.deepEqual(data.services, [{ type: 'dns', address: '192.0.2.53' }]);
});

test('network_data.json: IPv6 networks as Nova writes them (type per ipv6_address_mode, netmask, :: route)', () => {
  const cases: [string, string | null | undefined, string][] = [
    ['slaac', 'slaac', 'ipv6_slaac'],
    ['stateful', 'dhcpv6-stateful', 'ipv6_dhcpv6-stateful'],
    ['stateless', 'dhcpv6-stateless', 'ipv6_dhcpv6-stateless'],
    ['static (no mode)', null, 'ipv6'],
    ['a server that does not send the mode', undefined, 'ipv6'],
  ];
  for (const [name, mode, type] of cases) {
    const port = {
      ...context.ports[0]!,
      fixedIps: [
        {
          ipAddress: 'fd00:65::f816:3eff:feb2:374',
          subnet: {
            id: '9e6f8a5b-2a41-4cad-9e3f-4a5b6c7d8e9f',
            cidr: 'fd00:65::/64',
            ipVersion: 6 as const,
            gatewayIp: 'fd00:65::1',
            enableDhcp: true,
            dnsNameservers: ['fd00:65::53'],
            hostRoutes: [{ destination: 'fd00:99::/48', nexthop: 'fd00:65::fe' }],
            ...(mode === undefined ? {} : { ipv6AddressMode: mode }),
          },
        },
      ],
    };
    const v6 = { ...context, ports: [port] };
    const data = JSON.parse(body(metadataAnswer(v6, '/openstack/latest/network_data.json')));
    assert.deepEqual(
      data.networks[0],
      {
        id: 'network0',
        type,
        link: 'tap6a3f5b2c-9d',
        ip_address: 'fd00:65::f816:3eff:feb2:374',
        netmask: 'ffff:ffff:ffff:ffff::',
        routes: [
          { network: '::', netmask: '::', gateway: 'fd00:65::1' },
          { network: 'fd00:99::', netmask: 'ffff:ffff:ffff::', gateway: 'fd00:65::fe' },
        ],
        network_id: port.networkId,
        services: [{ type: 'dns', address: 'fd00:65::53' }],
      },
      name,
    );
  }
});
