import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResourceEvent } from '../bus/index.js';
import { readNetworkState } from '../service/sync-service.js';
import { forEachBackend, makeNetwork, makeSubnet } from './testing/test-harness.js';

forEachBackend('HTTP edge', (client) => {
  const bodyCases: [string, string, string, number, string, string][] = [
    [
      'truncated JSON',
      'POST',
      '{"network": {"name": "x",',
      400,
      'HTTPBadRequest',
      'Body contains invalid data',
    ],
    ['JSON array', 'POST', '["not", "an", "object"]', 400, 'HTTPBadRequest', 'Body contains invalid data'],
    [
      'wrong key',
      'POST',
      '{"netwrk": {"name": "x"}}',
      400,
      'HTTPBadRequest',
      "Unable to find 'network' in request body",
    ],
    [
      'unknown attribute',
      'POST',
      '{"network": {"name": "x", "bogus_attr": 1}}',
      400,
      'HTTPBadRequest',
      "Unrecognized attribute(s) 'bogus_attr'",
    ],
    [
      'bad boolean',
      'POST',
      '{"network": {"admin_state_up": "maybe"}}',
      400,
      'InvalidInput',
      "Invalid input for operation: 'maybe' cannot be converted to boolean.",
    ],
    [
      'not allowed in POST',
      'POST',
      '{"network": {"status": "DOWN"}}',
      400,
      'HTTPBadRequest',
      "Attribute 'status' not allowed in POST",
    ],
    ['empty bulk', 'POST', '{"networks": []}', 400, 'HTTPBadRequest', 'Resources required'],
    [
      'wrong type',
      'POST',
      '{"network": {"name": 5}}',
      400,
      'HTTPBadRequest',
      'Invalid input for name. Reason: 5 is not a valid string.',
    ],
  ];
  test('malformed bodies are 400 with Neutron messages, nothing written', async () => {
    const before = (await client.request('GET', '/v2.0/networks')).body['networks'] as unknown[];
    for (const [label, method, body, status, type, message] of bodyCases) {
      const reply = await client.request(method, '/v2.0/networks', body);
      assert.deepEqual(reply.body, { NeutronError: { type, message, detail: '' } }, label);
      assert.equal(reply.status, status, label);
    }
    const garbage = await client.request(
      'PUT',
      '/v2.0/ports/00000000-0000-0000-0000-000000000000',
      'garbage',
    );
    assert.equal(garbage.body.NeutronError?.message, 'Body contains invalid data');
    const after = (await client.request('GET', '/v2.0/networks')).body['networks'] as unknown[];
    assert.equal(after.length, before.length);
  });

  test('oversize body is a 400', async () => {
    const reply = await client.request('POST', '/v2.0/networks', {
      network: { name: 'x', description: 'y'.repeat(200_000) },
    });
    assert.equal(reply.status, 400);
    assert.equal(reply.body.NeutronError?.type, 'HTTPBadRequest');
  });

  test('version discovery, resources, extensions, health, unknown URL', async () => {
    const root = await client.request('GET', '/', undefined, { host: '127.0.0.1:9697' });
    assert.deepEqual(root.body, {
      versions: [
        { id: 'v2.0', status: 'CURRENT', links: [{ rel: 'self', href: 'http://127.0.0.1:9697/v2.0/' }] },
      ],
    });
    const v2 = await client.request('GET', '/v2.0/');
    assert.deepEqual(
      (v2.body['resources'] as { collection: string }[]).map((r) => r.collection),
      ['networks', 'subnets', 'subnetpools', 'ports', 'agents'],
    );
    const extensions = await client.request('GET', '/v2.0/extensions');
    const aliases = (extensions.body['extensions'] as { alias: string }[]).map((e) => e.alias);
    for (const alias of ['extra_dhcp_opt', 'pagination', 'sorting', 'provider', 'net-mtu', 'project-id'])
      assert.ok(aliases.includes(alias));
    assert.equal((await client.request('GET', '/v2.0/extensions/pagination')).status, 200);
    assert.equal((await client.request('GET', '/v2.0/extensions/no-such-thing')).status, 404);
    assert.deepEqual((await client.request('GET', '/healthz')).body, { status: 'ok' });
    const unknown = await client.request('GET', '/v2.0/nosuchresource');
    assert.deepEqual(unknown.body, {
      NeutronError: { type: 'HTTPNotFound', message: 'The resource could not be found.', detail: '' },
    });
  });

  test('events: one per change after commit, consecutive network revisions, none for failures', async () => {
    const events: ResourceEvent[] = [];
    const unsubscribe = client.plane().bus.subscribe((event) => {
      if (event.schema === 'qdhcp.resource-event') events.push(event);
    });
    try {
      const net = await makeNetwork(client);
      const sub = await makeSubnet(client, net, '10.70.0.0/29');
      const port = await client.request('POST', '/v2.0/ports', { port: { network_id: net } });
      await client.request('POST', '/v2.0/ports', { port: { network_id: net, mac_address: 'bad' } });
      await client.request('PUT', `/v2.0/subnets/${sub}`, { subnet: { name: 'renamed' } });
      await client.request('DELETE', `/v2.0/ports/${(port.body['port'] as { id: string }).id}`);
      await new Promise((resolve) => setImmediate(resolve));
      const mine = events.filter((e) => e.networkId === net);
      assert.deepEqual(
        mine.map((e) => `${e.resource}.${e.action}`),
        ['network.created', 'subnet.created', 'port.created', 'subnet.updated', 'port.deleted'],
      );
      assert.deepEqual(
        mine.map((e) => e.networkRevision),
        [1, 2, 3, 4, 5],
      );
      assert.ok(mine.every((e) => e.schema === 'qdhcp.resource-event' && e.version === 1));
      assert.equal((mine[2]!.state as { mac_address: string }).mac_address.startsWith('fa:16:3e'), true);
      // The snapshot an agent's dhcp.get_network reply is built from.
      const plane = client.plane();
      const state = await readNetworkState(plane.database, plane.config, net);
      assert.equal(state.networkRevision, 5, 'the snapshot carries the revision of the last event');
      assert.equal(state.subnets.length, 1);
      assert.equal(state.ports.length, 0);
      // Port readiness (dhcp.ports_ready) is tested with agents in agents.test.ts.
    } finally {
      unsubscribe();
    }
  });
});

forEachBackend(
  'token auth',
  (client) => {
    test('X-Auth-Token maps to project and role; missing or unknown token is 401', async () => {
      assert.equal((await client.request('GET', '/v2.0/networks')).status, 401);
      assert.equal(
        (await client.request('GET', '/v2.0/networks', undefined, { 'x-auth-token': 'nope' })).status,
        401,
      );
      assert.equal((await client.request('GET', '/')).status, 200, 'version discovery needs no token');
      const admin = { 'x-auth-token': 'admintoken' };
      const alice = { 'x-auth-token': 'alicetoken' };
      const created = await client.request('POST', '/v2.0/networks', { network: { name: 'a' } }, alice);
      assert.equal(created.status, 201);
      assert.equal((created.body['network'] as { project_id: string }).project_id, 'alice');
      const bob = await client.request('GET', '/v2.0/networks', undefined, { 'x-auth-token': 'bobtoken' });
      assert.deepEqual(bob.body['networks'], []);
      const all = await client.request('GET', '/v2.0/networks', undefined, admin);
      assert.equal((all.body['networks'] as unknown[]).length, 1);
    });
  },
  {
    auth_strategy: 'token',
    static_tokens: 'admintoken:admin:admin,alicetoken:alice:member,bobtoken:bob:member',
  },
);
