import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  allocationPoolsForApi,
  type SubnetCreateRequest,
  type ValidatedSubnet,
  validateSubnetCreate,
  validateSubnetUpdate,
} from './subnet-request.js';
import { assertFailure, cidr } from './testing/helpers.js';

const NET = '2f92db00-8bcc-4557-9d6d-e3971b458558';
const ctx = { networkId: NET, otherSubnetCidrs: [cidr('10.20.0.0/24')] };
const base: SubnetCreateRequest = {
  ipVersion: 4,
  cidr: '10.21.0.0/24',
  enableDhcp: true,
  ipv6RaMode: null,
  ipv6AddressMode: null,
};

function created(req: Partial<SubnetCreateRequest>): ValidatedSubnet {
  const r = validateSubnetCreate({ ...base, ...req }, { ...ctx, otherSubnetCidrs: [] });
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

describe('validateSubnetCreate (transcript 03 variants)', () => {
  test('sub-basic: defaults', () => {
    const s = created({ cidr: '10.20.0.0/24' });
    assert.equal(s.gatewayIp, '10.20.0.1');
    assert.deepEqual(allocationPoolsForApi(s), [{ start: '10.20.0.2', end: '10.20.0.254' }]);
    assert.deepEqual(s.dnsNameservers, []);
    assert.deepEqual(s.hostRoutes, []);
  });

  test('sub-full: pools, gateway, DNS and routes as given', () => {
    const s = created({
      cidr: '10.21.0.0/24',
      gatewayIp: '10.21.0.254',
      allocationPools: [
        { start: '10.21.0.100', end: '10.21.0.150' },
        { start: '10.21.0.200', end: '10.21.0.210' },
      ],
      dnsNameservers: ['192.0.2.53', '192.0.2.54'],
      hostRoutes: [
        { destination: '172.31.0.0/16', nexthop: '10.21.0.1' },
        { destination: '198.51.100.0/24', nexthop: '10.21.0.2' },
      ],
    });
    assert.equal(s.gatewayIp, '10.21.0.254');
    assert.deepEqual(allocationPoolsForApi(s), [
      { start: '10.21.0.100', end: '10.21.0.150' },
      { start: '10.21.0.200', end: '10.21.0.210' },
    ]);
    assert.deepEqual(s.dnsNameservers, ['192.0.2.53', '192.0.2.54']);
  });

  test('sub-nogw: gateway null → pool .1–.254; sub-nodhcp keeps default pools', () => {
    const s = created({ cidr: '10.23.0.0/24', gatewayIp: null });
    assert.equal(s.gatewayIp, null);
    assert.deepEqual(allocationPoolsForApi(s), [{ start: '10.23.0.1', end: '10.23.0.254' }]);
    assert.deepEqual(allocationPoolsForApi(created({ cidr: '10.22.0.0/24', enableDhcp: false })), [
      { start: '10.22.0.2', end: '10.22.0.254' },
    ]);
  });

  test('sub-v6 stateful: gateway is the network address, pool from ::1', () => {
    const s = created({
      ipVersion: 6,
      cidr: 'fd00:20::/64',
      ipv6AddressMode: 'dhcpv6-stateful',
      ipv6RaMode: 'dhcpv6-stateful',
    });
    assert.equal(s.gatewayIp, 'fd00:20::');
    assert.deepEqual(allocationPoolsForApi(s), [
      { start: 'fd00:20::1', end: 'fd00:20::ffff:ffff:ffff:ffff' },
    ]);
  });

  test('host bits are cleared', () =>
    assert.equal(created({ cidr: '10.0.0.5/24' }).cidr.text, '10.0.0.0/24'));

  test('errors from transcript 07', () => {
    assertFailure(
      validateSubnetCreate({ ...base, cidr: '10.30.0.0/33' }, ctx),
      'InvalidInput',
      'Invalid input for operation: 10.30.0.0/33 is not in a CIDR format.',
    );
    assertFailure(
      validateSubnetCreate({ ...base, cidr: '10.20.0.128/25' }, ctx),
      'InvalidInput',
      `Invalid input for operation: Requested subnet with cidr: 10.20.0.128/25 for network: ${NET} overlaps with another subnet.`,
    );
    assertFailure(
      validateSubnetCreate(
        { ...base, cidr: '10.31.0.0/24', allocationPools: [{ start: '10.32.0.10', end: '10.32.0.20' }] },
        ctx,
      ),
      'OutOfBoundsAllocationPool',
      'The allocation pool 10.32.0.10-10.32.0.20 spans beyond the subnet cidr 10.31.0.0/24.',
    );
    assertFailure(
      validateSubnetCreate(
        {
          ...base,
          cidr: '10.31.0.0/24',
          gatewayIp: '10.31.0.10',
          allocationPools: [{ start: '10.31.0.5', end: '10.31.0.20' }],
        },
        ctx,
      ),
      'GatewayConflictWithAllocationPools',
      'Gateway ip 10.31.0.10 conflicts with allocation pool 10.31.0.5-10.31.0.20.',
    );
  });

  test('other create errors in order', () => {
    assertFailure(
      validateSubnetCreate({ ...base, ipVersion: 6 }, ctx),
      'InvalidInput',
      "Invalid input for operation: cidr '10.21.0.0/24' does not match the ip_version '6'.",
    );
    assertFailure(
      validateSubnetCreate({ ...base, cidr: '0.0.0.0/0', enableDhcp: false }, ctx),
      'InvalidInput',
      'Invalid input for operation: 0 is not allowed as CIDR prefix length.',
    );
    assertFailure(
      validateSubnetCreate({ ...base, gatewayIp: '10.21.0.0' }, ctx),
      'InvalidInput',
      'Invalid input for operation: Gateway is not valid on subnet.',
    );
    assertFailure(
      validateSubnetCreate({ ...base, ipv6RaMode: 'slaac' }, ctx),
      'InvalidInput',
      'Invalid input for operation: ipv6_ra_mode is not valid when ip_version is 4.',
    );
    // A gateway outside the CIDR is accepted and leaves the default pools whole.
    const outside = validateSubnetCreate({ ...base, gatewayIp: '192.0.2.1' }, ctx);
    assert.ok(outside.ok);
    if (outside.ok)
      assert.deepEqual(allocationPoolsForApi(outside.value), [{ start: '10.21.0.1', end: '10.21.0.254' }]);
  });
});

describe('validateSubnetUpdate', () => {
  const sub = created({ cidr: '10.20.0.0/24' });

  test('transcript 03: merged pools that overlap → 409 with the exact message', () => {
    assertFailure(
      validateSubnetUpdate(sub, {
        allocationPools: [
          { start: '10.20.0.240', end: '10.20.0.250' },
          { start: '10.20.0.2', end: '10.20.0.254' },
        ],
        dnsNameservers: ['192.0.2.55'],
      }),
      'OverlappingAllocationPools',
      'Found overlapping allocation pools: 10.20.0.240-10.20.0.250 10.20.0.2-10.20.0.254 for subnet 10.20.0.0/24.',
    );
  });

  test('DNS list replaced, routes replaced, pools kept', () => {
    const r = validateSubnetUpdate(sub, { dnsNameservers: ['192.0.2.99'], hostRoutes: [] });
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.deepEqual(r.value.dnsNameservers, ['192.0.2.99']);
    assert.deepEqual(allocationPoolsForApi(r.value), allocationPoolsForApi(sub));
  });

  test('a new gateway inside the current pools → 409; outside → ok, pools unchanged', () => {
    assertFailure(
      validateSubnetUpdate(sub, { gatewayIp: '10.20.0.50' }),
      'GatewayConflictWithAllocationPools',
      'Gateway ip 10.20.0.50 conflicts with allocation pool 10.20.0.2-10.20.0.254.',
    );
    const moved = validateSubnetUpdate(sub, {
      gatewayIp: '10.20.0.254',
      allocationPools: [{ start: '10.20.0.2', end: '10.20.0.253' }],
    });
    assert.ok(moved.ok);
    if (moved.ok) assert.equal(moved.value.gatewayIp, '10.20.0.254');
    const none = validateSubnetUpdate(sub, { gatewayIp: null });
    assert.ok(none.ok && none.value.gateway === null);
  });

  test('DHCP rules on off→on; IPv6 modes forbid turning DHCP off', () => {
    const tiny = created({ cidr: '10.0.0.0/31', enableDhcp: false });
    assertFailure(
      validateSubnetUpdate(tiny, { enableDhcp: true }),
      'InvalidInput',
      'Invalid input for operation: Subnet has a prefix length that is incompatible with DHCP service enabled.',
    );
    const v6 = created({
      ipVersion: 6,
      cidr: '2001:db8::/64',
      ipv6AddressMode: 'slaac',
      ipv6RaMode: 'slaac',
    });
    assertFailure(
      validateSubnetUpdate(v6, { enableDhcp: false }),
      'InvalidInput',
      'Invalid input for operation: Cannot disable enable_dhcp with ipv6 attributes set.',
    );
  });
});
