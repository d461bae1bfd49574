import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatIp } from './address.js';
import {
  classifySubnet,
  defaultGateway,
  isAutoAddressSubnet,
  isGatewayInvalid,
  isValidIpForSubnet,
  validateGateway,
  validateIpv6Modes,
  validateSubnetCidr,
} from './subnet-rules.js';
import { assertFailure, cidr, ip } from './testing/helpers.js';

describe('isValidIpForSubnet (spec 3.2)', () => {
  const table: [string, string, string, boolean][] = [
    // cidr, ip, device owner, valid
    ['10.20.0.0/24', '10.20.0.50', '', true],
    ['10.20.0.0/24', '10.20.0.1', 'compute:nova', true],
    ['10.20.0.0/24', '10.20.0.0', '', false],
    ['10.20.0.0/24', '10.20.0.255', '', false], // transcript 06: broadcast refused
    ['10.20.0.0/24', '10.99.0.5', '', false], // transcript 06: outside
    ['10.0.0.0/30', '10.0.0.3', '', false],
    ['10.0.0.0/30', '10.0.0.2', '', true],
    ['10.0.0.0/31', '10.0.0.0', '', false],
    ['10.0.0.0/31', '10.0.0.1', '', true],
    ['10.0.0.7/32', '10.0.0.7', '', false],
    ['2001:db8::/64', '2001:db8::', '', true], // owner unknown/empty → network address allowed
    ['2001:db8::/64', '2001:db8::', 'compute:nova', false],
    ['2001:db8::/64', '2001:db8::', 'network:router_interface', true],
    ['2001:db8::/64', '2001:db8::', 'network:router_gateway', true],
    ['2001:db8::/64', '2001:db8::ffff:ffff:ffff:ffff', 'compute:nova', true], // no broadcast in v6
    ['2001:db8::/64', '2001:db8:0:1::', 'compute:nova', false],
  ];
  for (const [c, addr, owner, expected] of table) {
    test(`${addr} in ${c} owner=${JSON.stringify(owner)} → ${expected}`, () => {
      assert.equal(isValidIpForSubnet(cidr(c), ip(addr), owner), expected);
    });
  }
});

describe('gateway rules', () => {
  test('isGatewayInvalid (table)', () => {
    const table: [string, string, boolean][] = [
      ['10.0.0.0/24', '10.0.0.0', true],
      ['10.0.0.0/24', '10.0.0.255', true],
      ['10.0.0.0/24', '10.0.0.1', false],
      ['10.0.0.0/24', '192.0.2.1', false], // outside is accepted
      ['10.0.0.0/31', '10.0.0.1', true], // Neutron uses the block's last address even for /31
      ['10.0.0.5/32', '10.0.0.5', true],
      ['2001:db8::/64', '2001:db8::', false],
      ['2001:db8::/64', '2001:db8::ffff:ffff:ffff:ffff', false],
    ];
    for (const [c, gw, expected] of table)
      assert.equal(isGatewayInvalid(cidr(c), ip(gw)), expected, `${gw} in ${c}`);
  });

  test('defaultGateway (spec 1.4 rule 8; transcript 03)', () => {
    const table: [string, string][] = [
      ['10.20.0.0/24', '10.20.0.1'],
      ['10.40.0.0/29', '10.40.0.1'],
      ['10.0.0.0/30', '10.0.0.1'],
      ['fd00:20::/64', 'fd00:20::'],
      ['2001:db8::/64', '2001:db8::'],
    ];
    for (const [c, gw] of table) {
      const parsed = cidr(c);
      assert.equal(formatIp(parsed.version, defaultGateway(parsed)), gw);
    }
  });

  test('validateGateway messages', () => {
    assert.deepEqual(validateGateway(cidr('10.0.0.0/24'), null), { ok: true, value: null });
    assert.deepEqual(validateGateway(cidr('10.0.0.0/24'), '10.0.0.254'), {
      ok: true,
      value: ip('10.0.0.254'),
    });
    assertFailure(
      validateGateway(cidr('10.0.0.0/24'), '10.0.0.255'),
      'InvalidInput',
      'Invalid input for operation: Gateway is not valid on subnet.',
    );
    assertFailure(
      validateGateway(cidr('10.0.0.0/24'), '2001:db8::1'),
      'InvalidInput',
      "Invalid input for operation: gateway_ip '2001:db8::1' does not match the ip_version '4'.",
    );
    assertFailure(
      validateGateway(cidr('10.0.0.0/24'), 'nope'),
      'HTTPBadRequest',
      "Invalid input for gateway_ip. Reason: 'nope' is not a valid IP address.",
    );
  });
});

describe('validateSubnetCidr (spec 1.4 rules 2, 3, 11)', () => {
  const refused: [string, 4 | 6, boolean, string][] = [
    ['10.0.0.0/24', 6, true, "cidr '10.0.0.0/24' does not match the ip_version '6'"],
    ['10.0.0.0/31', 4, true, 'Subnet has a prefix length that is incompatible with DHCP service enabled'],
    ['10.0.0.0/32', 4, true, 'Subnet has a prefix length that is incompatible with DHCP service enabled'],
    ['2001:db8::/127', 6, true, 'Subnet has a prefix length that is incompatible with DHCP service enabled'],
    ['224.0.0.0/24', 4, true, 'Multicast IP subnet is not supported if enable_dhcp is True'],
    ['ff02::/64', 6, true, 'Multicast IP subnet is not supported if enable_dhcp is True'],
    ['127.0.0.0/24', 4, true, 'Loopback IP subnet is not supported if enable_dhcp is True'],
    ['0.0.0.0/24', 4, true, "First IP '0.0.0.0' of network is not supported if enable_dhcp is True."],
    ['0.0.0.0/0', 4, false, '0 is not allowed as CIDR prefix length'],
  ];
  for (const [c, v, dhcp, msg] of refused) {
    test(`refuses ${c} (dhcp=${dhcp})`, () => {
      assertFailure(
        validateSubnetCidr(cidr(c), v, { enableDhcp: dhcp }),
        'InvalidInput',
        `Invalid input for operation: ${msg}.`,
      );
    });
  }
  const accepted: [string, 4 | 6, boolean][] = [
    ['10.0.0.0/30', 4, true],
    ['10.0.0.0/31', 4, false],
    ['10.0.0.0/32', 4, false],
    ['2001:db8::/126', 6, true],
    ['224.0.0.0/24', 4, false],
    ['2001:db8::/64', 6, true],
  ];
  for (const [c, v, dhcp] of accepted) {
    test(`accepts ${c} (dhcp=${dhcp})`, () =>
      assert.ok(validateSubnetCidr(cidr(c), v, { enableDhcp: dhcp }).ok));
  }
});

describe('IPv6 modes', () => {
  test('isAutoAddressSubnet and classifySubnet', () => {
    const table: [string, string | null, string | null, boolean, string][] = [
      ['2001:db8::/64', 'slaac', 'slaac', true, 'ipv6-auto'],
      ['2001:db8::/64', 'dhcpv6-stateless', null, true, 'ipv6-auto'],
      ['2001:db8::/64', null, 'slaac', true, 'ipv6-auto'],
      ['2001:db8::/64', 'dhcpv6-stateful', 'dhcpv6-stateful', false, 'ipv6-stateful'],
      ['2001:db8::/64', null, null, false, 'ipv6-stateful'],
      ['10.0.0.0/24', null, null, false, 'ipv4'],
    ];
    for (const [c, address, ra, auto, cls] of table) {
      const s = { cidr: cidr(c), ipv6AddressMode: address, ipv6RaMode: ra };
      assert.equal(isAutoAddressSubnet(s), auto);
      assert.equal(classifySubnet(s), cls);
    }
  });

  test('validateIpv6Modes (spec 1.4 rules 6, 7)', () => {
    const m = (a: string | null, r: string | null) => ({ ipv6AddressMode: a, ipv6RaMode: r });
    const pre = 'Invalid input for operation: ';
    assert.ok(validateIpv6Modes(cidr('2001:db8::/64'), m('slaac', 'slaac'), true).ok);
    assert.ok(validateIpv6Modes(cidr('2001:db8::/64'), m('slaac', null), true).ok);
    assert.ok(validateIpv6Modes(cidr('2001:db8::/80'), m('dhcpv6-stateful', null), true).ok);
    assert.ok(validateIpv6Modes(cidr('10.0.0.0/24'), m(null, null), false).ok);
    assertFailure(
      validateIpv6Modes(cidr('10.0.0.0/24'), m(null, 'slaac'), true),
      'InvalidInput',
      `${pre}ipv6_ra_mode is not valid when ip_version is 4.`,
    );
    assertFailure(
      validateIpv6Modes(cidr('10.0.0.0/24'), m('slaac', null), true),
      'InvalidInput',
      `${pre}ipv6_address_mode is not valid when ip_version is 4.`,
    );
    assertFailure(
      validateIpv6Modes(cidr('2001:db8::/64'), m('slaac', null), false),
      'InvalidInput',
      `${pre}ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False.`,
    );
    assertFailure(
      validateIpv6Modes(cidr('2001:db8::/64'), m('slaac', 'dhcpv6-stateful'), true),
      'InvalidInput',
      `${pre}ipv6_ra_mode set to 'dhcpv6-stateful' with ipv6_address_mode set to 'slaac' is not valid. If both attributes are set, they must be the same value.`,
    );
    assertFailure(
      validateIpv6Modes(cidr('2001:db8::/80'), m('slaac', null), true),
      'InvalidInput',
      `${pre}Invalid CIDR 2001:db8::/80 for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64.`,
    );
    assert.equal(validateIpv6Modes(cidr('2001:db8::/64'), m('bogus', null), true).ok, false);
  });
});
