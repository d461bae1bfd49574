import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AdvertisedSubnetFacts, subnetAdvertiser } from './subnet-advertiser.js';

test('subnetAdvertiser: exactly one of router and DHCP namespace advertises a subnet with ipv6_ra_mode', () => {
  const rows: ReadonlyArray<[AdvertisedSubnetFacts, boolean, ReturnType<typeof subnetAdvertiser>]> = [
    [{ ip_version: 4 }, false, undefined],
    [{ ip_version: 4 }, true, undefined],
    [{ ip_version: 4, ipv6_ra_mode: 'slaac' }, true, undefined], // nonsense on IPv4: ignored
    [{ ip_version: 6, ipv6_ra_mode: null }, false, undefined], // address mode only: an external router's RAs
    [{ ip_version: 6, ipv6_ra_mode: null }, true, undefined],
    [{ ip_version: 6 }, true, undefined],
    [{ ip_version: 6, ipv6_ra_mode: 'slaac' }, false, 'dhcp'],
    [{ ip_version: 6, ipv6_ra_mode: 'slaac' }, true, 'router'],
    [{ ip_version: 6, ipv6_ra_mode: 'dhcpv6-stateless' }, false, 'dhcp'],
    [{ ip_version: 6, ipv6_ra_mode: 'dhcpv6-stateless' }, true, 'router'],
    [{ ip_version: 6, ipv6_ra_mode: 'dhcpv6-stateful' }, false, 'dhcp'],
    [{ ip_version: 6, ipv6_ra_mode: 'dhcpv6-stateful' }, true, 'router'],
  ];
  for (const [subnet, onRouter, expected] of rows)
    assert.equal(
      subnetAdvertiser(subnet, onRouter),
      expected,
      `${JSON.stringify(subnet)} on router: ${onRouter}`,
    );
});
