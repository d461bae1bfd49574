/**
 * Router scheduling end to end through the control plane (issue 13): role heartbeats listed as Neutron's
 * agent types, a router scheduled once it has something to serve (least routers first), the
 * `l3_agent_scheduler` API and its errors, the `l3.sync_routers` projection, router events addressed to
 * the router's host with growing revisions, and failover of a dead L3 agent's routers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { L3AgentMethod, L3MethodParams, L3MethodResult, RouterEventV1 } from '../bus/l3-agent-rpc.js';
import { type AgentClient, forEachAgentBackend } from './testing/agents-harness.js';
import { resource } from './testing/test-harness.js';

async function l3(client: AgentClient, method: L3AgentMethod, params: L3MethodParams<typeof method>) {
  return (await client.plane().bus.request({
    schema: 'qdhcp.request',
    version: 1,
    method,
    params: params as Record<string, unknown>,
  })) as L3MethodResult<typeof method>;
}

async function sync(client: AgentClient, host: string, routerIds?: string[]) {
  return (await l3(client, 'l3.sync_routers', {
    host,
    ...(routerIds !== undefined && { router_ids: routerIds }),
  })) as L3MethodResult<'l3.sync_routers'>;
}

function reportRole(client: AgentClient, host: string, agentType: 'L3 agent' | 'Linux bridge agent') {
  return l3(client, 'agent.report_role_state', {
    host,
    agentType,
    availabilityZone: 'nova',
    startFlag: false,
    configurations: agentType === 'L3 agent' ? { routers: 0, agent_mode: 'legacy' } : { devices: 0 },
  }) as Promise<L3MethodResult<'agent.report_role_state'>>;
}

async function created(client: AgentClient, url: string, key: string, body: Record<string, unknown>) {
  const reply = await client.request('POST', url, { [key]: body });
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return resource(reply, key);
}

/** A tenant network with a subnet and a router with an interface on it; returns the ids. */
async function routedSubnet(client: AgentClient, cidr: string) {
  const network = await created(client, '/v2.0/networks', 'network', { name: 'tenant' });
  const subnet = await created(client, '/v2.0/subnets', 'subnet', {
    network_id: network['id'],
    cidr,
    ip_version: 4,
  });
  const router = await created(client, '/v2.0/routers', 'router', { name: 'r' });
  const added = await client.request('PUT', `/v2.0/routers/${String(router['id'])}/add_router_interface`, {
    subnet_id: subnet['id'],
  });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  return { network: String(network['id']), subnet: String(subnet['id']), router: String(router['id']) };
}

function routerEvents(client: AgentClient): RouterEventV1[] {
  return client.events.filter((e): e is RouterEventV1 => e.schema === 'qdhcp.router-event');
}

async function agentId(client: AgentClient, host: string, type: string): Promise<string> {
  const reply = await client.request(
    'GET',
    `/v2.0/agents?host=${host}&agent_type=${encodeURIComponent(type)}`,
  );
  const [agent] = reply.body['agents'] as { id: string }[];
  assert.ok(agent, `${type} on ${host}`);
  return agent.id;
}

forEachAgentBackend('L3 agents and router scheduling', (client) => {
  test('one agent per role under a host: DHCP, L3 and Linux bridge, as Neutron names them', async () => {
    await client.report('roles-host');
    assert.equal((await reportRole(client, 'roles-host', 'L3 agent')).status, 'new');
    assert.equal((await reportRole(client, 'roles-host', 'Linux bridge agent')).status, 'new');
    assert.equal((await reportRole(client, 'roles-host', 'L3 agent')).status, 'alive');
    const reply = await client.request('GET', '/v2.0/agents?host=roles-host');
    const agents = (reply.body['agents'] as Record<string, unknown>[]).map((a) => [
      a['agent_type'],
      a['binary'],
      a['topic'],
      a['alive'],
    ]);
    assert.deepEqual(
      agents.sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        ['DHCP agent', 'qdhcp-agent', 'dhcp_agent', true],
        ['L3 agent', 'neutron-l3-agent', 'l3_agent', true],
        ['Linux bridge agent', 'neutron-linuxbridge-agent', 'N/A', true],
      ],
    );
    const exts = await client.request('GET', '/v2.0/extensions/l3_agent_scheduler');
    assert.equal(exts.status, 200);
  });

  test('a router is scheduled once it has an interface, to the L3 agent with the fewest routers', async () => {
    await reportRole(client, 'l3-a', 'L3 agent');
    await reportRole(client, 'l3-b', 'L3 agent');
    const empty = await created(client, '/v2.0/routers', 'router', { name: 'empty' });
    const none = await client.request('GET', `/v2.0/routers/${String(empty['id'])}/l3-agents`);
    assert.deepEqual(none.body, { agents: [] });
    const first = await routedSubnet(client, '10.31.1.0/24');
    const second = await routedSubnet(client, '10.31.2.0/24');
    const hostOf = async (router: string) => {
      const reply = await client.request('GET', `/v2.0/routers/${router}/l3-agents`);
      return (reply.body['agents'] as { id: string }[]).map((x) => x.id);
    };
    const firstAgents = await hostOf(first.router);
    const secondAgents = await hostOf(second.router);
    assert.equal(firstAgents.length, 1);
    assert.equal(secondAgents.length, 1);
    // Least routers first: the first router's agent now has one more than some other live agent.
    assert.notDeepEqual(firstAgents, secondAgents);
    const listed = await client.request('GET', `/v2.0/agents/${firstAgents[0]}/l3-routers`);
    assert.ok((listed.body['routers'] as { id: string }[]).some((r) => r.id === first.router));
  });

  test('l3.sync_routers projects the router: interface with subnet facts, gateway, floating IP, revisions grow', async () => {
    await reportRole(client, 'sync-host', 'L3 agent');
    const host = await agentId(client, 'sync-host', 'L3 agent');
    const external = await created(client, '/v2.0/networks', 'network', { 'router:external': true });
    await created(client, '/v2.0/subnets', 'subnet', {
      network_id: external['id'],
      cidr: '203.0.113.0/24',
      ip_version: 4,
    });
    const { router, subnet, network } = await routedSubnet(client, '10.32.0.0/24');
    // Pin it to sync-host (it may have gone to another live agent).
    const current = await client.request('GET', `/v2.0/routers/${router}/l3-agents`);
    const [holder] = current.body['agents'] as { id: string }[];
    if (holder && holder.id !== host) {
      assert.equal(
        (await client.request('DELETE', `/v2.0/agents/${holder.id}/l3-routers/${router}`)).status,
        204,
      );
    }
    if (holder?.id !== host) {
      const bound = await client.request('POST', `/v2.0/agents/${host}/l3-routers`, { router_id: router });
      assert.equal(bound.status, 201, JSON.stringify(bound.body));
    }
    client.events.length = 0;
    const gw = await client.request('PUT', `/v2.0/routers/${router}`, {
      router: { external_gateway_info: { network_id: external['id'] } },
    });
    assert.equal(gw.status, 200, JSON.stringify(gw.body));
    const port = await created(client, '/v2.0/ports', 'port', { network_id: network });
    const fixed = (port['fixed_ips'] as { ip_address: string }[])[0]!.ip_address;
    const fip = await created(client, '/v2.0/floatingips', 'floatingip', {
      floating_network_id: external['id'],
      port_id: port['id'],
    });
    const events = routerEvents(client).filter((e) => e.routerId === router);
    assert.deepEqual(
      events.map((e) => [e.host, e.action]),
      [
        ['sync-host', 'updated'],
        ['sync-host', 'updated'],
      ],
    );
    assert.ok(events[1]!.revision > events[0]!.revision, 'revisions grow');
    const [spec] = (await sync(client, 'sync-host', [router])).routers;
    assert.ok(spec);
    assert.equal(spec.revision, events[1]!.revision);
    assert.deepEqual(
      spec.interfaces.map((i) => i.addresses.map((x) => [x.subnetId, x.ipAddress, x.cidr, x.ipVersion])),
      [[[subnet, '10.32.0.1', '10.32.0.0/24', 4]]],
    );
    assert.equal(spec.gateway?.networkId, external['id']);
    assert.equal(spec.gateway?.enableSnat, true);
    assert.equal(spec.gateway?.addresses[0]?.gatewayIp, '203.0.113.1');
    assert.deepEqual(spec.floatingIps, [
      {
        id: fip['id'],
        floatingIpAddress: fip['floating_ip_address'],
        fixedIpAddress: fixed,
        portId: port['id'],
      },
    ]);
    // Another host gets nothing of it; a full sync of sync-host includes it.
    assert.deepEqual((await sync(client, 'l3-a', [router])).routers, []);
    assert.ok((await sync(client, 'sync-host')).routers.some((r) => r.id === router));
    // Disassociation reaches the host with a new revision and an empty floating IP list.
    client.events.length = 0;
    await client.request('PUT', `/v2.0/floatingips/${String(fip['id'])}`, { floatingip: { port_id: null } });
    const [after] = routerEvents(client);
    assert.ok(after && after.revision > spec.revision);
    assert.deepEqual((await sync(client, 'sync-host', [router])).routers[0]?.floatingIps, []);
  });

  test('projection table: gateway without SNAT, extra routes, interfaces in id order, admin-down; a port delete drops its floating IP', async () => {
    await reportRole(client, 'proj-host', 'L3 agent');
    const external = await created(client, '/v2.0/networks', 'network', { 'router:external': true });
    await created(client, '/v2.0/subnets', 'subnet', {
      network_id: external['id'],
      cidr: '198.51.100.0/24',
      ip_version: 4,
    });
    const first = await routedSubnet(client, '10.35.1.0/24');
    const second = await created(client, '/v2.0/networks', 'network', { name: 'second' });
    const secondSubnet = await created(client, '/v2.0/subnets', 'subnet', {
      network_id: second['id'],
      cidr: '10.35.2.0/24',
      ip_version: 4,
    });
    await client.request('PUT', `/v2.0/routers/${first.router}/add_router_interface`, {
      subnet_id: secondSubnet['id'],
    });
    const [holder] = (await client.request('GET', `/v2.0/routers/${first.router}/l3-agents`)).body[
      'agents'
    ] as { host: string }[];
    assert.ok(holder);
    const spec = async () => (await sync(client, holder.host, [first.router])).routers[0]!;
    const cases: [
      string,
      Record<string, unknown>,
      (s: Awaited<ReturnType<typeof spec>>) => unknown,
      unknown,
    ][] = [
      [
        'gateway without SNAT',
        { external_gateway_info: { network_id: external['id'], enable_snat: false } },
        (s) => [s.gateway?.networkId, s.gateway?.enableSnat, s.gateway?.addresses[0]?.cidr],
        [external['id'], false, '198.51.100.0/24'],
      ],
      [
        'extra route',
        { routes: [{ destination: '172.16.0.0/16', nexthop: '10.35.1.50' }] },
        (s) => s.routes,
        [{ destination: '172.16.0.0/16', nexthop: '10.35.1.50' }],
      ],
      [
        'two interfaces, sorted by port id',
        {},
        (s) => [
          s.interfaces.length,
          s.interfaces.map((i) => i.portId).join() ===
            s.interfaces
              .map((i) => i.portId)
              .sort()
              .join(),
        ],
        [2, true],
      ],
      ['admin-down', { admin_state_up: false }, (s) => s.adminStateUp, false],
      ['gateway removed', { external_gateway_info: null }, (s) => s.gateway, null],
    ];
    let revision = (await spec()).revision;
    for (const [name, update, read, expected] of cases) {
      if (Object.keys(update).length > 0) {
        const reply = await client.request('PUT', `/v2.0/routers/${first.router}`, { router: update });
        assert.equal(reply.status, 200, `${name}: ${JSON.stringify(reply.body)}`);
      }
      const now = await spec();
      assert.deepEqual(read(now), expected, name);
      if (Object.keys(update).length > 0) assert.ok(now.revision > revision, `${name}: revision grows`);
      revision = now.revision;
    }
    // A floating IP through the router, then its port deleted: the router's host is told, the NAT goes.
    await client.request('PUT', `/v2.0/routers/${first.router}`, {
      router: { external_gateway_info: { network_id: external['id'] } },
    });
    const port = await created(client, '/v2.0/ports', 'port', { network_id: first.network });
    await created(client, '/v2.0/floatingips', 'floatingip', {
      floating_network_id: external['id'],
      port_id: port['id'],
    });
    assert.equal((await spec()).floatingIps.length, 1);
    client.events.length = 0;
    assert.equal((await client.request('DELETE', `/v2.0/ports/${String(port['id'])}`)).status, 204);
    assert.deepEqual(
      routerEvents(client).map((e) => [e.routerId, e.action]),
      [[first.router, 'updated']],
    );
    assert.deepEqual((await spec()).floatingIps, []);
  });

  test('the scheduler API: Neutron errors for a wrong agent, a router hosted elsewhere, an unhosted router', async () => {
    await reportRole(client, 'api-a', 'L3 agent');
    await reportRole(client, 'api-b', 'L3 agent');
    await client.report('api-dhcp');
    const a = await agentId(client, 'api-a', 'L3 agent');
    const b = await agentId(client, 'api-b', 'L3 agent');
    const dhcp = await agentId(client, 'api-dhcp', 'DHCP agent');
    const { router } = await routedSubnet(client, '10.33.0.0/24');
    const [holder] = (await client.request('GET', `/v2.0/routers/${router}/l3-agents`)).body['agents'] as {
      id: string;
    }[];
    assert.ok(holder);
    const other = holder.id === a ? b : a;
    const type = (reply: { body: Record<string, unknown> }) =>
      (reply.body['NeutronError'] as { type: string } | undefined)?.type;
    const conflict = await client.request('POST', `/v2.0/agents/${other}/l3-routers`, { router_id: router });
    assert.deepEqual([conflict.status, type(conflict)], [409, 'RouterHostedByL3Agent']);
    const same = await client.request('POST', `/v2.0/agents/${holder.id}/l3-routers`, { router_id: router });
    assert.equal(same.status, 201);
    const wrong = await client.request('POST', `/v2.0/agents/${dhcp}/l3-routers`, { router_id: router });
    assert.deepEqual([wrong.status, type(wrong)], [404, 'InvalidL3Agent']);
    const missing = await client.request('POST', `/v2.0/agents/${holder.id}/l3-routers`, {
      router_id: '00000000-0000-0000-0000-000000000000',
    });
    assert.deepEqual([missing.status, type(missing)], [404, 'RouterNotFound']);
    const noBody = await client.request('POST', `/v2.0/agents/${holder.id}/l3-routers`, {});
    assert.equal(noBody.status, 400);
    const notHosted = await client.request('DELETE', `/v2.0/agents/${other}/l3-routers/${router}`);
    assert.deepEqual([notHosted.status, type(notHosted)], [409, 'RouterNotHostedByL3Agent']);
    const noAgent = await client.request(
      'GET',
      '/v2.0/agents/00000000-0000-0000-0000-000000000000/l3-routers',
    );
    assert.deepEqual([noAgent.status, type(noAgent)], [404, 'AgentNotFound']);
    const noRouter = await client.request(
      'GET',
      '/v2.0/routers/00000000-0000-0000-0000-000000000000/l3-agents',
    );
    assert.deepEqual([noRouter.status, type(noRouter)], [404, 'RouterNotFound']);
    // Unbind, then bind to the other agent: unbound goes to the old host, updated to the new one.
    client.events.length = 0;
    assert.equal(
      (await client.request('DELETE', `/v2.0/agents/${holder.id}/l3-routers/${router}`)).status,
      204,
    );
    assert.equal(
      (await client.request('POST', `/v2.0/agents/${other}/l3-routers`, { router_id: router })).status,
      201,
    );
    // Other suites' L3 agents are alive too: the first choice may be any of them.
    const hostOfAgent = async (id: string) =>
      ((await client.request('GET', `/v2.0/agents/${id}`)).body['agent'] as { host: string }).host;
    const hosts = new Map([
      [holder.id, await hostOfAgent(holder.id)],
      [other, await hostOfAgent(other)],
    ]);
    assert.deepEqual(
      routerEvents(client).map((e) => [e.host, e.action]),
      [
        [hosts.get(holder.id), 'unbound'],
        [hosts.get(other), 'updated'],
      ],
    );
  });

  test('failover: a dead L3 agent’s routers move to a live one; the dead host is told', async () => {
    await reportRole(client, 'fo-a', 'L3 agent');
    const a = await agentId(client, 'fo-a', 'L3 agent');
    const { router } = await routedSubnet(client, '10.34.0.0/24');
    const [holder] = (await client.request('GET', `/v2.0/routers/${router}/l3-agents`)).body['agents'] as {
      id: string;
    }[];
    if (holder?.id !== a) {
      if (holder) await client.request('DELETE', `/v2.0/agents/${holder.id}/l3-routers/${router}`);
      await client.request('POST', `/v2.0/agents/${a}/l3-routers`, { router_id: router });
    }
    // fo-a falls silent; only fo-b (and nothing else) keeps reporting past agent_down_time (75 s here).
    client.advance(80);
    await reportRole(client, 'fo-b', 'L3 agent');
    const b = await agentId(client, 'fo-b', 'L3 agent');
    client.events.length = 0;
    await client.plane().checkAgents();
    const moved = (await client.request('GET', `/v2.0/routers/${router}/l3-agents`)).body['agents'] as {
      id: string;
      alive: boolean;
    }[];
    assert.deepEqual(
      moved.map((x) => [x.id, x.alive]),
      [[b, true]],
    );
    const events = routerEvents(client).filter((e) => e.routerId === router);
    assert.deepEqual(
      events.map((e) => [e.host, e.action]),
      [
        ['fo-a', 'unbound'],
        ['fo-b', 'updated'],
      ],
    );
    assert.ok((await sync(client, 'fo-b')).routers.some((r) => r.id === router));
    assert.deepEqual(
      (await sync(client, 'fo-a')).routers.filter((r) => r.id === router),
      [],
    );
  });
});
