import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachAgentBackend } from '../api/testing/agents-harness.js';

forEachAgentBackend('dhcp.ports_ready', (client) => {
  test('DOWN → ACTIVE once; ports already ACTIVE, unknown or elsewhere cost no change', async () => {
    await client.report('ready-host');
    const net = await client.request('POST', '/v2.0/networks', { network: { name: 'r' } });
    const networkId = (net.body['network'] as { id: string }).id;
    const subnet = await client.request('POST', '/v2.0/subnets', {
      subnet: { network_id: networkId, cidr: '10.93.0.0/24', ip_version: 4 },
    });
    assert.equal(subnet.status, 201);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await client.request('POST', '/v2.0/ports', { port: { network_id: networkId } });
      ids.push((port.body['port'] as { id: string }).id);
    }
    const updates = () =>
      client.events.filter(
        (e) => e.schema === 'qdhcp.resource-event' && e.resource === 'port' && e.action === 'updated',
      ).length;
    client.events.length = 0;
    await client.rpc('dhcp.ports_ready', { host: 'ready-host', portIds: [...ids, ids[0]!] });
    assert.equal(updates(), 3, 'one update per port, a repeated id once');
    client.events.length = 0;
    // A periodic resync reports every port again: nothing changes, no event.
    await client.rpc('dhcp.ports_ready', {
      host: 'ready-host',
      portIds: [...ids, '00000000-0000-4000-8000-000000000000'],
    });
    assert.equal(updates(), 0);
    await client.rpc('dhcp.ports_ready', { host: 'ready-host', portIds: [] });
    for (const id of ids) {
      const port = await client.request('GET', `/v2.0/ports/${id}`);
      assert.equal((port.body['port'] as { status: string }).status, 'ACTIVE');
    }
  });
});
