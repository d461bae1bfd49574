import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachAgentBackend } from '../api/testing/agents-harness.js';
import type { AgentBindingEventV1 } from '../bus/dhcp-agent-rpc.js';

/** Admin-down is a drain (agent-drain.ts): the old binding goes only once the new agent serves. */
forEachAgentBackend('admin-down drains an agent', (client) => {
  let subnetCount = 0;
  async function dhcpNetwork(): Promise<string> {
    const created = await client.request('POST', '/v2.0/networks', { network: { name: 'drain' } });
    const net = (created.body['network'] as { id: string }).id;
    subnetCount += 1;
    const subnet = await client.request('POST', '/v2.0/subnets', {
      subnet: { network_id: net, cidr: `10.77.${subnetCount}.0/24`, ip_version: 4 },
    });
    assert.equal(subnet.status, 201, JSON.stringify(subnet.body));
    return net;
  }
  const hostsOf = async (net: string) =>
    ((await client.request('GET', `/v2.0/networks/${net}/dhcp-agents`)).body['agents'] as { host: string }[])
      .map((a) => a.host)
      .sort();
  const active = async (host: string) =>
    (await client.rpc('dhcp.get_active_networks', { host })).networks.map((n) => n.id);
  const bindingEvents = () =>
    client.events
      .filter((e): e is AgentBindingEventV1 => e.schema === 'qdhcp.agent-binding')
      .map((e) => `${e.action}:${e.host}`);
  const setAdmin = async (agentId: string, up: boolean) =>
    assert.equal(
      (await client.request('PUT', `/v2.0/agents/${agentId}`, { agent: { admin_state_up: up } })).status,
      200,
    );

  test('with no other agent nothing is torn down; the admin-down agent keeps its networks', async () => {
    client.advance(1000);
    const a = await client.report('drain-solo');
    const net = await dhcpNetwork();
    assert.deepEqual(await hostsOf(net), ['drain-solo']);
    await client.rpc('dhcp.networks_served', { host: 'drain-solo', networkIds: [net] });
    client.events.length = 0;
    await setAdmin(a.agentId!, false);
    assert.deepEqual(bindingEvents(), [], 'no unbind without another agent');
    assert.deepEqual(await hostsOf(net), ['drain-solo']);
    assert.deepEqual(await active('drain-solo'), [net], 'still served by the admin-down agent');

    // An agent that appears later takes the network (auto-scheduling) and ends the drain by serving it.
    await client.report('drain-late');
    assert.deepEqual(await active('drain-late'), [net]);
    assert.deepEqual(await hostsOf(net), ['drain-late', 'drain-solo']);
    assert.deepEqual(bindingEvents(), ['bound:drain-late']);
    await client.rpc('dhcp.networks_served', { host: 'drain-late', networkIds: [net] });
    assert.deepEqual(await hostsOf(net), ['drain-late']);
    assert.deepEqual(bindingEvents(), ['bound:drain-late', 'unbound:drain-solo']);
    assert.deepEqual(await active('drain-solo'), []);
  });

  test('the network moves to another agent; the old binding stays until the new agent serves it', async () => {
    client.advance(1000);
    const a = await client.report('drain-a');
    const net = await dhcpNetwork();
    await client.report('drain-b');
    assert.deepEqual(await hostsOf(net), ['drain-a']);
    const other = await dhcpNetwork();
    assert.deepEqual(await hostsOf(other), ['drain-b'], 'the lighter agent');
    client.events.length = 0;
    await setAdmin(a.agentId!, false);
    assert.deepEqual(bindingEvents(), ['bound:drain-b']);
    assert.deepEqual(await hostsOf(net), ['drain-a', 'drain-b'], 'both while B starts');
    assert.deepEqual(await active('drain-a'), [net], 'A keeps serving meanwhile');
    assert.deepEqual((await active('drain-b')).sort(), [net, other].sort());

    // A's own report (it is admin-down) and a report of another network relieve nobody.
    await client.rpc('dhcp.networks_served', { host: 'drain-a', networkIds: [net] });
    await client.rpc('dhcp.networks_served', { host: 'drain-b', networkIds: [other] });
    assert.deepEqual(await hostsOf(net), ['drain-a', 'drain-b']);
    assert.deepEqual(bindingEvents(), ['bound:drain-b']);

    await client.rpc('dhcp.networks_served', { host: 'drain-b', networkIds: [net] });
    assert.deepEqual(await hostsOf(net), ['drain-b']);
    assert.deepEqual(bindingEvents(), ['bound:drain-b', 'unbound:drain-a']);
    assert.deepEqual(await active('drain-a'), []);

    // Admin-up again: the agent gets new networks again (it is the lighter one).
    await setAdmin(a.agentId!, true);
    const next = await dhcpNetwork();
    assert.deepEqual(await hostsOf(next), ['drain-a']);
  });

  test('a network another agent already serves is released at once; admin-up ends a drain', async () => {
    client.advance(1000);
    const a = await client.report('pair-a');
    const b = await client.report('pair-b');
    const net = await dhcpNetwork();
    const [first] = await hostsOf(net);
    const [holder, spare] = first === 'pair-a' ? [a, b] : [b, a];
    const spareHost = first === 'pair-a' ? 'pair-b' : 'pair-a';
    // Bound to both (manual binding), the spare serving it: the holder's admin-down unbinds at once.
    assert.equal(
      (
        await client.request('POST', `/v2.0/agents/${spare.agentId}/dhcp-networks`, {
          network_id: net,
        })
      ).status,
      201,
    );
    await client.rpc('dhcp.networks_served', { host: spareHost, networkIds: [net] });
    client.events.length = 0;
    await setAdmin(holder.agentId!, false);
    assert.deepEqual(bindingEvents(), [`unbound:${first}`]);
    assert.deepEqual(await hostsOf(net), [spareHost]);

    // A drain cancelled by admin-up: the binding is an ordinary one again (a report does not remove it).
    const lone = await dhcpNetwork();
    const [loneHost] = await hostsOf(lone);
    const loneAgent = loneHost === 'pair-a' ? a : b;
    const otherHost = loneHost === 'pair-a' ? 'pair-b' : 'pair-a';
    await setAdmin(holder.agentId!, true);
    await setAdmin(loneAgent.agentId!, false);
    assert.deepEqual(await hostsOf(lone), ['pair-a', 'pair-b']);
    await setAdmin(loneAgent.agentId!, true);
    await client.rpc('dhcp.networks_served', { host: otherHost, networkIds: [lone] });
    assert.deepEqual(await hostsOf(lone), ['pair-a', 'pair-b']);
  });
});
