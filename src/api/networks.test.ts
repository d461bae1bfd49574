import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachBackend, makeNetwork, resource } from './testing/test-harness.js';

forEachBackend('networks API', (client) => {
  test('create fills Neutron defaults and the standard attributes', async () => {
    const reply = await client.request('POST', '/v2.0/networks', {
      network: { name: 'net-a', admin_state_up: true },
    });
    assert.equal(reply.status, 201);
    const network = resource(reply, 'network');
    assert.match(String(network['id']), /^[0-9a-f-]{36}$/);
    assert.equal(network['name'], 'net-a');
    assert.equal(network['tenant_id'], 'fake_project_id');
    assert.equal(network['project_id'], 'fake_project_id');
    assert.equal(network['mtu'], 1500);
    assert.equal(network['status'], 'ACTIVE');
    assert.deepEqual(network['subnets'], []);
    assert.equal(network['shared'], false);
    assert.equal(network['port_security_enabled'], true);
    assert.equal(network['provider:network_type'], 'local');
    assert.equal(network['revision_number'], 1);
    assert.match(String(network['created_at']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(String(reply.headers['x-openstack-request-id']), /^req-[0-9a-f-]{36}$/);
  });

  test('provider attributes: vlan from the CLI as strings, flat once per physnet, vxlan VNI', async () => {
    const vlan = await client.request('POST', '/v2.0/networks', {
      network: {
        name: 'vlan150',
        'provider:network_type': 'vlan',
        'provider:physical_network': 'physnet1',
        'provider:segmentation_id': '150',
        mtu: '1450',
      },
    });
    assert.equal(vlan.status, 201, JSON.stringify(vlan.body));
    assert.equal(resource(vlan, 'network')['provider:segmentation_id'], 150);
    assert.equal(resource(vlan, 'network')['mtu'], 1450);
    const again = await client.request('POST', '/v2.0/networks', {
      network: {
        'provider:network_type': 'vlan',
        'provider:physical_network': 'physnet1',
        'provider:segmentation_id': 150,
      },
    });
    assert.equal(again.status, 409);
    assert.equal(again.body.NeutronError?.type, 'VlanIdInUse');
    const flat = await client.request('POST', '/v2.0/networks', {
      network: { 'provider:network_type': 'flat', 'provider:physical_network': 'physnet9' },
    });
    assert.equal(flat.status, 201);
    assert.equal(resource(flat, 'network')['provider:segmentation_id'], null);
    const flat2 = await client.request('POST', '/v2.0/networks', {
      network: { 'provider:network_type': 'flat', 'provider:physical_network': 'physnet9' },
    });
    assert.equal(flat2.body.NeutronError?.type, 'FlatNetworkInUse');
    const vxlan = await client.request('POST', '/v2.0/networks', {
      network: { 'provider:network_type': 'vxlan' },
    });
    assert.equal(vxlan.status, 201);
    const vni = resource(vxlan, 'network')['provider:segmentation_id'] as number;
    assert.ok(vni >= 1000 && vni <= 1999);
    assert.equal(resource(vxlan, 'network')['mtu'], 1450);
    const big = await client.request('POST', '/v2.0/networks', {
      network: { 'provider:network_type': 'vxlan', mtu: 1451 },
    });
    assert.equal(big.status, 400);
    assert.equal(big.body.NeutronError?.type, 'InvalidInput');
  });

  test('show, update with revision bump, If-Match, delete', async () => {
    const id = await makeNetwork(client, { name: 'to-update' });
    const shown = await client.request('GET', `/v2.0/networks/${id}`);
    assert.equal(resource(shown, 'network')['name'], 'to-update');
    const updated = await client.request('PUT', `/v2.0/networks/${id}`, {
      network: {
        name: 'renamed',
        description: 'd',
        admin_state_up: false,
        mtu: '1400',
        dns_domain: 'D.org.',
      },
    });
    assert.equal(updated.status, 200);
    const network = resource(updated, 'network');
    assert.equal(network['name'], 'renamed');
    assert.equal(network['admin_state_up'], false);
    assert.equal(network['mtu'], 1400);
    assert.equal(network['dns_domain'], 'd.org.');
    assert.equal(network['revision_number'], 2);
    const stale = await client.request(
      'PUT',
      `/v2.0/networks/${id}`,
      { network: { name: 'x' } },
      { 'if-match': 'revision_number=1' },
    );
    assert.equal(stale.status, 412);
    const fresh = await client.request(
      'PUT',
      `/v2.0/networks/${id}`,
      { network: { name: 'x' } },
      { 'if-match': 'revision_number=2' },
    );
    assert.equal(fresh.status, 200);
    assert.equal((await client.request('DELETE', `/v2.0/networks/${id}`)).status, 204);
    const gone = await client.request('GET', `/v2.0/networks/${id}`);
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, {
      NeutronError: { type: 'NetworkNotFound', message: `Network ${id} could not be found.`, detail: '' },
    });
  });

  test('bulk create is all-or-nothing', async () => {
    const ok = await client.request('POST', '/v2.0/networks', {
      networks: [{ name: 'b1' }, { network: { name: 'b2' } }],
    });
    assert.equal(ok.status, 201);
    assert.deepEqual(
      (ok.body['networks'] as { name: string }[]).map((n) => n.name),
      ['b1', 'b2'],
    );
    const bad = await client.request('POST', '/v2.0/networks', {
      networks: [{ name: 'b3' }, { name: 'b4', mtu: 99999 }],
    });
    assert.equal(bad.status, 400);
    const list = await client.request('GET', '/v2.0/networks?name=b3');
    assert.deepEqual(list.body['networks'], []);
  });

  test('project reconciliation: mismatch is 400 with the exact tempest message', async () => {
    const reply = await client.request('POST', '/v2.0/networks', {
      network: { project_id: 'p1', tenant_id: 'p2' },
    });
    assert.equal(reply.status, 400);
    assert.equal(reply.body.NeutronError?.message, "'project_id' and 'tenant_id' do not match");
    const admin = await client.request('POST', '/v2.0/networks', {
      network: { project_id: 'p1', tenant_id: 'p1' },
    });
    assert.equal(resource(admin, 'network')['tenant_id'], 'p1');
    const foreign = await client.request(
      'POST',
      '/v2.0/networks',
      { network: { project_id: 'other' } },
      { 'x-project-id': 'mine' },
    );
    assert.equal(foreign.status, 400);
  });

  test('projects see their own and shared networks; others are 404', async () => {
    const privateId = await makeNetwork(client, { name: 'private', project_id: 'alice' });
    const sharedId = await makeNetwork(client, { name: 'shared', project_id: 'alice', shared: true });
    const bob = { 'x-project-id': 'bob' };
    const list = await client.request('GET', '/v2.0/networks', undefined, bob);
    const ids = (list.body['networks'] as { id: string }[]).map((n) => n.id);
    assert.ok(ids.includes(sharedId));
    assert.ok(!ids.includes(privateId));
    assert.equal((await client.request('GET', `/v2.0/networks/${privateId}`, undefined, bob)).status, 404);
    const shown = await client.request('GET', `/v2.0/networks/${sharedId}`, undefined, bob);
    assert.equal(shown.status, 200);
    assert.equal(
      resource(shown, 'network')['provider:network_type'],
      undefined,
      'provider attributes are admin-only',
    );
    assert.equal((await client.request('DELETE', `/v2.0/networks/${sharedId}`, undefined, bob)).status, 403);
  });

  test('delete with a user port is 409 NetworkInUse listing the port; DHCP ports go with it', async () => {
    const id = await makeNetwork(client);
    const dhcp = await client.request('POST', '/v2.0/ports', {
      port: { network_id: id, device_owner: 'network:dhcp' },
    });
    assert.equal(dhcp.status, 201);
    const user = await client.request('POST', '/v2.0/ports', { port: { network_id: id } });
    const portId = resource(user, 'port')['id'];
    const refused = await client.request('DELETE', `/v2.0/networks/${id}`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.NeutronError?.type, 'NetworkInUse');
    assert.match(String(refused.body.NeutronError?.message), new RegExp(`${portId}`));
    assert.equal((await client.request('DELETE', `/v2.0/ports/${portId}`)).status, 204);
    assert.equal((await client.request('DELETE', `/v2.0/networks/${id}`)).status, 204);
    const dhcpId = resource(dhcp, 'port')['id'];
    assert.equal((await client.request('GET', `/v2.0/ports/${dhcpId}`)).status, 404);
  });

  test('un-sharing a network another project uses is 409 InvalidSharedSetting; malformed If-Match is 400', async () => {
    const id = await makeNetwork(client, { shared: true, project_id: 'alice' });
    const port = await client.request(
      'POST',
      '/v2.0/ports',
      { port: { network_id: id } },
      { 'x-project-id': 'bob' },
    );
    assert.equal(port.status, 201);
    const unshare = await client.request('PUT', `/v2.0/networks/${id}`, { network: { shared: false } });
    assert.equal(unshare.status, 409);
    assert.equal(unshare.body.NeutronError?.type, 'InvalidSharedSetting');
    const malformed = await client.request(
      'PUT',
      `/v2.0/networks/${id}`,
      { network: { name: 'x' } },
      { 'if-match': 'etag-1' },
    );
    assert.equal(malformed.status, 400);
    const bulkPut = await client.request('PUT', `/v2.0/networks/${id}`, { networks: [{ name: 'x' }] });
    assert.equal(bulkPut.status, 400);
  });
});
