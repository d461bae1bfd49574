import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentSecurityGroupRule } from '../bus/security-group-rpc.js';
import { SecurityGroupChangeSet } from './security-group-changes.js';

const G = '22222222-2222-4222-8222-222222222222';
const P = '11111111-1111-4111-8111-111111111111';
const rule = (id: string): AgentSecurityGroupRule => ({
  id,
  security_group_id: G,
  direction: 'ingress',
  ethertype: 'IPv4',
  protocol: null,
  port_range_min: null,
  port_range_max: null,
  remote_ip_prefix: null,
  normalized_cidr: null,
  remote_group_id: null,
});
const now = new Date('2026-12-04T00:00:00Z');

test('changes of one group in one transaction merge into one, from the first base revision', () => {
  const set = new SecurityGroupChangeSet();
  set.rulesChanged({
    securityGroupId: G,
    baseRevision: 3,
    revision: 4,
    removed: ['old'],
    added: [rule('a')],
  });
  set.rulesChanged({ securityGroupId: G, baseRevision: 4, revision: 5, removed: ['a'], added: [rule('b')] });
  set.membersChanged({
    securityGroupId: G,
    baseRevision: 0,
    revision: 1,
    ports: [{ id: P, addresses: ['10.0.0.5'] }],
  });
  set.membersChanged({ securityGroupId: G, baseRevision: 1, revision: 2, ports: [{ id: P, addresses: [] }] });
  const event = set.event(now);
  assert.deepEqual(event?.securityGroupIds, [G]);
  assert.deepEqual(event?.changes, {
    rules: [{ securityGroupId: G, baseRevision: 3, revision: 5, removed: ['old'], added: [rule('b')] }],
    members: [{ securityGroupId: G, baseRevision: 0, revision: 2, ports: [{ id: P, addresses: [] }] }],
  });
});

test('nothing changed: no event; a change over the contract limit is left out (that group is re-read)', () => {
  const set = new SecurityGroupChangeSet();
  assert.equal(set.event(now), undefined);
  const added = Array.from({ length: 1001 }, (_, i) => rule(`r${i}`));
  set.rulesChanged({ securityGroupId: G, baseRevision: 0, revision: 1, removed: [], added });
  const event = set.event(now);
  assert.deepEqual(event?.securityGroupIds, [G]);
  assert.equal(event?.changes, undefined);
  set.clear();
  assert.equal(set.event(now), undefined);
});
