import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { AgentRecord } from '../db/index.js';
import { freeIndexes, hasNetworkAccess, isAlive, pickAgents } from './scheduler.js';

test('pickAgents: lightest first, ties by id, at most `wanted`', () => {
  const table: [Parameters<typeof pickAgents>[0], number, string[]][] = [
    [[], 1, []],
    [
      [
        { id: 'a', load: 3 },
        { id: 'b', load: 1 },
      ],
      1,
      ['b'],
    ],
    [
      [
        { id: 'b', load: 1 },
        { id: 'a', load: 1 },
      ],
      1,
      ['a'],
    ],
    [
      [
        { id: 'a', load: 2 },
        { id: 'b', load: 0 },
        { id: 'c', load: 1 },
      ],
      2,
      ['b', 'c'],
    ],
    [[{ id: 'a', load: 0 }], 3, ['a']],
    [[{ id: 'a', load: 0 }], 0, []],
  ];
  for (const [candidates, wanted, expected] of table) {
    assert.deepEqual(pickAgents(candidates, wanted), expected);
  }
});

test('pickAgents: no chosen agent is heavier than one left out (property)', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.record({ id: fc.uuid(), load: fc.nat(20) }), {
        selector: (c) => c.id,
        maxLength: 12,
      }),
      fc.nat(14),
      (candidates, wanted) => {
        const chosen = new Set(pickAgents(candidates, wanted));
        assert.equal(chosen.size, Math.min(wanted, candidates.length));
        const maxChosen = Math.max(-1, ...candidates.filter((c) => chosen.has(c.id)).map((c) => c.load));
        for (const c of candidates) if (!chosen.has(c.id)) assert.ok(c.load >= maxChosen);
      },
    ),
  );
});

test('freeIndexes: the lowest unused 1-based indexes', () => {
  assert.deepEqual(freeIndexes([], 2), [1, 2]);
  assert.deepEqual(freeIndexes([1, 3], 2), [2, 4]);
  assert.deepEqual(freeIndexes([2], 1), [1]);
  assert.deepEqual(freeIndexes([1, 2], 0), []);
});

test('isAlive: younger than agent_down_time', () => {
  const agent = { heartbeatTimestamp: '2026-11-22T10:00:00Z' } as AgentRecord;
  assert.equal(isAlive(agent, new Date('2026-11-22T10:01:14.999Z'), 75), true);
  assert.equal(isAlive(agent, new Date('2026-11-22T10:01:15Z'), 75), false);
  assert.equal(isAlive({ heartbeatTimestamp: 'garbage' } as AgentRecord, new Date(), 75), false);
});

test('hasNetworkAccess: flat and VLAN need the physnet among the reported ones; other types do not', () => {
  const agent = (physicalNetworks: unknown) =>
    ({ configurations: { physical_networks: physicalNetworks } }) as unknown as AgentRecord;
  const table: [string, unknown, string, string | null, boolean][] = [
    ['flat, mapped', ['physnet1'], 'flat', 'physnet1', true],
    ['flat, other physnet', ['physnet2'], 'flat', 'physnet1', false],
    ['flat, no mappings', [], 'flat', 'physnet1', false],
    ['vlan, mapped among several', ['a', 'physnet1'], 'vlan', 'physnet1', true],
    ['vlan, not reported at all', undefined, 'vlan', 'physnet1', false],
    ['vlan, malformed report', 'physnet1', 'vlan', 'physnet1', false],
    ['local needs nothing', [], 'local', null, true],
    ['vxlan needs nothing', undefined, 'vxlan', null, true],
  ];
  for (const [name, reported, networkType, physicalNetwork, expected] of table) {
    assert.equal(hasNetworkAccess(agent(reported), { networkType, physicalNetwork }), expected, name);
  }
});
