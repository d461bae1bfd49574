import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DhcpDeviceSpec } from '../../../linux/plumbing-commands.js';
import { dhcpPortIpv4Addresses, dhcpPortIpv6Addresses } from './served-dns.js';

test('DNS listens on the DHCP port’s addresses: IPv4, and IPv6 but not the link-local metadata address', () => {
  const table: [string[], string[], string[]][] = [
    [['10.0.0.2/24', '169.254.169.254/32'], ['10.0.0.2'], []],
    [
      ['10.0.0.2/24', 'fd00:65::2/64', '169.254.169.254/32', 'fe80::a9fe:a9fe/64'],
      ['10.0.0.2'],
      ['fd00:65::2'],
    ],
    [['fd00:65::f816:3eff:fe00:2/64', '2001:db8::2/64'], [], ['fd00:65::f816:3eff:fe00:2', '2001:db8::2']],
    [['FE80::1/64'], [], []],
  ];
  for (const [addresses, ipv4, ipv6] of table) {
    const device = { addresses } as unknown as DhcpDeviceSpec;
    assert.deepEqual(
      dhcpPortIpv4Addresses(device).map((entry) => entry.address),
      ipv4,
      addresses.join(' '),
    );
    assert.deepEqual(dhcpPortIpv6Addresses(device), ipv6, addresses.join(' '));
  }
});
