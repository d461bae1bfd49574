import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { L2Port } from '../../bus/l2-agent-rpc.js';
import { portFilterOf } from './port-filter.js';

const port: L2Port = {
  id: 'abcdef01-2345-6789-abcd-ef0123456789',
  network_id: '11111111-2222-3333-4444-555555555555',
  mac_address: 'FA:16:3E:00:00:01',
  fixed_ips: [
    { subnet_id: 's4', ip_address: '10.0.0.5' },
    { subnet_id: 's6', ip_address: '2001:db8::5' },
  ],
  allowed_address_pairs: [],
  port_security_enabled: true,
  device_owner: 'compute:nova',
  admin_state_up: true,
};

describe('portFilterOf (what a tap may send)', () => {
  test('fixed IPs, the MAC and its EUI-64 link-local address', () => {
    const spec = portFilterOf('tapabcdef01-23', port);
    assert.deepEqual(spec, {
      device: 'tapabcdef01-23',
      macs: ['fa:16:3e:00:00:01'],
      ipv4: ['10.0.0.5'],
      ipv6: ['2001:db8::5', 'fe80::f816:3eff:fe00:1'],
      ipv6Targets: [
        '0x20010db8000000000000000000000005-0x20010db8000000000000000000000005',
        '0xfe80000000000000f8163efffe000001-0xfe80000000000000f8163efffe000001',
      ],
    });
  });

  test('address pairs add their address or block and their MAC (with its link-local address)', () => {
    const spec = portFilterOf('tapabcdef01-23', {
      ...port,
      allowed_address_pairs: [
        { ip_address: '10.0.1.0/24', mac_address: 'fa:16:3e:00:00:02' },
        { ip_address: '2001:db8:1::/64', mac_address: 'fa:16:3e:00:00:01' },
      ],
    });
    assert.deepEqual(spec?.macs, ['fa:16:3e:00:00:01', 'fa:16:3e:00:00:02']);
    assert.deepEqual(spec?.ipv4, ['10.0.0.5', '10.0.1.0/24']);
    assert.ok(spec?.ipv6.includes('2001:db8:1::/64'));
    assert.ok(spec?.ipv6.includes('fe80::f816:3eff:fe00:2'));
    assert.ok(
      spec?.ipv6Targets.includes('0x20010db8000100000000000000000000-0x20010db800010000ffffffffffffffff'),
    );
  });

  test('port security off: no filter at all (Neutron keeps no rule, guards included)', () => {
    assert.equal(portFilterOf('tapabcdef01-23', { ...port, port_security_enabled: false }), undefined);
  });

  test('an unreadable pair address is left out, not a crash', () => {
    const spec = portFilterOf('tapabcdef01-23', {
      ...port,
      allowed_address_pairs: [{ ip_address: 'not-an-address', mac_address: 'fa:16:3e:00:00:01' }],
    });
    assert.deepEqual(spec?.ipv4, ['10.0.0.5']);
  });
});
