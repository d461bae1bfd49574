/**
 * Every combination of the two Neutron IPv6 modes (null + 3 values each), with DHCP on and off: what
 * Neutron's API says (spec §1.4 rule 7) and what DHCPv6 service the subnet gets (spec §5.9).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { show } from '../dhcpv6/testing/values.js';
import type { Ipv6Mode } from '../ipam/index.js';
import { subnetService } from './subnet-service.js';
import { subnet } from './testing/tables.js';

const MODES: (Ipv6Mode | null)[] = [null, 'slaac', 'dhcpv6-stateless', 'dhcpv6-stateful'];

/** Expected service per [address mode][ra mode] with DHCP enabled; 'refused' where Neutron's API says 400. */
function expected(
  address: Ipv6Mode | null,
  ra: Ipv6Mode | null,
): 'stateful' | 'stateless' | 'none' | 'refused' {
  if (address !== null && ra !== null && address !== ra) return 'refused';
  if (address === 'dhcpv6-stateful') return 'stateful';
  if (address === 'dhcpv6-stateless') return 'stateless';
  if (address === 'slaac') return 'none';
  return ra === null ? 'stateful' : 'none';
}

describe('subnetService: Neutron modes → DHCPv6 service', () => {
  for (const address of MODES) {
    for (const ra of MODES) {
      const want = expected(address, ra);
      it(`address ${address ?? '-'} / ra ${ra ?? '-'} → ${want}`, () => {
        const service = subnetService(subnet(address, ra));
        if (want === 'refused') {
          assert.equal(service.kind, 'none');
          assert.match(
            service.kind === 'none' ? service.why : '',
            /refused by Neutron: .*must be the same value/,
          );
        } else {
          assert.equal(service.kind, want, show(service));
        }
      });
    }
  }

  it('a mode with enable_dhcp false is refused by Neutron; no mode and DHCP off serves nothing', () => {
    const refused = subnetService(subnet('dhcpv6-stateful', null, { enableDhcp: false }));
    assert.match(
      refused.kind === 'none' ? refused.why : '',
      /cannot be set when enable_dhcp is set to False/,
    );
    const off = subnetService(subnet(null, null, { enableDhcp: false }));
    assert.deepEqual(off, { kind: 'none', why: 'enable_dhcp is false' });
  });

  it('slaac and dhcpv6-stateless need a /64 (EUI-64); stateful takes any prefix', () => {
    const small = { cidr: '2001:db8:77::/80' };
    assert.match(show(subnetService(subnet('slaac', 'slaac', small))), /requires the prefix to be \/64/);
    assert.match(show(subnetService(subnet('dhcpv6-stateless', null, small))), /\/64/);
    assert.equal(subnetService(subnet('dhcpv6-stateful', null, small)).kind, 'stateful');
  });

  it('an IPv4 subnet or a bad CIDR is never served', () => {
    assert.equal(subnetService(subnet(null, null, { cidr: '10.0.0.0/24' })).kind, 'none');
    assert.equal(subnetService(subnet(null, null, { cidr: 'banana' })).kind, 'none');
  });
});
