import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createL2Rpc } from '../agent/l2/l2-rpc.js';
import { forEachAgentBackend } from '../api/testing/agents-harness.js';

forEachAgentBackend('l2.get_port_by_device / l2.port_bound', (client) => {
  test('a tap name finds its port and network; port_bound binds it, and down makes it DOWN', async () => {
    const l2 = createL2Rpc(client.plane().bus);
    const net = await client.request('POST', '/v2.0/networks', { network: { name: 'l2' } });
    const networkId = (net.body['network'] as { id: string }).id;
    await client.request('POST', '/v2.0/subnets', {
      subnet: { network_id: networkId, cidr: '10.94.0.0/24', ip_version: 4 },
    });
    const created = await client.request('POST', '/v2.0/ports', {
      port: { network_id: networkId, allowed_address_pairs: [{ ip_address: '10.94.0.200' }] },
    });
    const portId = (created.body['port'] as { id: string }).id;
    const device = `tap${portId.slice(0, 11)}`;

    const found = await l2.call('l2.get_port_by_device', { host: 'h1', device });
    assert.equal(found.port?.id, portId);
    assert.equal(found.port?.port_security_enabled, true);
    assert.deepEqual(
      found.port?.allowed_address_pairs.map((pair) => pair.ip_address),
      ['10.94.0.200'],
    );
    assert.equal(found.network?.id, networkId);
    assert.deepEqual(found.network?.ports, []);

    const none = await l2.call('l2.get_port_by_device', { host: 'h1', device: 'tap00000000-00' });
    assert.deepEqual(none, { port: null, network: null });

    await l2.call('l2.port_bound', { host: 'h1', port_id: portId, up: true });
    const bound = (await client.request('GET', `/v2.0/ports/${portId}`)).body['port'] as Record<
      string,
      unknown
    >;
    assert.equal(bound['binding:host_id'], 'h1');
    assert.equal(bound['binding:vif_type'], 'bridge');

    client.events.length = 0;
    await l2.call('l2.port_bound', { host: 'h1', port_id: portId, up: true });
    assert.equal(client.events.length, 0, 'already bound: no write, no event');

    await l2.call('l2.port_bound', { host: 'h1', port_id: portId, up: false });
    const down = (await client.request('GET', `/v2.0/ports/${portId}`)).body['port'] as Record<
      string,
      unknown
    >;
    assert.equal(down['status'], 'DOWN');
    assert.equal(down['binding:host_id'], 'h1', 'the binding stays (Nova unbinds)');
  });

  test('a device name that is not tap + 11 id characters is refused at the edge', async () => {
    const l2 = createL2Rpc(client.plane().bus);
    await assert.rejects(l2.call('l2.get_port_by_device', { host: 'h1', device: 'tap%' }), (error: Error) =>
      /do not match the contract/.test(error.message),
    );
  });
});
