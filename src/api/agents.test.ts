import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentBindingEventV1 } from '../bus/dhcp-agent-rpc.js';
import { type AgentClient, forEachAgentBackend } from './testing/agents-harness.js';
import { forEachBackend } from './testing/test-harness.js';

/** Agent keys as Neutron shows them (transcript 14, GET /v2.0/networks/{id}/dhcp-agents). */
const NEUTRON_AGENT_KEYS = [
  'admin_state_up',
  'agent_type',
  'alive',
  'availability_zone',
  'binary',
  'configurations',
  'created_at',
  'description',
  'heartbeat_timestamp',
  'host',
  'id',
  'resource_versions',
  'resources_synced',
  'started_at',
  'topic',
];

async function network(client: AgentClient, cidr?: string): Promise<{ net: string; sub?: string }> {
  const created = await client.request('POST', '/v2.0/networks', { network: { name: 'n' } });
  assert.equal(created.status, 201);
  const net = (created.body['network'] as { id: string }).id;
  if (cidr === undefined) return { net };
  const subnet = await client.request('POST', '/v2.0/subnets', {
    subnet: { network_id: net, cidr, ip_version: 4 },
  });
  assert.equal(subnet.status, 201, JSON.stringify(subnet.body));
  return { net, sub: (subnet.body['subnet'] as { id: string }).id };
}

async function hostsOf(client: AgentClient, net: string): Promise<string[]> {
  const reply = await client.request('GET', `/v2.0/networks/${net}/dhcp-agents`);
  assert.equal(reply.status, 200);
  return (reply.body['agents'] as { host: string }[]).map((a) => a.host).sort();
}

function bindings(client: AgentClient): string[] {
  return client.events
    .filter((e): e is AgentBindingEventV1 => e.schema === 'qdhcp.agent-binding')
    .map((e) => `${e.action}:${e.host}`);
}

forEachAgentBackend('agents: heartbeats, scheduling, contract, API', (client) => {
  test('report_state: new, alive, down after agent_down_time, revived; API shape as Neutron', async () => {
    const first = await client.report('hb-1', { startFlag: true });
    assert.equal(first.status, 'new');
    assert.equal((await client.report('hb-1')).status, 'alive');
    const shown = await client.request('GET', `/v2.0/agents/${first.agentId}`);
    assert.equal(shown.status, 200);
    const agent = shown.body['agent'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(agent).sort(), NEUTRON_AGENT_KEYS);
    assert.equal(agent['agent_type'], 'DHCP agent');
    assert.equal(agent['binary'], 'qdhcp-agent');
    assert.equal(agent['topic'], 'dhcp_agent');
    assert.equal(agent['alive'], true);
    assert.match(String(agent['heartbeat_timestamp']), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal((agent['configurations'] as { networks: number }).networks, 0);
    client.advance(74);
    assert.equal(
      (await client.request('GET', `/v2.0/agents/${first.agentId}`)).body['agent'] !== undefined,
      true,
    );
    assert.equal(
      ((await client.request('GET', `/v2.0/agents/${first.agentId}`)).body['agent'] as { alive: boolean })
        .alive,
      true,
      '74 s after the heartbeat it is still alive',
    );
    client.advance(1);
    assert.equal(
      ((await client.request('GET', `/v2.0/agents/${first.agentId}`)).body['agent'] as { alive: boolean })
        .alive,
      false,
      'at agent_down_time (75 s) it is down',
    );
    const down = await client.request('GET', '/v2.0/agents?host=hb-1&alive=false');
    assert.equal((down.body['agents'] as unknown[]).length, 1);
    assert.equal((await client.report('hb-1')).status, 'revived');
    assert.equal((await client.report('hb-1')).status, 'alive');
    const filtered = await client.request('GET', '/v2.0/agents?agent_type=DHCP%20agent&host=hb-1');
    assert.deepEqual(
      (filtered.body['agents'] as { id: string }[]).map((a) => a.id),
      [first.agentId],
    );
    assert.equal((await client.request('GET', '/v2.0/agents?host=nope')).body['agents']!.toString(), '');
    assert.equal((await client.request('GET', '/v2.0/agents?bogus=1')).status, 400);
    // Leave no live agent behind for the other tests.
    assert.equal((await client.request('DELETE', `/v2.0/agents/${first.agentId}`)).status, 204);
  });

  test('scheduling: first DHCP subnet binds the least-loaded alive admin-up agent; contract methods', async () => {
    client.advance(1000); // every earlier agent is dead now
    const a = await client.report('sch-a');
    const b = await client.report('sch-b');
    const c = await client.report('sch-c');
    await client.request('PUT', `/v2.0/agents/${c.agentId}`, { agent: { admin_state_up: false } });
    client.events.length = 0;
    const { net: n1 } = await network(client);
    assert.deepEqual(await hostsOf(client, n1), [], 'no subnet: not scheduled');
    const s1 = await client.request('POST', '/v2.0/subnets', {
      subnet: { network_id: n1, cidr: '10.81.0.0/24', ip_version: 4 },
    });
    assert.equal(s1.status, 201);
    const sub1 = (s1.body['subnet'] as { id: string }).id;
    const first = await hostsOf(client, n1);
    assert.equal(first.length, 1);
    assert.deepEqual(bindings(client), [`bound:${first[0]}`]);
    const { net: n2 } = await network(client, '10.82.0.0/24');
    const second = await hostsOf(client, n2);
    assert.equal(second.length, 1);
    assert.notEqual(second[0], first[0], 'the least-loaded agent gets the next network');
    assert.ok(!first.includes('sch-c') && !second.includes('sch-c'), 'admin-down agent skipped');

    // The contract: the hosting agent sees the network, the others do not.
    const host = first[0]!;
    const other = host === 'sch-a' ? 'sch-b' : 'sch-a';
    const active = await client.rpc('dhcp.get_active_networks', { host });
    assert.deepEqual(
      active.networks.map((n) => n.id),
      [n1],
    );
    assert.equal(active.networks[0]!.subnets[0]!.cidr, '10.81.0.0/24');
    assert.ok(active.networks[0]!.revision >= 2);
    assert.equal((await client.rpc('dhcp.get_network', { host: other, networkId: n1 })).network, null);

    // ensure_port: created with the lowest free address, then idempotent.
    const deviceId = `dhcp-sch-${n1}`;
    const created = await client.rpc('dhcp.ensure_port', {
      host,
      networkId: n1,
      deviceId,
      subnetIds: [sub1],
    });
    assert.deepEqual(created.port?.fixed_ips, [{ subnet_id: sub1, ip_address: '10.81.0.2' }]);
    assert.equal(created.port?.device_owner, 'network:dhcp');
    const again = await client.rpc('dhcp.ensure_port', { host, networkId: n1, deviceId, subnetIds: [sub1] });
    assert.equal(again.port?.id, created.port?.id);
    assert.equal(again.port?.revision_number, created.port?.revision_number, 'no change, no update');
    assert.equal(
      (await client.rpc('dhcp.ensure_port', { host: other, networkId: n1, deviceId: 'x', subnetIds: [sub1] }))
        .port,
      null,
      'an agent not hosting the network gets no port',
    );
    // A second subnet: update adds its lowest free address.
    const s2 = await client.request('POST', '/v2.0/subnets', {
      subnet: { network_id: n1, cidr: '10.83.0.0/24', ip_version: 4 },
    });
    const sub2 = (s2.body['subnet'] as { id: string }).id;
    const updated = await client.rpc('dhcp.ensure_port', {
      host,
      networkId: n1,
      deviceId,
      subnetIds: [sub1, sub2],
    });
    assert.equal(updated.port?.id, created.port?.id);
    assert.deepEqual(updated.port?.fixed_ips, [
      { subnet_id: sub1, ip_address: '10.81.0.2' },
      { subnet_id: sub2, ip_address: '10.83.0.2' },
    ]);

    // ports_ready: DOWN → ACTIVE, only for networks the agent hosts. A probe's port waits for DHCP only
    // (no wiring block: src/service/provisioning-blocks.ts); an instance's also needs its host's L2 report,
    // which src/service/ports-ready.test.ts covers.
    const vm = await client.request('POST', '/v2.0/ports', {
      port: { network_id: n1, device_owner: 'compute:probe' },
    });
    const vmId = (vm.body['port'] as { id: string; status: string }).id;
    assert.equal((vm.body['port'] as { status: string }).status, 'DOWN');
    await client.rpc('dhcp.ports_ready', { host: other, portIds: [vmId] });
    assert.equal(
      ((await client.request('GET', `/v2.0/ports/${vmId}`)).body['port'] as { status: string }).status,
      'DOWN',
    );
    await client.rpc('dhcp.ports_ready', { host, portIds: [vmId, created.port!.id] });
    assert.equal(
      ((await client.request('GET', `/v2.0/ports/${vmId}`)).body['port'] as { status: string }).status,
      'ACTIVE',
    );

    // Manual unbind keeps the port, reserved; the other agent adopts it with the same address.
    assert.equal(
      (
        await client.request(
          'DELETE',
          `/v2.0/agents/${host === 'sch-a' ? a.agentId : b.agentId}/dhcp-networks/${n1}`,
        )
      ).status,
      204,
    );
    const reserved = await client.request('GET', `/v2.0/ports/${created.port!.id}`);
    assert.equal((reserved.body['port'] as { device_id: string }).device_id, 'reserved_dhcp_port');
    const otherId = host === 'sch-a' ? b.agentId : a.agentId;
    assert.equal(
      (await client.request('POST', `/v2.0/agents/${otherId}/dhcp-networks`, { network_id: n1 })).status,
      201,
    );
    const adopted = await client.rpc('dhcp.ensure_port', {
      host: other,
      networkId: n1,
      deviceId: `dhcp-other-${n1}`,
      subnetIds: [sub1],
    });
    assert.equal(adopted.port?.id, created.port?.id, 'reserved port adopted');
    assert.deepEqual(adopted.port?.fixed_ips, [{ subnet_id: sub1, ip_address: '10.81.0.2' }]);
    assert.equal(adopted.port?.device_id, `dhcp-other-${n1}`);

    // release_port deletes the agent's port.
    await client.rpc('dhcp.release_port', { host: other, networkId: n1, deviceId: `dhcp-other-${n1}` });
    assert.equal((await client.request('GET', `/v2.0/ports/${created.port!.id}`)).status, 404);

    // Bad params are refused by the contract's schema.
    await assert.rejects(
      client
        .plane()
        .bus.request({ schema: 'qdhcp.request', version: 1, method: 'dhcp.get_network', params: {} }),
      /params do not match the contract/,
    );
  });

  test('failover: a dead agent loses its networks to a live one; its DHCP port is reserved with its IP', async () => {
    client.advance(1000);
    const dead = await client.report('fo-dead');
    const { net, sub } = await network(client, '10.84.0.0/24');
    assert.deepEqual(await hostsOf(client, net), ['fo-dead']);
    const port = await client.rpc('dhcp.ensure_port', {
      host: 'fo-dead',
      networkId: net,
      deviceId: `dhcp-dead-${net}`,
      subnetIds: [sub!],
    });
    assert.equal(port.port?.fixed_ips[0]?.ip_address, '10.84.0.2');
    // Earlier tests' dead agents lose their networks (to fo-dead, the only live one); fo-dead keeps its own.
    assert.equal((await client.plane().checkAgents()).skipped, false);
    assert.deepEqual(await hostsOf(client, net), ['fo-dead']);
    client.advance(60);
    const live = await client.report('fo-live');
    client.advance(20); // fo-dead silent for 80 s > 75 s, fo-live for 20 s
    client.events.length = 0;
    const report = await client.plane().checkAgents();
    assert.ok(report.moved >= 1);
    assert.deepEqual(await hostsOf(client, net), ['fo-live']);
    assert.deepEqual(bindings(client).slice(0, 2), ['unbound:fo-dead', 'bound:fo-live']);
    const kept = await client.request('GET', `/v2.0/ports/${port.port!.id}`);
    assert.equal((kept.body['port'] as { device_id: string }).device_id, 'reserved_dhcp_port');
    assert.deepEqual((kept.body['port'] as { fixed_ips: unknown }).fixed_ips, port.port!.fixed_ips);
    const adopted = await client.rpc('dhcp.ensure_port', {
      host: 'fo-live',
      networkId: net,
      deviceId: `dhcp-live-${net}`,
      subnetIds: [sub!],
    });
    assert.equal(adopted.port?.id, port.port!.id);
    assert.equal(adopted.port?.fixed_ips[0]?.ip_address, '10.84.0.2');
    // The revived agent no longer gets the network.
    assert.equal((await client.report('fo-dead')).status, 'revived');
    const revived = await client.rpc('dhcp.get_active_networks', { host: 'fo-dead' });
    assert.ok(!revived.networks.some((n) => n.id === net));
    // With every agent dead, the check does nothing.
    client.advance(1000);
    assert.deepEqual(await client.plane().checkAgents(), { moved: 0, skipped: true });
    assert.deepEqual(await hostsOf(client, net), ['fo-live']);
    assert.ok(dead.agentId !== live.agentId);
  });

  test('auto-scheduling on get_active_networks picks up unhosted DHCP networks', async () => {
    client.advance(1000); // nobody alive: the subnet create cannot schedule
    const { net } = await network(client, '10.85.0.0/24');
    assert.deepEqual(await hostsOf(client, net), []);
    await client.report('auto-1');
    const active = await client.rpc('dhcp.get_active_networks', { host: 'auto-1' });
    assert.ok(active.networks.some((n) => n.id === net));
    assert.deepEqual(await hostsOf(client, net), ['auto-1']);
    assert.deepEqual((await client.rpc('dhcp.get_active_networks', { host: 'unknown-host' })).networks, []);
  });

  test('scheduler API errors and shapes as Neutron', async () => {
    client.advance(1000);
    const agent = await client.report('err-1');
    const { net } = await network(client);
    const missing = '00000000-0000-0000-0000-000000000000';
    const notFound = await client.request('GET', `/v2.0/agents/${missing}`);
    assert.equal(notFound.status, 404);
    assert.deepEqual(notFound.body, {
      NeutronError: { type: 'AgentNotFound', message: `Agent ${missing} could not be found.`, detail: '' },
    });
    assert.equal((await client.request('GET', `/v2.0/agents/${missing}/dhcp-networks`)).status, 404);
    assert.equal(
      (await client.request('GET', `/v2.0/networks/${missing}/dhcp-agents`)).body.NeutronError?.type,
      'NetworkNotFound',
    );
    const bind = () =>
      client.request('POST', `/v2.0/agents/${agent.agentId}/dhcp-networks`, { network_id: net });
    assert.equal((await bind()).status, 201);
    const twice = await bind();
    assert.equal(twice.status, 409);
    assert.equal(twice.body.NeutronError?.type, 'NetworkHostedByDHCPAgent');
    const listed = await client.request('GET', `/v2.0/agents/${agent.agentId}/dhcp-networks`);
    assert.deepEqual(
      (listed.body['networks'] as { id: string }[]).map((n) => n.id),
      [net],
    );
    assert.equal(
      (await client.request('POST', `/v2.0/agents/${agent.agentId}/dhcp-networks`, { network_id: missing }))
        .body.NeutronError?.type,
      'NetworkNotFound',
    );
    assert.equal(
      (await client.request('DELETE', `/v2.0/agents/${agent.agentId}/dhcp-networks/${net}`)).status,
      204,
    );
    const unbindAgain = await client.request('DELETE', `/v2.0/agents/${agent.agentId}/dhcp-networks/${net}`);
    assert.equal(unbindAgain.status, 409);
    assert.equal(unbindAgain.body.NeutronError?.type, 'NetworkNotHostedByDhcpAgent');
    const put = await client.request('PUT', `/v2.0/agents/${agent.agentId}`, {
      agent: { admin_state_up: false, description: 'maintenance' },
    });
    assert.equal(put.status, 200);
    assert.equal((put.body['agent'] as { description: string }).description, 'maintenance');
    const disabled = await bind();
    assert.equal(disabled.status, 404);
    assert.equal(disabled.body.NeutronError?.type, 'InvalidDHCPAgent');
    assert.equal(
      (await client.request('PUT', `/v2.0/agents/${agent.agentId}`, { agent: { host: 'x' } })).status,
      400,
    );
    const exts = await client.request('GET', '/v2.0/extensions');
    const aliases = (exts.body['extensions'] as { alias: string }[]).map((e) => e.alias);
    assert.ok(aliases.includes('agent') && aliases.includes('dhcp_agent_scheduler'));
    assert.equal((await client.request('DELETE', `/v2.0/agents/${agent.agentId}`)).status, 204);
    assert.equal((await client.request('DELETE', `/v2.0/agents/${agent.agentId}`)).status, 404);
  });

  test('deleting a hosted network removes its bindings; deleting the agent unbinds (events)', async () => {
    client.advance(1000);
    const agent = await client.report('del-1');
    const { net, sub } = await network(client, '10.88.0.0/24');
    const { net: kept } = await network(client, '10.89.0.0/24');
    assert.deepEqual(await hostsOf(client, net), ['del-1']);
    await client.rpc('dhcp.ensure_port', {
      host: 'del-1',
      networkId: net,
      deviceId: `d-${net}`,
      subnetIds: [sub!],
    });
    assert.equal((await client.request('DELETE', `/v2.0/networks/${net}`)).status, 204);
    const left = await client.request('GET', `/v2.0/agents/${agent.agentId}/dhcp-networks`);
    assert.deepEqual(
      (left.body['networks'] as { id: string }[]).map((n) => n.id),
      [kept],
    );
    client.events.length = 0;
    assert.equal((await client.request('DELETE', `/v2.0/agents/${agent.agentId}`)).status, 204);
    assert.deepEqual(bindings(client), ['unbound:del-1']);
    assert.deepEqual(await hostsOf(client, kept), []);
  });
});

forEachAgentBackend(
  'agents: two DHCP agents per network',
  (client) => {
    test('a network is bound to two agents with indexes; a third agent is not used', async () => {
      await client.report('ha-1');
      await client.report('ha-2');
      await client.report('ha-3');
      const { net } = await network(client, '10.86.0.0/24');
      assert.equal((await hostsOf(client, net)).length, 2);
      const { net: second } = await network(client, '10.87.0.0/24');
      const hosts = await hostsOf(client, second);
      assert.equal(hosts.length, 2);
      assert.ok(hosts.includes('ha-3') || (await hostsOf(client, net)).includes('ha-3'), 'least loaded used');
    });
  },
  { dhcp_agents_per_network: '2' },
);

forEachAgentBackend(
  'agents: scheduling respects physical networks (spec §4.12 step 3)',
  (client) => {
    async function providerNetwork(type: 'flat' | 'vlan', physnet: string, cidr: string): Promise<string> {
      const created = await client.request('POST', '/v2.0/networks', {
        network: { name: type, 'provider:network_type': type, 'provider:physical_network': physnet },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const net = (created.body['network'] as { id: string }).id;
      const subnet = await client.request('POST', '/v2.0/subnets', {
        subnet: { network_id: net, cidr, ip_version: 4 },
      });
      assert.equal(subnet.status, 201, JSON.stringify(subnet.body));
      return net;
    }

    test('an agent without the physnet is never chosen: not on create, not on its sync, not on failover', async () => {
      // Two per network wanted, so the unmapped agent would be taken if it were eligible at all.
      await client.report('pn-unmapped', { physicalNetworks: [] });
      await client.report('pn-physnet1', { physicalNetworks: ['physnet1'] });
      const flat = await providerNetwork('flat', 'physnet1', '10.90.0.0/24');
      assert.deepEqual(await hostsOf(client, flat), ['pn-physnet1']);
      const vlan = await providerNetwork('vlan', 'physnet1', '10.90.1.0/24');
      assert.deepEqual(await hostsOf(client, vlan), ['pn-physnet1']);
      // A physnet nobody maps: unhosted rather than bound to an agent that cannot plug it.
      const other = await providerNetwork('flat', 'physnet2', '10.90.2.0/24');
      assert.deepEqual(await hostsOf(client, other), []);
      // A local network needs no mapping: both agents.
      const { net: local } = await network(client, '10.90.3.0/24');
      assert.deepEqual(await hostsOf(client, local), ['pn-physnet1', 'pn-unmapped']);

      // The unmapped agent's sync auto-schedules nothing it cannot plug.
      const active = await client.rpc('dhcp.get_active_networks', { host: 'pn-unmapped' });
      assert.deepEqual(
        active.networks.map((n) => n.id),
        [local],
      );
      assert.deepEqual(await hostsOf(client, other), []);

      // The mapped agent dies: its flat network is not moved to the agent without the mapping.
      client.advance(60);
      await client.report('pn-unmapped', { physicalNetworks: [] });
      client.advance(30); // pn-physnet1 silent for 90 s > agent_down_time (75 s)
      await client.report('pn-unmapped', { physicalNetworks: [] });
      await client.plane().checkAgents();
      assert.deepEqual(await hostsOf(client, flat), []);
      assert.deepEqual(await hostsOf(client, local), ['pn-unmapped']);

      // An agent that maps physnet2 takes the network nobody could host, on its first sync.
      await client.report('pn-physnet2', { physicalNetworks: ['physnet2'] });
      const second = await client.rpc('dhcp.get_active_networks', { host: 'pn-physnet2' });
      assert.ok(second.networks.some((n) => n.id === other));
      assert.deepEqual(await hostsOf(client, other), ['pn-physnet2']);
    });
  },
  { dhcp_agents_per_network: '2' },
);

forEachBackend(
  'agents API is admin only',
  (client) => {
    test('a member gets an empty list (as Neutron filters it) and 403 on the scheduler routes; an admin token gets the list', async () => {
      const member = { 'x-auth-token': 'alicetoken' };
      const listed = await client.request('GET', '/v2.0/agents', undefined, member);
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body, { agents: [] });
      const net = await client.request('POST', '/v2.0/networks', { network: { name: 'p' } }, member);
      const netId = (net.body['network'] as { id: string }).id;
      const refused = await client.request('GET', `/v2.0/networks/${netId}/dhcp-agents`, undefined, member);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.NeutronError?.type, 'HTTPForbidden');
      const admin = await client.request('GET', '/v2.0/agents', undefined, { 'x-auth-token': 'admintoken' });
      assert.equal(admin.status, 200);
      assert.deepEqual(admin.body['agents'], []);
    });
  },
  { auth_strategy: 'token', static_tokens: 'admintoken:admin:admin,alicetoken:alice:member' },
);

forEachAgentBackend(
  'agents: the periodic dead-agent check',
  (client) => {
    test('runs every agent_check_interval once started and moves the network', async () => {
      await client.report('tick-dead');
      const { net } = await network(client, '10.90.0.0/24');
      assert.deepEqual(await hostsOf(client, net), ['tick-dead']);
      client.advance(60);
      await client.report('tick-live');
      client.advance(20);
      client.plane().startLivenessCheck();
      for (let i = 0; i < 40 && (await hostsOf(client, net))[0] !== 'tick-live'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.deepEqual(await hostsOf(client, net), ['tick-live']);
    });
  },
  { agent_check_interval: '1' },
);

forEachAgentBackend(
  'agents: auto-scheduling and failover switched off',
  (client) => {
    test('no auto-scheduling on sync; a dead agent keeps its binding when failover is off', async () => {
      await client.report('off-1');
      const { net } = await network(client, '10.91.0.0/24');
      assert.deepEqual(await hostsOf(client, net), ['off-1'], 'subnet creation still schedules');
      client.advance(1000);
      const { net: unhosted } = await network(client, '10.92.0.0/24');
      await client.report('off-2');
      const active = await client.rpc('dhcp.get_active_networks', { host: 'off-2' });
      assert.deepEqual(active.networks, [], 'network_auto_schedule = false');
      assert.deepEqual(await hostsOf(client, unhosted), []);
      client.plane().startLivenessCheck(); // a no-op with allow_automatic_dhcp_failover = false
      await new Promise((resolve) => setTimeout(resolve, 1300));
      assert.deepEqual(await hostsOf(client, net), ['off-1']);
    });
  },
  { network_auto_schedule: 'false', allow_automatic_dhcp_failover: 'false', agent_check_interval: '1' },
);
