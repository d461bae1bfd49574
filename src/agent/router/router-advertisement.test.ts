import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routerInterfaceAdvertisement } from './router-advertisement.js';
import type { RouterPortAddress, RouterPortSpec } from './router-spec.js';

function port(addresses: readonly RouterPortAddress[], mtu = 1450): RouterPortSpec {
  return { portId: 'p1', networkId: 'n1', macAddress: 'fa:16:3e:00:00:01', mtu, addresses };
}

function v6(cidr: string, mode: string | null | undefined, dns: readonly string[] = []): RouterPortAddress {
  const network = cidr.slice(0, cidr.indexOf('/'));
  return {
    subnetId: cidr,
    ipAddress: `${network}1`,
    cidr,
    ipVersion: 6,
    gatewayIp: `${network}1`,
    ...(mode !== undefined && { ipv6RaMode: mode }),
    dnsNameservers: dns,
  };
}

const v4: RouterPortAddress = {
  subnetId: 'v4',
  ipAddress: '10.0.0.1',
  cidr: '10.0.0.0/24',
  ipVersion: 4,
  gatewayIp: '10.0.0.1',
};

test('router RA as Neutron’s radvd.conf: flags per mode, A on slaac/stateless, lifetime 300 s, MTU', () => {
  // [modes of the port's IPv6 subnets, M, O, A of each prefix]
  const rows: ReadonlyArray<[readonly string[], boolean, boolean, readonly boolean[]]> = [
    [['slaac'], false, false, [true]],
    [['dhcpv6-stateless'], false, true, [true]],
    [['dhcpv6-stateful'], true, false, [false]],
    [['slaac', 'dhcpv6-stateful'], true, false, [true, false]],
    [['dhcpv6-stateless', 'dhcpv6-stateful'], true, true, [true, false]],
  ];
  for (const [modes, managed, other, autonomous] of rows) {
    const ra = routerInterfaceAdvertisement(
      port([v4, ...modes.map((mode, i) => v6(`fd00:${i + 1}::/64`, mode))]),
    );
    assert.ok(ra, modes.join());
    assert.deepEqual(
      [ra.managed, ra.other, ra.prefixes.map((p) => p.autonomous), ra.routerLifetimeSeconds, ra.mtu],
      [managed, other, autonomous, 300, 1450],
      modes.join(),
    );
    assert.deepEqual(
      ra.prefixes.map((p) => [p.length, p.validSeconds, p.preferredSeconds]),
      modes.map(() => [64, 86_400, 14_400]),
    );
    assert.deepEqual([...(ra.sourceMac ?? [])], [0xfa, 0x16, 0x3e, 0, 0, 1]);
  }
});

test('router RA: none for IPv4 only or IPv6 without ipv6_ra_mode; MTU below 1280 left out', () => {
  assert.equal(routerInterfaceAdvertisement(port([v4])), undefined);
  assert.equal(routerInterfaceAdvertisement(port([v6('fd00:1::/64', null)])), undefined);
  assert.equal(routerInterfaceAdvertisement(port([v6('fd00:1::/64', undefined)])), undefined);
  const only = routerInterfaceAdvertisement(port([v6('fd00:1::/64', null), v6('fd00:2::/64', 'slaac')]));
  assert.deepEqual(
    only?.prefixes.map((p) => p.prefix),
    [0xfd000002n << 96n],
  );
  assert.equal(routerInterfaceAdvertisement(port([v6('fd00:1::/64', 'slaac')], 1200))?.mtu, undefined);
  assert.equal(routerInterfaceAdvertisement(port([v6('fd00:1::/64', 'slaac')], 1280))?.mtu, 1280);
});

test('router RA: RDNSS from the slaac subnets’ dns_nameservers only, at most 3, lifetime 200 s', () => {
  const ra = routerInterfaceAdvertisement(
    port([
      v6('fd00:1::/64', 'slaac', ['fd00:1::53', 'fd00:1::54', '10.0.0.53']),
      v6('fd00:2::/64', 'dhcpv6-stateless', ['fd00:2::53']),
      v6('fd00:3::/64', 'slaac', ['fd00:3::53', 'fd00:3::54', 'fd00:1::53']),
    ]),
  );
  assert.deepEqual(ra?.dnsServers, [
    (0xfd000001n << 96n) | 0x53n,
    (0xfd000001n << 96n) | 0x54n,
    (0xfd000003n << 96n) | 0x53n,
  ]);
  assert.equal(ra?.dnsLifetimeSeconds, 200);
  const none = routerInterfaceAdvertisement(port([v6('fd00:2::/64', 'dhcpv6-stateless', ['fd00:2::53'])]));
  assert.deepEqual(none?.dnsServers, []);
});
