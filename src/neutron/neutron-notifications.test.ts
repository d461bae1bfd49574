import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeletedPorts, NetworkCounters, translateCast } from './neutron-notifications.js';

const NET = '0f3a1c2e-8b7d-4e6f-9a5b-1c2d3e4f5a6b';
const PORT = {
  id: '5b0b0c57-9f7a-4f38-9d0b-9a1d2b6a3c11',
  network_id: NET,
  mac_address: 'fa:16:3e:00:00:01',
};

/** What each of neutron-server's casts (dhcp_rpc_agent_api.py payloads) becomes. */
const CASES: ReadonlyArray<{
  readonly method: string;
  readonly payload: unknown;
  readonly expect: Record<string, unknown> | 'resync' | 'ignored' | 'invalid';
}> = [
  {
    method: 'network_create_end',
    payload: { network: { id: NET }, priority: 0 },
    expect: { schema: 'qdhcp.agent-binding', action: 'bound', networkId: NET },
  },
  {
    method: 'network_delete_end',
    payload: { network_id: NET, priority: 0 },
    expect: { schema: 'qdhcp.agent-binding', action: 'unbound', networkId: NET },
  },
  {
    method: 'network_update_end',
    payload: { network: { id: NET, admin_state_up: false } },
    expect: { resource: 'network', action: 'updated', networkId: NET },
  },
  {
    method: 'subnet_create_end',
    payload: { subnet: { id: 's1', network_id: NET } },
    expect: { resource: 'subnet', action: 'created', networkId: NET },
  },
  {
    method: 'subnet_update_end',
    payload: { subnet: { id: 's1', network_id: NET } },
    expect: { resource: 'subnet', action: 'updated', networkId: NET },
  },
  {
    method: 'subnet_delete_end',
    payload: { subnet_id: 's1', network_id: NET },
    expect: { resource: 'subnet', action: 'deleted', id: 's1' },
  },
  {
    method: 'port_create_end',
    payload: { port: PORT, priority: 2 },
    expect: { resource: 'port', action: 'created', id: PORT.id, state: PORT },
  },
  {
    method: 'port_update_end',
    payload: { port: PORT },
    expect: { resource: 'port', action: 'updated', id: PORT.id },
  },
  {
    method: 'port_delete_end',
    payload: { port_id: PORT.id, network_id: NET, fixed_ips: [] },
    expect: { resource: 'port', action: 'deleted', id: PORT.id },
  },
  { method: 'agent_updated', payload: { admin_state_up: false }, expect: 'resync' },
  { method: 'router_update', payload: {}, expect: 'ignored' },
  { method: 'port_create_end', payload: { port: { id: PORT.id } }, expect: 'invalid' },
  { method: 'port_delete_end', payload: null, expect: 'invalid' },
  { method: 'agent_updated', payload: { admin_state_up: 'yes' }, expect: 'invalid' },
];

describe('neutron casts → reconciler messages', () => {
  for (const { method, payload, expect } of CASES) {
    it(`${method} ${JSON.stringify(payload).slice(0, 50)}`, () => {
      const translation = translateCast('h1', method, { payload });
      if (typeof expect === 'string') {
        assert.equal(translation.kind, expect);
        return;
      }
      assert.equal(translation.kind, 'message');
      if (translation.kind !== 'message') return;
      const message = translation.message(7) as Record<string, unknown>;
      for (const [key, value] of Object.entries(expect)) assert.deepEqual(message[key], value, key);
      if (message.schema === 'qdhcp.resource-event') assert.equal(message.networkRevision, 7);
      else assert.equal(message.host, 'h1');
    });
  }
});

describe('ordering helpers', () => {
  it('per-network counters: next takes, current reads, all() is a copy at call time', () => {
    const counters = new NetworkCounters(100);
    assert.equal(counters.current('a'), 100);
    assert.equal(counters.next('a'), 101);
    assert.equal(counters.next('a'), 102);
    const before = counters.all();
    counters.next('a');
    assert.equal(before('a'), 102);
    assert.equal(counters.current('a'), 103);
    assert.equal(counters.current('b'), 100);
  });

  it('a later process numbers above an earlier one (a restored snapshot never hides new events)', async () => {
    const earlier = new NetworkCounters();
    for (let i = 0; i < 500; i += 1) earlier.next('a');
    await new Promise((resolve) => setTimeout(resolve, 2));
    const later = new NetworkCounters();
    assert.ok(later.current('a') > earlier.current('a'));
    assert.ok(later.next('b') > earlier.current('a'));
    assert.ok(Number.isSafeInteger(later.next('a') + 1_000_000_000));
  });

  it('deleted ports expire and are bounded', () => {
    let now = 0;
    const deleted = new DeletedPorts(1000, 2, () => now);
    deleted.add('p1');
    assert.equal(deleted.has('p1'), true);
    now = 1001;
    assert.equal(deleted.has('p1'), false);
    deleted.add('p2');
    deleted.add('p3');
    deleted.add('p4');
    assert.equal(deleted.has('p2'), false, 'the oldest went beyond capacity');
    assert.equal(deleted.has('p4'), true);
  });
});
