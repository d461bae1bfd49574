import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BridgeSpec } from '../../linux/plumbing-commands.js';
import { desiredRouter, type RouterPlacement } from './desired-router.js';
import type { RouterPortSpec, RouterSpec } from './router-spec.js';

const placement: RouterPlacement = {
  namespacePrefix: 'p-',
  bridgeFor: ({ networkId }): BridgeSpec => ({
    bridge: `brq${networkId.slice(0, 11)}`,
    uplink: { kind: 'none' },
  }),
};

const tenant: RouterPortSpec = {
  portId: '11111111-aaaa-bbbb-cccc-000000000001',
  networkId: 'net-tenant-0000',
  macAddress: 'FA:16:3E:00:00:01',
  mtu: 1450,
  addresses: [
    { subnetId: 's4', ipAddress: '10.0.0.1', cidr: '10.0.0.0/24', ipVersion: 4, gatewayIp: '10.0.0.1' },
    { subnetId: 's6', ipAddress: '2001:db8:1::1', cidr: '2001:db8:1::/64', ipVersion: 6, gatewayIp: null },
  ],
};
const gateway: RouterPortSpec & { enableSnat: boolean } = {
  portId: '22222222-aaaa-bbbb-cccc-000000000002',
  networkId: 'net-external-0',
  macAddress: 'fa:16:3e:00:00:02',
  mtu: 0,
  enableSnat: true,
  addresses: [
    { subnetId: 'e4', ipAddress: '172.24.4.2', cidr: '172.24.4.0/24', ipVersion: 4, gatewayIp: '172.24.4.1' },
    {
      subnetId: 'e6',
      ipAddress: '2001:db8::2',
      cidr: '2001:db8::/64',
      ipVersion: 6,
      gatewayIp: '2001:db8::1',
    },
  ],
};

function spec(extra: Partial<RouterSpec> = {}): RouterSpec {
  return {
    id: 'r1',
    projectId: 'p',
    adminStateUp: true,
    gateway,
    interfaces: [tenant],
    floatingIps: [],
    routes: [],
    revision: 1,
    ...extra,
  };
}

const fip = (id: string, floating: string, fixed: string) => ({
  id,
  floatingIpAddress: floating,
  fixedIpAddress: fixed,
  portId: 'vm',
});

describe('desired router', () => {
  test('ports: names, bridge, MAC in lower case, MTU 0 = kernel default, addresses with prefix', () => {
    const desired = desiredRouter(spec(), placement);
    assert.equal(desired.namespace, 'p-qrouter-r1');
    assert.deepEqual(
      desired.ports.map((port) => [
        port.role,
        port.device,
        port.tap,
        port.bridge?.bridge,
        port.mac,
        port.mtu,
      ]),
      [
        ['interface', 'qr-11111111-aa', 'tap11111111-aa', 'brqnet-tenant-', 'fa:16:3e:00:00:01', 1450],
        ['gateway', 'qg-22222222-aa', 'tap22222222-aa', 'brqnet-externa', 'fa:16:3e:00:00:02', undefined],
      ],
    );
    assert.deepEqual(desired.ports[0]?.addresses, ['10.0.0.1/24', '2001:db8:1::1/64']);
    assert.deepEqual(desired.nat.internalSubnets, ['10.0.0.0/24'], 'IPv6 is not NATed');
  });

  const cases: ReadonlyArray<{
    name: string;
    spec: RouterSpec;
    routes?: Array<[string, string, string | undefined]>;
    snat?: string | undefined;
    floating?: Array<[string, string]>;
    gatewayAddresses?: string[];
    ignored?: RegExp[];
  }> = [
    {
      name: 'default routes of both families via the external subnets gateways',
      spec: spec(),
      routes: [
        ['default', '172.24.4.1', 'qg-22222222-aa'],
        ['default', '2001:db8::1', 'qg-22222222-aa'],
      ],
      snat: '172.24.4.2',
    },
    {
      name: 'enable_snat false: no SNAT address, floating IPs still mapped',
      spec: spec({
        gateway: { ...gateway, enableSnat: false },
        floatingIps: [fip('f', '172.24.4.10', '10.0.0.5')],
      }),
      snat: undefined,
      floating: [['172.24.4.10', '10.0.0.5']],
      gatewayAddresses: ['172.24.4.2/24', '2001:db8::2/64', '172.24.4.10/32'],
    },
    {
      name: 'no gateway: no default route, no SNAT, floating IPs cannot be served',
      spec: spec({ gateway: null, floatingIps: [fip('f', '172.24.4.10', '10.0.0.5')] }),
      routes: [],
      snat: undefined,
      floating: [],
    },
    {
      name: 'one floating IP per fixed IP and per address; non-IPv4 pairs left out with a reason',
      spec: spec({
        floatingIps: [
          fip('a', '172.24.4.10', '10.0.0.5'),
          fip('b', '172.24.4.11', '10.0.0.5'),
          fip('c', '172.24.4.10', '10.0.0.6'),
          fip('d', '2001:db8::10', '10.0.0.7'),
        ],
      }),
      floating: [['172.24.4.10', '10.0.0.5']],
      ignored: [/floating IP b/, /floating IP c/, /floating IP d: not an IPv4 pair/],
    },
    {
      name: 'extra routes: host routes as the kernel prints them; unreachable next hop left out',
      spec: spec({
        routes: [
          { destination: '192.168.50.0/24', nexthop: '10.0.0.5' },
          { destination: '192.168.60.7/32', nexthop: '10.0.0.5' },
          { destination: '2001:db8:9::/48', nexthop: '2001:db8:1::5' },
          { destination: '192.168.70.0/24', nexthop: '10.9.9.9' },
          { destination: '0.0.0.0/0', nexthop: '10.0.0.5' },
        ],
      }),
      routes: [
        ['default', '172.24.4.1', 'qg-22222222-aa'],
        ['default', '2001:db8::1', 'qg-22222222-aa'],
        ['192.168.50.0/24', '10.0.0.5', undefined],
        ['192.168.60.7', '10.0.0.5', undefined],
        ['2001:db8:9::/48', '2001:db8:1::5', undefined],
      ],
      ignored: [
        /192\.168\.70\.0\/24 via 10\.9\.9\.9: next hop on no subnet/,
        /default via 10\.0\.0\.5: another route has that destination/,
      ],
    },
    {
      name: 'a gateway outside its subnet is reached on-link',
      spec: spec({
        gateway: {
          ...gateway,
          addresses: [
            {
              subnetId: 'e',
              ipAddress: '172.24.4.2',
              cidr: '172.24.4.0/28',
              ipVersion: 4,
              gatewayIp: '172.24.5.1',
            },
          ],
        },
      }),
      routes: [['default', '172.24.5.1', 'qg-22222222-aa']],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const desired = desiredRouter(c.spec, placement);
      if (c.routes !== undefined)
        assert.deepEqual(
          desired.routes.map((route) => [route.destination, route.via, route.device]),
          c.routes,
        );
      if ('snat' in c) assert.equal(desired.nat.snatAddress, c.snat);
      if (c.floating !== undefined) assert.deepEqual([...desired.nat.floatingIps], c.floating);
      if (c.gatewayAddresses !== undefined)
        assert.deepEqual(
          desired.ports.find((port) => port.role === 'gateway')?.addresses,
          c.gatewayAddresses,
        );
      const ignored = c.ignored ?? [];
      assert.equal(desired.ignored.length, ignored.length, desired.ignored.join('; '));
      for (const [index, pattern] of ignored.entries()) assert.match(desired.ignored[index] ?? '', pattern);
    });
  }

  test('on-link flag', () => {
    const onLink = desiredRouter(
      spec({
        gateway: {
          ...gateway,
          addresses: [
            {
              subnetId: 'e',
              ipAddress: '172.24.4.2',
              cidr: '172.24.4.0/28',
              ipVersion: 4,
              gatewayIp: '172.24.5.1',
            },
          ],
        },
      }),
      placement,
    ).routes[0];
    assert.equal(onLink?.onLink, true);
    assert.equal(desiredRouter(spec(), placement).routes[0]?.onLink, false);
  });
});
