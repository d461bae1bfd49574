/**
 * The control plane addresses events to the agents hosting their network (spec §4.11, `bus/addressing.ts`
 * wired in `server.ts`), on SQLite and PostgreSQL: an agent subscribed for its host sees the binding and
 * the changes of the networks bound to it, nothing of the others; a network delete reaches everyone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AgentClient, forEachAgentBackend } from '../api/testing/agents-harness.js';
import { addressedBus, addressOf } from '../bus/addressing.js';
import { type BusEvent, createInProcessBus } from '../bus/index.js';
import { securityGroupEvent } from '../bus/security-group-rpc.js';
import { eventually, recorder, testEvent } from '../bus/testing/bus-contract.js';

/** What one agent host receives, as `kind:resource-or-host:action` strings. */
function agentView(client: AgentClient, host: string): string[] {
  const seen: string[] = [];
  client.plane().bus.subscribe(
    (event: BusEvent) => {
      seen.push(
        event.schema === 'qdhcp.resource-event'
          ? `${event.resource}:${event.action}`
          : event.schema === 'qdhcp.security-group-event'
            ? `security-groups:${event.securityGroupIds.join(',')}`
            : event.schema === 'qdhcp.resync-request'
              ? `resync:${event.origin}`
              : `binding:${event.host}:${event.action}`,
      );
    },
    { host },
  );
  return seen;
}

test('addressOf: binding events to their host, a deleted network to everyone, the rest to the hosts', async () => {
  const hostsOf = async (networkId: string) => (networkId === 'net-1' ? ['a', 'b'] : []);
  const binding: BusEvent = {
    schema: 'qdhcp.agent-binding',
    version: 1,
    host: 'c',
    networkId: 'net-1',
    action: 'bound',
    occurredAt: new Date().toISOString(),
  };
  assert.deepEqual(await addressOf(binding, hostsOf), { hosts: ['c'] });
  assert.deepEqual(await addressOf(testEvent(1), hostsOf), { hosts: ['a', 'b'] });
  assert.deepEqual(await addressOf(testEvent(1, 'net-2'), hostsOf), { hosts: [] });
  const deleted = { ...testEvent(2), resource: 'network' as const, action: 'deleted' as const };
  assert.deepEqual(await addressOf(deleted, hostsOf), {});
  // A router event (issue 13) goes to the router's host only, whatever the networks' hosts are.
  for (const action of ['updated', 'unbound'] as const) {
    const router: BusEvent = {
      schema: 'qdhcp.router-event',
      version: 1,
      host: 'l3-host',
      routerId: 'router-1',
      action,
      revision: 4,
      occurredAt: new Date().toISOString(),
    };
    assert.deepEqual(await addressOf(router, hostsOf), { hosts: ['l3-host'] });
  }
  // A security group event (issue 14) goes to every agent: any host may enforce the group.
  assert.deepEqual(await addressOf(securityGroupEvent(['g1'], ['p1']), hostsOf), {});
});

test('addressedBus: a failed host lookup is reported and the event fans out; explicit hosts are kept', async () => {
  const errors: unknown[] = [];
  const bus = addressedBus(
    createInProcessBus(),
    async () => {
      throw new Error('database away');
    },
    (error) => errors.push(error),
  );
  const a = recorder();
  const b = recorder();
  bus.subscribe(a.handler, { host: 'a' });
  bus.subscribe(b.handler, { host: 'b' });
  await bus.publish(testEvent(1));
  await bus.publish(testEvent(2), { hosts: ['b'] });
  await eventually(() => b.seen.length === 2, 'both events at b');
  assert.deepEqual(a.seen, [1]);
  assert.equal(errors.length, 1);
  await bus.close();
});

forEachAgentBackend('events addressed to the hosting agents', (client) => {
  test('the bound agent sees its network; the other sees only the delete (and security group events)', async () => {
    await client.report('addr-a', { startFlag: true });
    await client.report('addr-b', { startFlag: true });
    const a = agentView(client, 'addr-a');
    const b = agentView(client, 'addr-b');
    const created = await client.request('POST', '/v2.0/networks', { network: { name: 'addressed' } });
    const net = (created.body['network'] as { id: string }).id;
    const subnet = await client.request('POST', '/v2.0/subnets', {
      subnet: { network_id: net, cidr: '10.62.0.0/24', ip_version: 4 },
    });
    assert.equal(subnet.status, 201, JSON.stringify(subnet.body));
    await client.plane().schedulingIdle();
    const hosting = await client.request('GET', `/v2.0/networks/${net}/dhcp-agents`);
    const [bound] = (hosting.body['agents'] as { host: string }[]).map((agent) => agent.host);
    assert.ok(bound === 'addr-a' || bound === 'addr-b', `one agent hosts the network: ${bound}`);
    const [hostView, otherView] = bound === 'addr-a' ? [a, b] : [b, a];
    const port = await client.request('POST', '/v2.0/ports', { port: { network_id: net } });
    assert.equal(port.status, 201);
    const portId = (port.body['port'] as { id: string }).id;
    assert.equal((await client.request('DELETE', `/v2.0/ports/${portId}`)).status, 204);
    const deleted = await client.request('DELETE', `/v2.0/networks/${net}`);
    assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
    await eventually(
      () => hostView.includes('network:deleted') && otherView.includes('network:deleted'),
      `the deletes (${hostView} / ${otherView})`,
    );
    assert.ok(hostView.includes(`binding:${bound}:bound`), hostView.join(' '));
    assert.ok(hostView.includes('port:created') && hostView.includes('port:deleted'), hostView.join(' '));
    // The port's group membership came and went: that goes to every agent (any host may enforce it).
    const groupEvents = otherView.filter((seen) => seen.startsWith('security-groups:'));
    assert.equal(groupEvents.length, 2, otherView.join(' '));
    assert.deepEqual(
      otherView.filter((seen) => !seen.startsWith('security-groups:')),
      ['network:deleted'],
      'nothing of a network it does not host',
    );
  });
});
