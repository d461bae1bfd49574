import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CurrentFixedIp, diffFixedIps, type FixedIpUpdateRequest } from './port-update.js';

const A = 'subnet-a';
const B = 'subnet-b';
const S = 'subnet-slaac';
const autoSubnetIds = new Set([S]);
const ctx = { deviceOwner: 'compute:nova', autoSubnetIds };

const cur = (subnetId: string, ipAddress: string): CurrentFixedIp => ({ subnetId, ipAddress });

describe('diffFixedIps (spec 3.6)', () => {
  const current = [cur(A, '10.20.0.5'), cur(B, '10.21.0.7'), cur(S, '2001:db8::f816:3eff:fe00:1')];

  const table: [
    string,
    FixedIpUpdateRequest[],
    string,
    { keep: string[]; add: string[]; remove: string[] },
  ][] = [
    [
      'same list keeps everything',
      [
        { subnetId: A, ipAddress: '10.20.0.5' },
        { subnetId: B, ipAddress: '10.21.0.7' },
      ],
      'compute:nova',
      { keep: ['10.20.0.5', '10.21.0.7', '2001:db8::f816:3eff:fe00:1'], add: [], remove: [] },
    ],
    [
      'append {subnet_id} to add another address on the same subnet (openstack port set --fixed-ip)',
      [{ subnetId: A, ipAddress: '10.20.0.5' }, { subnetId: B, ipAddress: '10.21.0.7' }, { subnetId: A }],
      'compute:nova',
      { keep: ['10.20.0.5', '10.21.0.7', '2001:db8::f816:3eff:fe00:1'], add: [`${A}:`], remove: [] },
    ],
    [
      'subnet-only entry reuses the existing address there',
      [{ subnetId: A }],
      'compute:nova',
      { keep: ['10.20.0.5', '2001:db8::f816:3eff:fe00:1'], add: [], remove: ['10.21.0.7'] },
    ],
    [
      'a new address replaces; unlisted ones are released, SLAAC kept',
      [{ subnetId: A, ipAddress: '10.20.0.9' }],
      'compute:nova',
      { keep: ['2001:db8::f816:3eff:fe00:1'], add: [`${A}:10.20.0.9`], remove: ['10.20.0.5', '10.21.0.7'] },
    ],
    [
      'router ports lose SLAAC addresses too',
      [],
      'network:router_interface',
      { keep: [], add: [], remove: ['10.20.0.5', '10.21.0.7', '2001:db8::f816:3eff:fe00:1'] },
    ],
    [
      'delete_subnet drops the automatic address',
      [
        { subnetId: S, deleteSubnet: true },
        { subnetId: A, ipAddress: '10.20.0.5' },
      ],
      'compute:nova',
      { keep: ['10.20.0.5'], add: [], remove: ['10.21.0.7', '2001:db8::f816:3eff:fe00:1'] },
    ],
    [
      'EUI-64 address named by subnet only is re-requested (prefix may have changed) and kept until then',
      [{ subnetId: S }],
      'compute:nova',
      { keep: ['2001:db8::f816:3eff:fe00:1'], add: [`${S}:`], remove: ['10.20.0.5', '10.21.0.7'] },
    ],
    [
      'addresses compare canonically',
      [{ ipAddress: '2001:DB8::F816:3EFF:FE00:1' }, { ipAddress: '10.20.0.5' }, { ipAddress: '10.21.0.7' }],
      'compute:nova',
      { keep: ['2001:db8::f816:3eff:fe00:1', '10.20.0.5', '10.21.0.7'], add: [], remove: [] },
    ],
  ];
  for (const [name, requested, deviceOwner, expected] of table) {
    test(name, () => {
      const d = diffFixedIps(current, requested, { ...ctx, deviceOwner });
      assert.deepEqual(d.keep.map((k) => k.ipAddress).sort(), [...expected.keep].sort());
      assert.deepEqual(
        d.add.map((a) => `${a.subnetId ?? ''}:${a.ipAddress ?? ''}`),
        expected.add,
      );
      assert.deepEqual(d.remove.map((r) => r.ipAddress).sort(), [...expected.remove].sort());
    });
  }

  test('every current address ends up in exactly one of keep/remove (or both only for re-requested EUI-64)', () => {
    const d = diffFixedIps(current, [{ subnetId: B }], ctx);
    const all = [...d.keep, ...d.remove].map((x) => x.ipAddress).sort();
    assert.deepEqual(all, current.map((c) => c.ipAddress).sort());
  });
});
