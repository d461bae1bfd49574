import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatIp } from './address.js';
import { chooseAddress } from './choose.js';
import { cidrContains } from './cidr.js';
import { defaultAllocationPools } from './pools.js';
import {
  type AllocationStep,
  type FixedIpRequest,
  planPortAllocation,
  type SubnetInfo,
  selectCandidateSubnets,
  validateFixedIps,
} from './port-plan.js';
import { defaultGateway } from './subnet-rules.js';
import { assertFailure, cidr } from './test-helpers.js';

const NET = '2f92db00-8bcc-4557-9d6d-e3971b458558';
const MAC = 'fa:16:3e:00:00:01';

function subnet(id: string, c: string, extra: Partial<SubnetInfo> = {}): SubnetInfo {
  return { id, cidr: cidr(c), ipv6AddressMode: null, ipv6RaMode: null, ...extra };
}

const v4a = subnet('11111111-1111-1111-1111-111111111111', '10.20.0.0/24');
const v4b = subnet('22222222-2222-2222-2222-222222222222', '10.21.0.0/24');
const v6s = subnet('33333333-3333-3333-3333-333333333333', 'fd00:20::/64', {
  ipv6AddressMode: 'dhcpv6-stateful',
  ipv6RaMode: 'dhcpv6-stateful',
});
const slaac = subnet('44444444-4444-4444-4444-444444444444', '2001:db8::/64', {
  ipv6AddressMode: 'slaac',
  ipv6RaMode: 'slaac',
});

/** Compact rendering of a plan for table comparisons. */
function render(steps: readonly AllocationStep[]): string[] {
  return steps.map((s) => {
    if (s.kind === 'specific') return `specific ${s.subnetId.slice(0, 1)} ${s.ipText}`;
    if (s.kind === 'any') return `any ${s.group} ${s.subnetIds.map((id) => id.slice(0, 1)).join('')}`;
    return `eui64 ${s.subnetId.slice(0, 1)} ${s.ipText}`;
  });
}

function plan(
  candidates: SubnetInfo[],
  fixedIps: FixedIpRequest[] | undefined,
  deviceOwner = 'compute:nova',
) {
  return planPortAllocation({ candidates, deviceOwner, mac: MAC, fixedIps });
}

describe('selectCandidateSubnets (spec 3.3)', () => {
  test('tempest service-types scenario (spec 8.3)', () => {
    const s1 = subnet('a', '192.168.1.0/24', { serviceTypes: ['test:type_1', 'network:distributed'] });
    const s2 = subnet('b', '192.168.2.0/24', { serviceTypes: ['test:type_2', 'network:distributed'] });
    const r1 = selectCandidateSubnets(NET, [s1, s2], 'test:type_1');
    assert.ok(r1.ok);
    if (r1.ok)
      assert.deepEqual(
        r1.value.map((s) => s.id),
        ['a'],
      );
    const r2 = selectCandidateSubnets(NET, [s1, s2], 'test:type_2');
    assert.ok(r2.ok);
    if (r2.ok)
      assert.deepEqual(
        r2.value.map((s) => s.id),
        ['b'],
      );
    const both = selectCandidateSubnets(NET, [s1, s2], 'network:distributed');
    assert.ok(both.ok && both.value.length === 2);
  });

  test('typed subnets first; DHCP ports may use any DHCP-enabled subnet', () => {
    const plain = subnet('p', '10.0.0.0/24');
    const typed = subnet('t', '10.0.1.0/24', { serviceTypes: ['compute:nova'], enableDhcp: true });
    const other = subnet('o', '10.0.2.0/24', { serviceTypes: ['x:y'], enableDhcp: true });
    const off = subnet('f', '10.0.3.0/24', { serviceTypes: ['x:y'], enableDhcp: false });
    const r = selectCandidateSubnets(NET, [plain, typed, other, off], 'compute:nova');
    assert.ok(r.ok);
    if (r.ok)
      assert.deepEqual(
        r.value.map((s) => s.id),
        ['t', 'p'],
      );
    const dhcp = selectCandidateSubnets(NET, [plain, typed, other, off], 'network:dhcp');
    assert.ok(dhcp.ok);
    if (dhcp.ok)
      assert.deepEqual(
        dhcp.value.map((s) => s.id),
        ['t', 'o', 'p'],
      );
  });

  test('no subnets → []; subnets but none matching → 409', () => {
    assert.deepEqual(selectCandidateSubnets(NET, [], 'compute:nova'), { ok: true, value: [] });
    const r = selectCandidateSubnets(
      NET,
      [subnet('o', '10.0.2.0/24', { serviceTypes: ['x:y'] })],
      'compute:nova',
    );
    assertFailure(
      r,
      'IpAddressGenerationFailureNoMatchingSubnet',
      `No valid service subnet for the given device owner, network ${NET}, service type compute:nova.`,
    );
    assert.equal(r.ok ? 0 : r.status, 409);
  });
});

describe('planPortAllocation (spec 3.4)', () => {
  const table: [string, SubnetInfo[], FixedIpRequest[] | undefined, string, string[]][] = [
    [
      'automatic: one v4 group, one v6-stateful group, EUI-64 on SLAAC',
      [v4a, v4b, v6s, slaac],
      undefined,
      'compute:nova',
      ['any ipv4 12', 'any ipv6-stateful 3', 'eui64 4 2001:db8::f816:3eff:fe00:1'],
    ],
    ['router interface gets no EUI-64', [v4a, slaac], undefined, 'network:router_interface', ['any ipv4 1']],
    ['fixed_ips: [] plans nothing', [v4a, slaac], [], 'compute:nova', []],
    [
      'addresses first, then subnet-only entries, then EUI-64',
      [v4a, v4b, slaac],
      [{ subnetId: v4b.id }, { ipAddress: '10.20.0.50' }, { subnetId: v4a.id, ipAddress: '10.20.0.51' }],
      'compute:nova',
      [
        'specific 1 10.20.0.50',
        'specific 1 10.20.0.51',
        'any requested 2',
        'eui64 4 2001:db8::f816:3eff:fe00:1',
      ],
    ],
    [
      'ip-only entry picks the first candidate where it is valid',
      [v4a, v4b],
      [{ ipAddress: '10.21.0.9' }],
      'compute:nova',
      ['specific 2 10.21.0.9'],
    ],
    [
      'duplicate subnet ids: two addresses from one subnet',
      [v4a],
      [{ subnetId: v4a.id }, { subnetId: v4a.id }],
      '',
      ['any requested 1', 'any requested 1'],
    ],
    [
      'subnet-only entry for a SLAAC subnet is dropped (EUI-64 comes anyway)',
      [slaac],
      [{ subnetId: slaac.id }],
      '',
      ['eui64 4 2001:db8::f816:3eff:fe00:1'],
    ],
    [
      'router interface may name an address on a SLAAC subnet',
      [slaac],
      [{ subnetId: slaac.id, ipAddress: '2001:db8::1' }],
      'network:router_interface',
      ['specific 4 2001:db8::1'],
    ],
    [
      'empty owner may take the IPv6 network address',
      [v6s],
      [{ ipAddress: 'fd00:20::' }],
      '',
      ['specific 3 fd00:20::'],
    ],
  ];
  for (const [name, candidates, fixedIps, owner, expected] of table) {
    test(name, () => {
      const r = plan(candidates, fixedIps, owner);
      assert.ok(r.ok, r.ok ? '' : r.message);
      if (r.ok) assert.deepEqual(render(r.value), expected);
    });
  }

  test('errors, with Neutron messages (transcript 06 for InvalidIpForSubnet)', () => {
    assertFailure(
      plan([v4a], [{ subnetId: v4a.id, ipAddress: '10.99.0.5' }]),
      'InvalidIpForSubnet',
      'IP address 10.99.0.5 is not a valid IP for the specified subnet.',
    );
    assertFailure(
      plan([v4a], [{ subnetId: v4a.id, ipAddress: '10.20.0.255' }]),
      'InvalidIpForSubnet',
      'IP address 10.20.0.255 is not a valid IP for the specified subnet.',
    );
    assertFailure(
      plan([v4a, v4b], [{ ipAddress: '192.0.2.1' }]),
      'InvalidIpForNetwork',
      'IP address 192.0.2.1 is not a valid IP for any of the subnets on the specified network.',
    );
    assertFailure(
      plan([v4a], [{ subnetId: '99999999-9999-9999-9999-999999999999' }]),
      'SubnetNotFound',
      'Subnet 99999999-9999-9999-9999-999999999999 could not be found.',
    );
    assertFailure(
      plan([v4a], [{}]),
      'InvalidInput',
      'Invalid input for operation: IP allocation requires subnet_id or ip_address.',
    );
    assertFailure(
      plan([], [{ ipAddress: '10.0.0.5' }]),
      'InvalidInput',
      'Invalid input for operation: IP allocation requires subnets for network.',
    );
    assertFailure(
      plan([slaac], [{ subnetId: slaac.id, ipAddress: '2001:db8::5' }]),
      'AllocationOnAutoAddressSubnet',
      `IPv6 address 2001:db8::5 cannot be directly assigned to a port on subnet ${slaac.id} as the subnet is configured for automatic addresses`,
    );
    assertFailure(
      plan([v6s], [{ ipAddress: 'fd00:20::' }], 'compute:nova'),
      'InvalidIpForNetwork',
      'IP address fd00:20:: is not a valid IP for any of the subnets on the specified network.',
    );
  });

  test('a plan executed against default pools gives addresses inside the subnets (transcript 08 shape)', () => {
    const small = subnet('55555555-5555-5555-5555-555555555555', '10.40.0.0/29');
    const pools = defaultAllocationPools(small.cidr, defaultGateway(small.cidr));
    const allocated: bigint[] = [];
    for (let i = 0; i < 5; i++) {
      const r = plan([small], undefined);
      assert.ok(r.ok);
      if (!r.ok) return;
      const step = r.value[0];
      assert.ok(step?.kind === 'any');
      const got = chooseAddress(pools, allocated, { preferNext: false, random: Math.random });
      assert.ok(got !== undefined && cidrContains(small.cidr, got));
      allocated.push(got);
    }
    assert.deepEqual(allocated.map((a) => formatIp(4, a)).sort(), [
      '10.40.0.2',
      '10.40.0.3',
      '10.40.0.4',
      '10.40.0.5',
      '10.40.0.6',
    ]);
    assert.equal(chooseAddress(pools, allocated, { preferNext: false, random: Math.random }), undefined);
  });
});

describe('validateFixedIps (API validator)', () => {
  test('messages', () => {
    assert.ok(validateFixedIps([{ subnetId: v4a.id }, { subnetId: v4a.id }]).ok);
    assertFailure(
      validateFixedIps([{ ipAddress: 'not-an-ip' }]),
      'HTTPBadRequest',
      "Invalid input for fixed_ips. Reason: 'not-an-ip' is not a valid IP address.",
    );
    assertFailure(
      validateFixedIps([{ ipAddress: '10.0.0.5' }, { ipAddress: '10.0.0.5' }]),
      'HTTPBadRequest',
      "Invalid input for fixed_ips. Reason: Duplicate IP address '10.0.0.5'.",
    );
    assertFailure(
      validateFixedIps([{ subnetId: 'sub-basic' }]),
      'HTTPBadRequest',
      "Invalid input for fixed_ips. Reason: 'sub-basic' is not a valid UUID.",
    );
  });
});
