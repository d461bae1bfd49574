import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SecurityGroupResult } from '../../bus/security-group-rpc.js';
import { remoteSetName } from '../../linux/iptables-sg-rules.js';
import { portGroupsOf } from './port-groups.js';

const PORT = '11111111-1111-4111-8111-111111111111';
const GROUP = '22222222-2222-4222-8222-222222222222';
const rule = {
  security_group_id: GROUP,
  protocol: null,
  port_range_min: null,
  port_range_max: null,
  remote_ip_prefix: null,
  normalized_cidr: null,
  remote_group_id: null,
};
const info: SecurityGroupResult<'securitygroups.info'> = {
  ports: [{ id: PORT, port_security_enabled: true, security_groups: [GROUP], fixed_ips: ['10.0.0.5'] }],
  securityGroups: [
    {
      id: GROUP,
      stateful: true,
      rules: [
        { ...rule, id: 'r1', direction: 'ingress', ethertype: 'IPv4', remote_group_id: GROUP },
        { ...rule, id: 'r2', direction: 'egress', ethertype: 'IPv4' },
        {
          ...rule,
          id: 'r3',
          direction: 'ingress',
          ethertype: 'IPv4',
          protocol: 'tcp',
          port_range_min: 22,
          port_range_max: 22,
          remote_ip_prefix: '192.0.2.7/24',
          normalized_cidr: '192.0.2.0/24',
        },
      ],
    },
  ],
  members: { [GROUP]: { IPv4: ['10.0.0.5', '10.0.0.6'], IPv6: [] } },
};

test('remote group → its members as an ipset; remote prefix normalized; stateful from the groups', () => {
  const result = portGroupsOf('tap11111111-11', PORT, info);
  assert.ok(result);
  const set = remoteSetName(GROUP, 'IPv4');
  assert.deepEqual(result.sets.get(set), { family: 'IPv4', members: ['10.0.0.5', '10.0.0.6'] });
  assert.equal(result.spec.rules[0]?.remoteSet, set);
  assert.equal(result.spec.rules[2]?.remotePrefix, '192.0.2.0/24');
  assert.equal(result.spec.stateful, true);
  const stateless = { ...info, securityGroups: info.securityGroups.map((g) => ({ ...g, stateful: false })) };
  assert.equal(portGroupsOf('tap11111111-11', PORT, stateless)?.spec.stateful, false);
});

test('port security off or unknown port: nothing enforced', () => {
  const off = { ...info, ports: info.ports.map((p) => ({ ...p, port_security_enabled: false })) };
  assert.equal(portGroupsOf('tap11111111-11', PORT, off), undefined);
  assert.equal(portGroupsOf('tap11111111-11', GROUP, info), undefined);
});
