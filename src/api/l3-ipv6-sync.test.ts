/**
 * Issue 15 on the L3 contract: a router interface on an IPv6 subnet carries the subnet's `ipv6_ra_mode` and
 * `dns_nameservers` to the agent (what its router advertisements say), and a change of the subnet's DNS
 * servers is a router change (a new revision and an event to the router's host), since the RDNSS of the
 * router's advertisements holds them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { L3MethodResult, RouterEventV1 } from '../bus/l3-agent-rpc.js';
import { forEachAgentBackend } from './testing/agents-harness.js';
import { resource } from './testing/test-harness.js';

forEachAgentBackend('L3 contract, IPv6 router interfaces', (client) => {
  async function created(url: string, key: string, body: Record<string, unknown>) {
    const reply = await client.request('POST', url, { [key]: body });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    return resource(reply, key);
  }

  async function sync(host: string, routerId: string) {
    const result = (await client.plane().bus.request({
      schema: 'qdhcp.request',
      version: 1,
      method: 'l3.sync_routers',
      params: { host, router_ids: [routerId] },
    })) as L3MethodResult<'l3.sync_routers'>;
    return result.routers[0];
  }

  test('ipv6_ra_mode and dns_nameservers reach the agent; a DNS change is a router event', async () => {
    await client.plane().bus.request({
      schema: 'qdhcp.request',
      version: 1,
      method: 'agent.report_role_state',
      params: {
        host: 'v6-host',
        agentType: 'L3 agent',
        availabilityZone: 'nova',
        startFlag: false,
        configurations: { routers: 0, agent_mode: 'legacy' },
      },
    });
    const network = await created('/v2.0/networks', 'network', { name: 'v6' });
    const v6 = await created('/v2.0/subnets', 'subnet', {
      network_id: network['id'],
      cidr: 'fd00:71::/64',
      ip_version: 6,
      ipv6_ra_mode: 'slaac',
      ipv6_address_mode: 'slaac',
      dns_nameservers: ['fd00:71::53'],
    });
    const v4 = await created('/v2.0/subnets', 'subnet', {
      network_id: network['id'],
      cidr: '10.71.0.0/24',
      ip_version: 4,
      dns_nameservers: ['10.71.0.53'],
    });
    const router = String((await created('/v2.0/routers', 'router', { name: 'r6' }))['id']);
    for (const subnet of [v6, v4]) {
      const added = await client.request('PUT', `/v2.0/routers/${router}/add_router_interface`, {
        subnet_id: subnet['id'],
      });
      assert.equal(added.status, 200, JSON.stringify(added.body));
    }
    const holder = (await client.request('GET', `/v2.0/routers/${router}/l3-agents`)).body['agents'] as {
      host: string;
    }[];
    const host = holder[0]?.host;
    assert.ok(host, 'the router is scheduled');
    const spec = await sync(host, router);
    const addresses = spec?.interfaces.flatMap((port) => port.addresses) ?? [];
    const ofV6 = addresses.find((a) => a.subnetId === v6['id']);
    const ofV4 = addresses.find((a) => a.subnetId === v4['id']);
    assert.deepEqual([ofV6?.ipv6RaMode, ofV6?.dnsNameservers], ['slaac', ['fd00:71::53']]);
    assert.deepEqual([ofV4?.ipv6RaMode, ofV4?.dnsNameservers], [undefined, undefined], 'IPv4: nothing new');

    client.events.length = 0;
    const updated = await client.request('PUT', `/v2.0/subnets/${String(v6['id'])}`, {
      subnet: { dns_nameservers: ['fd00:71::54', 'fd00:71::55'] },
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    const events = client.events.filter(
      (e): e is RouterEventV1 => e.schema === 'qdhcp.router-event' && e.routerId === router,
    );
    assert.deepEqual(
      events.map((e) => [e.host, e.action]),
      [[host, 'updated']],
    );
    assert.ok((events[0]?.revision ?? 0) > (spec?.revision ?? 0));
    const after = await sync(host, router);
    const changed = after?.interfaces.flatMap((port) => port.addresses).find((a) => a.subnetId === v6['id']);
    assert.deepEqual(changed?.dnsNameservers, ['fd00:71::54', 'fd00:71::55']);

    // An IPv4 subnet's DNS servers are not in any advertisement: no router event for them.
    client.events.length = 0;
    await client.request('PUT', `/v2.0/subnets/${String(v4['id'])}`, {
      subnet: { dns_nameservers: ['10.71.0.54'] },
    });
    assert.equal(client.events.filter((e) => e.schema === 'qdhcp.router-event').length, 0);
  });
});
