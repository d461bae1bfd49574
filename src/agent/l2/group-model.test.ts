import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentSecurityGroupRule, SecurityGroupResult } from '../../bus/security-group-rpc.js';
import { GroupModel } from './group-model.js';

type Info = SecurityGroupResult<'securitygroups.info'>;
const G = '22222222-2222-4222-8222-222222222222';
const R = '44444444-4444-4444-8444-444444444444';
const P = '11111111-1111-4111-8111-111111111111';
const Q = '33333333-3333-4333-8333-333333333333';

const rule = (id: string, remote: string | null = null): AgentSecurityGroupRule => ({
  id,
  security_group_id: G,
  direction: 'ingress',
  ethertype: 'IPv4',
  protocol: 'tcp',
  port_range_min: 22,
  port_range_max: 22,
  remote_ip_prefix: null,
  normalized_cidr: null,
  remote_group_id: remote,
});

const read = (revision: number, members: number): Info => ({
  ports: [{ id: P, port_security_enabled: true, security_groups: [G], fixed_ips: ['10.0.0.5'] }],
  securityGroups: [{ id: G, stateful: true, rules: [rule('r1', R)], revision_number: revision }],
  members: { [R]: { IPv4: ['10.0.0.9'], IPv6: [] } },
  memberPorts: { [R]: { revision: members, ports: { [Q]: ['10.0.0.9'] } } },
});

test('a rule change at the base revision applies without a read; older is ignored, newer is a gap', () => {
  const model = new GroupModel();
  model.merge([P], read(3, 7));
  const change = { securityGroupId: G, baseRevision: 3, revision: 4, removed: [], added: [rule('r2')] };
  assert.equal(model.applyRules(change), 'applied');
  assert.deepEqual(
    model.info([P])?.securityGroups[0]?.rules.map((r) => r.id),
    ['r1', 'r2'],
  );
  assert.equal(model.applyRules(change), 'already', 'the same change again');
  assert.equal(
    model.applyRules({ ...change, baseRevision: 5, revision: 6, added: [], removed: ['r1'] }),
    'gap',
  );
  assert.equal(model.applyRules({ ...change, securityGroupId: Q }), 'unknown', 'not a group of ours');
  assert.equal(
    model.applyRules({ securityGroupId: G, baseRevision: 4, revision: 5, removed: ['r2'], added: [] }),
    'applied',
  );
  assert.deepEqual(
    model.info([P])?.securityGroups[0]?.rules.map((r) => r.id),
    ['r1'],
  );
});

test('members change by port, idempotently; a read older than what is here is not taken', () => {
  const model = new GroupModel();
  model.merge([P], read(3, 7));
  const join = {
    securityGroupId: R,
    baseRevision: 7,
    revision: 8,
    ports: [{ id: P, addresses: ['10.0.0.5'] }],
  };
  assert.equal(model.applyMembers(join), 'applied');
  assert.deepEqual(model.info([P])?.members[R], { IPv4: ['10.0.0.9', '10.0.0.5'], IPv6: [] });
  const leave = { securityGroupId: R, baseRevision: 8, revision: 9, ports: [{ id: Q, addresses: [] }] };
  assert.equal(model.applyMembers(leave), 'applied');
  assert.deepEqual(model.info([P])?.members[R], { IPv4: ['10.0.0.5'], IPv6: [] });
  assert.deepEqual(model.knownMembers(), { [R]: 9 }, 'what info need not send again');
  model.merge([P], read(3, 7)); // a read from before both changes
  assert.deepEqual(model.info([P])?.members[R], { IPv4: ['10.0.0.5'], IPv6: [] }, 'kept');
  assert.equal(model.applyMembers({ ...leave, baseRevision: 10, revision: 11 }), 'gap');
});

test('a server without revisions: every change is a gap; a remote group not known: no info', () => {
  const model = new GroupModel();
  const old = read(3, 7);
  const { memberPorts: _, ...withoutMembers } = old;
  model.merge([P], {
    ...withoutMembers,
    securityGroups: old.securityGroups.map(({ revision_number: _r, ...group }) => group),
  });
  assert.equal(
    model.applyRules({ securityGroupId: G, baseRevision: 3, revision: 4, removed: [], added: [] }),
    'gap',
  );
  assert.equal(model.applyMembers({ securityGroupId: R, baseRevision: 7, revision: 8, ports: [] }), 'gap');
  assert.deepEqual(model.info([P])?.members[R], { IPv4: ['10.0.0.9'], IPv6: [] });
  const fresh = new GroupModel();
  fresh.merge([P], read(3, 7));
  const other = '55555555-5555-4555-8555-555555555555';
  fresh.applyRules({
    securityGroupId: G,
    baseRevision: 3,
    revision: 4,
    removed: [],
    added: [rule('r3', other)],
  });
  assert.equal(fresh.info([P]), undefined, 'the members of the new remote group must be read');
  assert.deepEqual(fresh.concerning(P), new Set([G, R, other]));
  fresh.keepOnly(new Set());
  assert.deepEqual(fresh.info([P]), { ports: [], securityGroups: [], members: {} }, 'forgotten');
});
