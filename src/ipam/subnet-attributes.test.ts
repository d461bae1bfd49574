import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateDnsNameservers, validateHostRoutes } from './subnet-attributes.js';
import { assertFailure } from './testing/helpers.js';

const BAD_ATTR = 'HTTPBadRequest';

describe('validateDnsNameservers', () => {
  test('accepts and preserves order (transcript 03)', () => {
    assert.deepEqual(validateDnsNameservers(4, ['192.0.2.53', '192.0.2.54']), {
      ok: true,
      value: ['192.0.2.53', '192.0.2.54'],
    });
    assert.deepEqual(validateDnsNameservers(4, []), { ok: true, value: [] });
  });

  const refused: [4 | 6, string[], string, string][] = [
    [
      4,
      ['192.0.2.53', 'dns.example'],
      BAD_ATTR,
      "Invalid input for dns_nameservers. Reason: 'dns.example' is not a valid nameserver. 'dns.example' is not a valid IP address.",
    ],
    [
      4,
      ['192.0.2.53', '192.0.2.53'],
      BAD_ATTR,
      "Invalid input for dns_nameservers. Reason: Duplicate nameserver '192.0.2.53'.",
    ],
    [
      6,
      ['2001:db8::1', '2001:DB8::1'],
      BAD_ATTR,
      "Invalid input for dns_nameservers. Reason: Duplicate nameserver '2001:DB8::1'.",
    ],
    [
      4,
      ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5', '192.0.2.6'],
      'DNSNameServersExhausted',
      'Unable to complete operation for new subnet. The number of DNS nameservers exceeds the limit 5.',
    ],
    [
      4,
      ['2001:db8::1'],
      'InvalidInput',
      "Invalid input for operation: dns_nameserver '2001:db8::1' does not match the ip_version '4'.",
    ],
  ];
  for (const [version, list, type, message] of refused) {
    test(`refuses ${list.join(',')}`, () =>
      assertFailure(validateDnsNameservers(version, list), type, message));
  }

  test('limit message names the subnet on update, and the limit is configurable', () => {
    assertFailure(
      validateDnsNameservers(4, ['192.0.2.1', '192.0.2.2'], { subnetId: 'abc', maxDnsNameservers: 1 }),
      'DNSNameServersExhausted',
      'Unable to complete operation for abc. The number of DNS nameservers exceeds the limit 1.',
    );
  });
});

describe('validateHostRoutes', () => {
  test('accepts transcript 03 routes and returns canonical text', () => {
    const routes = [
      { destination: '172.31.0.0/16', nexthop: '10.21.0.1' },
      { destination: '198.51.100.0/24', nexthop: '10.21.0.2' },
    ];
    assert.deepEqual(validateHostRoutes(4, routes), { ok: true, value: routes });
    assert.deepEqual(validateHostRoutes(6, [{ destination: '2001:DB8:1::/48', nexthop: '2001:db8::0001' }]), {
      ok: true,
      value: [{ destination: '2001:db8:1::/48', nexthop: '2001:db8::1' }],
    });
    assert.deepEqual(validateHostRoutes(4, [{ destination: '0.0.0.0/0', nexthop: '10.0.0.1' }]).ok, true);
  });

  const R = (destination: string, nexthop: string) => ({ destination, nexthop });
  const pre = 'Invalid input for host_routes. Reason: ';
  const refused: [4 | 6, { destination: string; nexthop: string }[], string, string][] = [
    [
      4,
      [R('10.0.0.5/24', '10.0.0.1')],
      BAD_ATTR,
      `${pre}'10.0.0.5/24' is not a recognized CIDR, '10.0.0.0/24' is recommended.`,
    ],
    [
      4,
      [R('10.0.0.5', '10.0.0.1')],
      BAD_ATTR,
      `${pre}'10.0.0.5' is not a recognized CIDR, '10.0.0.5/32' is recommended.`,
    ],
    [4, [R('127.0.0.0/8', '10.0.0.1')], BAD_ATTR, `${pre}'127.0.0.0/8' is not a routable CIDR.`],
    [4, [R('banana', '10.0.0.1')], BAD_ATTR, `${pre}'banana' is not a valid CIDR.`],
    [4, [R('10.1.0.0/16', 'gw')], BAD_ATTR, `${pre}'gw' is not a valid IP address.`],
    [
      4,
      [R('10.1.0.0/16', '10.0.0.1'), R('10.1.0.0/16', '10.0.0.1')],
      BAD_ATTR,
      `${pre}Duplicate hostroute '{'destination': '10.1.0.0/16', 'nexthop': '10.0.0.1'}'.`,
    ],
    [
      4,
      Array.from({ length: 21 }, (_, i) => R(`10.${i + 1}.0.0/16`, '10.0.0.1')),
      'HostRoutesExhausted',
      'Unable to complete operation for new subnet. The number of host routes exceeds the limit 20.',
    ],
    [
      4,
      [R('10.1.0.0/16', '2001:db8::1')],
      'InvalidInput',
      "Invalid input for operation: nexthop '2001:db8::1' does not match the ip_version '4'.",
    ],
    [
      4,
      [R('2001:db8::/64', '10.0.0.1')],
      'InvalidInput',
      "Invalid input for operation: destination '2001:db8::/64' does not match the ip_version '4'.",
    ],
  ];
  for (const [version, routes, type, message] of refused) {
    test(`refuses ${routes[0]?.destination} via ${routes[0]?.nexthop} (${routes.length})`, () =>
      assertFailure(validateHostRoutes(version, routes), type, message));
  }
});
