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

  test('binding:host_id moved through the API: DOWN until the new host reports; the old host is ignored', async () => {
    const l2 = createL2Rpc(client.plane().bus);
    const net = await client.request('POST', '/v2.0/networks', { network: { name: 'moved' } });
    const networkId = (net.body['network'] as { id: string }).id;
    await client.request('POST', '/v2.0/subnets', {
      subnet: { network_id: networkId, cidr: '10.94.1.0/24', ip_version: 4 },
    });
    const created = await client.request('POST', '/v2.0/ports', {
      port: { network_id: networkId, device_owner: 'compute:nova' },
    });
    const portId = (created.body['port'] as { id: string }).id;
    const device = `tap${portId.slice(0, 11)}`;
    const view = async () =>
      (await client.request('GET', `/v2.0/ports/${portId}`)).body['port'] as Record<string, unknown>;
    const move = async (host: string) => {
      const reply = await client.request('PUT', `/v2.0/ports/${portId}`, {
        port: { 'binding:host_id': host },
      });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      return reply.body['port'] as Record<string, unknown>;
    };

    assert.deepEqual(await l2.call('l2.port_bound', { host: 'h1', port_id: portId, up: true }), {
      bound: true,
    });
    assert.equal((await view())['status'], 'ACTIVE');

    const moved = await move('h2');
    assert.equal(moved['binding:host_id'], 'h2');
    assert.equal(moved['status'], 'DOWN', 'the L2 block is back until h2 reports');
    assert.equal(moved['binding:vif_type'], 'binding_failed', 'no L2 role on h2');
    assert.equal(
      (await l2.call('l2.get_port_by_device', { host: 'h2', device })).port?.['binding:host_id'],
      'h2',
    );

    // The old host's reports (its tap is still there) change nothing.
    assert.deepEqual(await l2.call('l2.port_bound', { host: 'h1', port_id: portId, up: true }), {
      bound: false,
    });
    assert.deepEqual(await l2.call('l2.port_bound', { host: 'h1', port_id: portId, up: false }), {
      bound: false,
    });
    assert.equal((await view())['status'], 'DOWN');
    assert.equal((await view())['binding:host_id'], 'h2');

    assert.deepEqual(await l2.call('l2.port_bound', { host: 'h2', port_id: portId, up: true }), {
      bound: true,
    });
    const bound = await view();
    assert.equal(bound['status'], 'ACTIVE');
    assert.equal(bound['binding:vif_type'], 'bridge');

    const unbound = await move('');
    assert.equal(unbound['status'], 'DOWN');
    assert.equal(unbound['binding:vif_type'], 'unbound');
    assert.deepEqual(await l2.call('l2.port_bound', { host: 'h2', port_id: portId, up: false }), {
      bound: false,
    });
  });

  test('a device name that is not tap + 11 id characters is refused at the edge', async () => {
    const l2 = createL2Rpc(client.plane().bus);
    await assert.rejects(l2.call('l2.get_port_by_device', { host: 'h1', device: 'tap%' }), (error: Error) =>
      /do not match the contract/.test(error.message),
    );
  });
});
