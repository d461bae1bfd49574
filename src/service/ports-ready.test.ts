import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createL2Rpc } from '../agent/l2/l2-rpc.js';
import { forEachAgentBackend } from '../api/testing/agents-harness.js';

forEachAgentBackend('dhcp.ports_ready and provisioning blocks', (client) => {
  async function network(cidr: string, enableDhcp = true): Promise<string> {
    const net = await client.request('POST', '/v2.0/networks', { network: { name: 'r' } });
    const networkId = (net.body['network'] as { id: string }).id;
    const subnet = await client.request('POST', '/v2.0/subnets', {
      subnet: { network_id: networkId, cidr, ip_version: 4, enable_dhcp: enableDhcp },
    });
    assert.equal(subnet.status, 201);
    return networkId;
  }
  async function port(networkId: string, deviceOwner = ''): Promise<string> {
    const created = await client.request('POST', '/v2.0/ports', {
      port: { network_id: networkId, device_owner: deviceOwner },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return (created.body['port'] as { id: string }).id;
  }
  const statusOf = async (id: string) =>
    ((await client.request('GET', `/v2.0/ports/${id}`)).body['port'] as { status: string }).status;
  const updates = () =>
    client.events.filter(
      (e) => e.schema === 'qdhcp.resource-event' && e.resource === 'port' && e.action === 'updated',
    ).length;

  test('ports Neutron never binds (probes too): DOWN → ACTIVE on DHCP alone, once', async () => {
    await client.report('ready-host');
    const networkId = await network('10.93.0.0/24');
    const ids = [await port(networkId, 'compute:probe'), await port(networkId, 'network:test')];
    client.events.length = 0;
    await client.rpc('dhcp.ports_ready', { host: 'ready-host', portIds: [...ids, ids[0]!] });
    assert.equal(updates(), 2, 'one update per port, a repeated id once');
    client.events.length = 0;
    // A periodic resync reports every port again: nothing changes, no event.
    await client.rpc('dhcp.ports_ready', {
      host: 'ready-host',
      portIds: [...ids, '00000000-0000-4000-8000-000000000000'],
    });
    assert.equal(updates(), 0);
    await client.rpc('dhcp.ports_ready', { host: 'ready-host', portIds: [] });
    for (const id of ids) assert.equal(await statusOf(id), 'ACTIVE');
  });

  test('an instance port needs both its wiring and DHCP; unplugged it is DOWN whatever DHCP says', async () => {
    await client.report('ready-host');
    const l2 = createL2Rpc(client.plane().bus);
    const networkId = await network('10.93.1.0/24');
    const nova = await port(networkId, 'compute:nova');
    const bare = await port(networkId);
    await client.rpc('dhcp.ports_ready', { host: 'ready-host', portIds: [nova, bare] });
    assert.equal(await statusOf(nova), 'DOWN', 'served but not wired');
    assert.equal(await statusOf(bare), 'DOWN', 'a port no host wires stays DOWN');
    client.events.length = 0;
    await client.rpc('dhcp.ports_ready', { host: 'ready-host', portIds: [nova, bare] });
    assert.equal(updates(), 0, 'a report again changes nothing');
    await l2.call('l2.port_bound', { host: 'h1', port_id: nova, up: true });
    assert.equal(await statusOf(nova), 'ACTIVE', 'wired and served');
    await l2.call('l2.port_bound', { host: 'h1', port_id: nova, up: false });
    assert.equal(await statusOf(nova), 'DOWN', 'unplugged');
    await client.rpc('dhcp.ports_ready', { host: 'ready-host', portIds: [nova] });
    assert.equal(await statusOf(nova), 'DOWN', 'DHCP readiness alone does not bring it back');
    await l2.call('l2.port_bound', { host: 'h1', port_id: nova, up: true });
    assert.equal(await statusOf(nova), 'ACTIVE', 'plugged again');

    // Wired first, served second: ACTIVE at the DHCP report.
    await l2.call('l2.port_bound', { host: 'h1', port_id: bare, up: true });
    const late = await port(networkId, 'compute:nova');
    await l2.call('l2.port_bound', { host: 'h1', port_id: late, up: true });
    assert.equal(await statusOf(late), 'DOWN', 'wired, DHCP not yet');
    await client.rpc('dhcp.ports_ready', { host: 'ready-host', portIds: [late] });
    assert.equal(await statusOf(late), 'ACTIVE');
  });

  test('an instance port with DHCP disabled on its subnets needs its wiring only', async () => {
    await client.report('ready-host');
    const l2 = createL2Rpc(client.plane().bus);
    const networkId = await network('10.93.2.0/24', false);
    const nova = await port(networkId, 'compute:nova');
    await l2.call('l2.port_bound', { host: 'h1', port_id: nova, up: true });
    assert.equal(await statusOf(nova), 'ACTIVE');
  });
});
