import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { SubnetRecord } from '../db/index.js';
import { formatIp, parseIp, SortedAddresses } from '../ipam/index.js';
import { allocateFixedIps } from './port-allocation.js';

function subnet(
  id: string,
  cidr: string,
  pools: { start: string; end: string }[],
  extra: Partial<SubnetRecord> = {},
): SubnetRecord {
  return {
    id,
    networkId: 'net',
    projectId: 'p',
    name: '',
    description: '',
    ipVersion: cidr.includes(':') ? 6 : 4,
    cidr,
    gatewayIp: null,
    enableDhcp: true,
    ipv6RaMode: null,
    ipv6AddressMode: null,
    allocationPools: pools,
    dnsNameservers: [],
    hostRoutes: [],
    serviceTypes: [],
    dnsPublishFixedIp: false,
    subnetpoolId: null,
    segmentId: null,
    tags: [],
    createdAt: '',
    updatedAt: '',
    revisionNumber: 0,
    ...extra,
  };
}

const v4 = (text: string) => (parseIp(text) as { ok: true; value: { value: bigint } }).value.value;

test('property: automatic choice stays in the pool and never returns an allocated address', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 10, max: 40 }), { maxLength: 30 }),
      fc.double({ min: 0, max: 0.999 }),
      (taken, r) => {
        const s = subnet('s', '10.0.0.0/24', [{ start: '10.0.0.10', end: '10.0.0.40' }]);
        const allocated = new Map([['s', SortedAddresses.from(taken.map((t) => v4(`10.0.0.${t}`)))]]);
        const context = {
          networkId: 'net',
          subnets: [s],
          allocated,
          deviceOwner: '',
          macAddress: 'fa:16:3e:00:00:01',
          random: () => r,
        };
        if (taken.length === 31) {
          assert.throws(() => allocateFixedIps(context, undefined), /No more IP addresses/);
          return;
        }
        const [ip] = allocateFixedIps(context, undefined);
        const last = Number(ip!.ipAddress.split('.')[3]);
        assert.ok(last >= 10 && last <= 40);
        assert.ok(!taken.includes(last));
        // The caller's set now holds the chosen address too (changed in place, no copy per port).
        assert.ok(allocated.get('s')!.has(v4(ip!.ipAddress)));
        assert.equal(allocated.get('s')!.list.length, taken.length + 1);
      },
    ),
    { numRuns: 300 },
  );
});

test('groups: one IPv4, one stateful IPv6, EUI-64 on SLAAC; the DHCP owner takes the lowest', () => {
  const subnets = [
    subnet('a', '10.0.0.0/24', [{ start: '10.0.0.2', end: '10.0.0.254' }]),
    subnet('b', '10.0.1.0/24', [{ start: '10.0.1.2', end: '10.0.1.254' }]),
    subnet('c', 'fd00::/64', [{ start: 'fd00::1', end: 'fd00::ffff' }]),
    subnet('d', '2001:db8::/64', [{ start: '2001:db8::1', end: '2001:db8::ffff' }], {
      ipv6RaMode: 'slaac',
      ipv6AddressMode: 'slaac',
    }),
  ];
  const context = {
    networkId: 'net',
    subnets,
    allocated: new Map([['a', SortedAddresses.from([v4('10.0.0.2')])]]),
    deviceOwner: 'network:dhcp',
    macAddress: 'fa:16:3e:00:00:01',
    random: () => 0.5,
  };
  const ips = allocateFixedIps(context, undefined);
  assert.deepEqual(ips, [
    { subnetId: 'a', ipAddress: '10.0.0.3' },
    { subnetId: 'c', ipAddress: 'fd00::1' },
    {
      subnetId: 'd',
      ipAddress: formatIp(
        6,
        (parseIp('2001:db8::f816:3eff:fe00:1') as { ok: true; value: { value: bigint } }).value.value,
      ),
    },
  ]);
});

test('named addresses are taken before subnet-only entries of the same request', () => {
  const s = subnet('s', '10.0.0.0/29', [{ start: '10.0.0.2', end: '10.0.0.3' }]);
  const context = {
    networkId: 'net',
    subnets: [s],
    allocated: new Map<string, SortedAddresses>(),
    deviceOwner: 'network:dhcp',
    macAddress: 'fa:16:3e:00:00:01',
    random: () => 0,
  };
  const ips = allocateFixedIps(context, [{ subnet_id: 's' }, { ip_address: '10.0.0.2' }]);
  assert.deepEqual(ips, [
    { subnetId: 's', ipAddress: '10.0.0.3' },
    { subnetId: 's', ipAddress: '10.0.0.2' },
  ]);
});

test('update: a free choice never returns an address the port keeps (named or reused), as Neutron', () => {
  // The caller removes the port's own addresses from `allocated`; with random() = 0 the lowest free address
  // of the pool is the kept 10.0.0.2, which a second address on the same subnet must not get (CI saw a 500:
  // the unique key on (subnet, ip) refused the duplicate, about 1 update in 250).
  const s = subnet('s', '10.0.0.0/29', [{ start: '10.0.0.2', end: '10.0.0.6' }]);
  const existing = [{ subnetId: 's', ipAddress: '10.0.0.2' }];
  for (const requested of [
    [{ subnet_id: 's', ip_address: '10.0.0.2' }, { subnet_id: 's' }],
    [{ subnet_id: 's' }, { subnet_id: 's' }],
  ]) {
    const context = {
      networkId: 'net',
      subnets: [s],
      allocated: new Map<string, SortedAddresses>(),
      deviceOwner: 'compute:nova',
      macAddress: 'fa:16:3e:00:00:01',
      random: () => 0,
    };
    assert.deepEqual(allocateFixedIps(context, requested, existing), [
      { subnetId: 's', ipAddress: '10.0.0.2' },
      { subnetId: 's', ipAddress: '10.0.0.3' },
    ]);
  }
});
