import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AgentClient, forEachAgentBackend } from '../api/testing/agents-harness.js';
import type { AgentBindingEventV1 } from '../bus/dhcp-agent-rpc.js';
import { peersOf } from './tunnel-peers.js';

test('peersOf: the other hosts’ addresses, not its own, sorted and unique', () => {
  const ips = new Map([
    ['a', '192.0.2.1'],
    ['b', '192.0.2.3'],
    ['c', '192.0.2.2'],
    ['d', '192.0.2.3'],
  ]);
  assert.deepEqual(peersOf(ips, 'a'), ['192.0.2.2', '192.0.2.3']);
  assert.deepEqual(peersOf(ips, 'b'), ['192.0.2.1', '192.0.2.2']); // d shares b's address: not a peer
  assert.deepEqual(peersOf(ips, 'unknown'), ['192.0.2.1', '192.0.2.2', '192.0.2.3']);
  assert.deepEqual(peersOf(new Map(), 'a'), []);
});

function report(client: AgentClient, host: string, tunnelIp?: string) {
  return client.rpc('agent.report_state', {
    host,
    binary: 'qdhcp-agent',
    agentType: 'DHCP agent',
    availabilityZone: 'nova',
    startFlag: false,
    configurations: {
      driver: 'builtin',
      networks: 0,
      subnets: 0,
      ports: 0,
      physicalNetworks: [],
      ...(tunnelIp !== undefined && { tunnelIp }),
    },
  });
}

async function network(client: AgentClient, type: 'vxlan' | 'local', cidr: string): Promise<string> {
  const created = await client.request('POST', '/v2.0/networks', {
    network: { name: type, 'provider:network_type': type },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = (created.body['network'] as { id: string }).id;
  const subnet = await client.request('POST', '/v2.0/subnets', {
    subnet: { network_id: id, cidr, ip_version: 4 },
  });
  assert.equal(subnet.status, 201, JSON.stringify(subnet.body));
  return id;
}

function rebound(client: AgentClient): string[] {
  return client.events
    .filter((e): e is AgentBindingEventV1 => e.schema === 'qdhcp.agent-binding' && e.action === 'bound')
    .map((e) => `${e.host}:${e.networkId}`)
    .sort();
}

forEachAgentBackend(
  'vxlan peers',
  (client) => {
    test('a vxlan network carries the other live agents’ tunnel IPs; a change is re-announced', async () => {
      await report(client, 'pa', '198.51.100.1');
      await report(client, 'pb', '198.51.100.2');
      await report(client, 'pc'); // no --local-ip: never a peer
      const vx = await network(client, 'vxlan', '10.91.0.0/24');
      const local = await network(client, 'local', '10.92.0.0/24');
      const hosts = async (net: string) =>
        (
          (await client.request('GET', `/v2.0/networks/${net}/dhcp-agents`)).body['agents'] as {
            host: string;
          }[]
        ).map((a) => a.host);
      const vxHosts = await hosts(vx);
      assert.equal(vxHosts.length, 2);

      const seen = await client.rpc('dhcp.get_network', { host: vxHosts[0]!, networkId: vx });
      const ownIp = vxHosts[0] === 'pa' ? '198.51.100.1' : vxHosts[0] === 'pb' ? '198.51.100.2' : undefined;
      const expected = ['198.51.100.1', '198.51.100.2'].filter((ip) => ip !== ownIp);
      assert.deepEqual(seen.network?.vxlan_peers, expected);
      const localHost = (await hosts(local))[0]!;
      const localView = await client.rpc('dhcp.get_network', { host: localHost, networkId: local });
      assert.equal(localView.network?.vxlan_peers, undefined);
      const active = await client.rpc('dhcp.get_active_networks', { host: vxHosts[0]! });
      assert.deepEqual(active.networks.find((n) => n.id === vx)?.vxlan_peers, expected);

      // First check records the set; nothing changed since → nothing announced.
      await client.plane().checkAgents();
      client.events.length = 0;
      await client.plane().checkAgents();
      assert.deepEqual(rebound(client), []);

      // A new host joins: every hosting agent with a tunnel IP re-reads the vxlan network (not the local one).
      await report(client, 'pd', '198.51.100.4');
      await client.plane().checkAgents();
      const tunnelHosts = vxHosts.filter((h) => h !== 'pc');
      assert.deepEqual(rebound(client), tunnelHosts.map((h) => `${h}:${vx}`).sort());
      const withD = await client.rpc('dhcp.get_network', { host: vxHosts[0]!, networkId: vx });
      assert.ok(withD.network?.vxlan_peers?.includes('198.51.100.4'));

      // pd goes silent past agent_down_time while the others report: its address leaves the peers.
      client.advance(60);
      for (const [host, ip] of [
        ['pa', '198.51.100.1'],
        ['pb', '198.51.100.2'],
        ['pc', undefined],
      ] as const)
        await report(client, host, ip);
      client.advance(20);
      for (const [host, ip] of [
        ['pa', '198.51.100.1'],
        ['pb', '198.51.100.2'],
        ['pc', undefined],
      ] as const)
        await report(client, host, ip);
      client.events.length = 0;
      await client.plane().checkAgents();
      assert.ok(rebound(client).some((entry) => entry.endsWith(`:${vx}`)));
      const withoutD = await client.rpc('dhcp.get_network', { host: vxHosts[0]!, networkId: vx });
      assert.deepEqual(withoutD.network?.vxlan_peers, expected);
    });
  },
  { dhcp_agents_per_network: '2', tenant_network_types: 'vxlan' },
);

/** The L2 role's heartbeat (src/main/agent-roles.ts), with Neutron's linuxbridge `tunneling_ip`. */
async function reportL2(client: AgentClient, host: string, tunnelingIp: string): Promise<void> {
  await client.plane().bus.request({
    schema: 'qdhcp.request',
    version: 1,
    method: 'agent.report_role_state',
    params: {
      host,
      agentType: 'Linux bridge agent',
      availabilityZone: 'nova',
      startFlag: false,
      configurations: { tunneling_ip: tunnelingIp, tunnel_types: ['vxlan'] },
    },
  });
}

forEachAgentBackend(
  'vxlan peers with an L2-only host',
  (client) => {
    test('an L2-only host is a peer of the DHCP host (and its arrival is re-announced), never hosting', async () => {
      await report(client, 'ha', '198.51.100.11');
      const vx = await network(client, 'vxlan', '10.93.0.0/24');
      await client.plane().checkAgents(); // records the set
      client.events.length = 0;
      await reportL2(client, 'hb', '198.51.100.12');
      await client.plane().checkAgents();
      assert.deepEqual(rebound(client), [`ha:${vx}`], "the DHCP host re-reads the network's peers");
      const seen = await client.rpc('dhcp.get_network', { host: 'ha', networkId: vx });
      assert.deepEqual(seen.network?.vxlan_peers, ['198.51.100.12']);
      const agents = (await client.request('GET', `/v2.0/networks/${vx}/dhcp-agents`)).body['agents'] as {
        host: string;
      }[];
      assert.deepEqual(
        agents.map((a) => a.host),
        ['ha'],
        'an L2-only host is not a DHCP agent',
      );
    });
  },
  { tenant_network_types: 'vxlan' },
);
