import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BusEvent } from '../bus/index.js';
import {
  type Client,
  forEachBackend,
  makeNetwork,
  makePort,
  makeSubnet,
  type Reply,
  resource,
} from './testing/test-harness.js';

const INSTANCES = '/v2.0/qdhcp/instances';

async function newPort(
  client: Client,
  networkId: string,
  attributes: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<string> {
  return (await makePort(client, networkId, attributes, headers)).id;
}

async function port(client: Client, id: string): Promise<Record<string, unknown>> {
  return resource(await client.request('GET', `/v2.0/ports/${id}`), 'port');
}

function createInstance(
  client: Client,
  instance: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return client.request('POST', INSTANCES, { instance }, headers);
}

function assertRefused(reply: Reply, status: number, type: string, message?: RegExp): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(reply.body.NeutronError?.type, type);
  if (message) assert.match(reply.body.NeutronError?.message ?? '', message);
}

/** Records the bus events of a test; `waitFor` polls (bounded) because delivery is asynchronous. */
function recordEvents(client: Client) {
  const events: BusEvent[] = [];
  const unsubscribe = client.plane().bus.subscribe((event) => {
    events.push(event);
  });
  return {
    events,
    unsubscribe,
    async waitFor(predicate: (event: Record<string, unknown>) => boolean, what: string) {
      for (let i = 0; i < 200; i++) {
        const found = events.find((e) => predicate(e as unknown as Record<string, unknown>));
        if (found) return found as unknown as Record<string, unknown>;
        await sleep(10);
      }
      assert.fail(`no event: ${what}`);
    },
  };
}

forEachBackend('instances API', (client) => {
  test('ec2_instance_id: i-%08x, distinct under concurrent creates, never reused after a delete', async () => {
    const idOf = (reply: Reply) => {
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      const text = String(resource(reply, 'instance')['ec2_instance_id']);
      assert.match(text, /^i-[0-9a-f]{8,}$/);
      return text;
    };
    const first = await createInstance(client, { name: 'ec2-a' });
    const firstId = idOf(first);
    // Several writers at once (PostgreSQL: parallel transactions on the counter row).
    const parallel = await Promise.all(
      Array.from({ length: 6 }, (_, i) => createInstance(client, { name: `ec2-p${i}` })),
    );
    const ids = parallel.map(idOf);
    assert.equal(new Set([firstId, ...ids]).size, 7, `distinct: ${[firstId, ...ids].join(' ')}`);
    const numbers = [firstId, ...ids].map((id) => Number.parseInt(id.slice(2), 16));
    const newest = Math.max(...numbers);
    const newestUuid = String(resource(parallel[numbers.indexOf(newest) - 1]!, 'instance')['id']);
    assert.equal((await client.request('DELETE', `${INSTANCES}/${newestUuid}`)).status, 204);
    const after = idOf(await createInstance(client, { name: 'ec2-after-delete' }));
    assert.equal(
      Number.parseInt(after.slice(2), 16),
      newest + 1,
      'the deleted number is not handed out again',
    );
    const shown = await client.request('GET', `${INSTANCES}/${resource(first, 'instance')['id']}`);
    assert.equal(resource(shown, 'instance')['ec2_instance_id'], firstId, 'stable on read');
  });

  test('create: 201, hostname from the name, ports taken with port.updated events', async (t) => {
    const recorder = recordEvents(client);
    t.after(recorder.unsubscribe);
    const net = await makeNetwork(client);
    await makeSubnet(client, net, '10.60.0.0/24');
    const a = await newPort(client, net);
    const b = await newPort(client, net, { device_owner: 'compute:nova' });
    const userData = Buffer.from('#cloud-config\nhostname: x\n').toString('base64');
    const reply = await createInstance(client, {
      name: 'Web Server_1.example',
      ports: [a, b],
      public_keys: { default: 'ssh-ed25519 AAAAC3Nza test@host' },
      user_data: userData,
      metadata: { role: 'web' },
      availability_zone: 'zone-a',
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const instance = resource(reply, 'instance');
    assert.match(String(instance['id']), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(instance['hostname'], 'web-server-1-example');
    assert.equal(instance['availability_zone'], 'zone-a');
    assert.equal(instance['user_data'], userData);
    assert.deepEqual(instance['metadata'], { role: 'web' });
    assert.deepEqual(instance['public_keys'], { default: 'ssh-ed25519 AAAAC3Nza test@host' });
    assert.equal(instance['launch_index'], 0);
    assert.equal(instance['project_id'], 'fake_project_id');
    assert.deepEqual([...(instance['ports'] as string[])].sort(), [a, b].sort());
    const portA = await port(client, a);
    assert.equal(portA['device_id'], instance['id']);
    assert.equal(portA['device_owner'], 'compute:qdhcp');
    const portB = await port(client, b);
    assert.equal(portB['device_id'], instance['id']);
    assert.equal(portB['device_owner'], 'compute:nova', 'an owner already set is kept');
    for (const id of [a, b]) {
      const event = await recorder.waitFor(
        (e) =>
          e['resource'] === 'port' &&
          e['action'] === 'updated' &&
          e['id'] === id &&
          (e['state'] as Record<string, unknown>)['device_id'] === instance['id'],
        `port.updated for ${id}`,
      );
      assert.equal(event['networkId'], net);
    }
  });

  test('show, list with filters, fields and pagination', async () => {
    const net = await makeNetwork(client);
    await makeSubnet(client, net, '10.61.0.0/24');
    const ids: string[] = [];
    for (const name of ['list-a', 'list-b', 'list-c']) {
      const reply = await createInstance(client, { name, ports: [await newPort(client, net)] });
      ids.push(String(resource(reply, 'instance')['id']));
    }
    const shown = await client.request('GET', `${INSTANCES}/${ids[1]}`);
    assert.equal(shown.status, 200);
    assert.equal(resource(shown, 'instance')['name'], 'list-b');
    assert.equal(resource(shown, 'instance')['user_data'], null);
    const byName = await client.request(
      'GET',
      `${INSTANCES}?name=list-b&name=list-c&fields=id&fields=hostname`,
    );
    assert.equal(byName.status, 200);
    const found = byName.body['instances'] as Record<string, unknown>[];
    assert.deepEqual(found.map((i) => i['hostname']).sort(), ['list-b', 'list-c']);
    assert.deepEqual(Object.keys(found[0]!).sort(), ['hostname', 'id']);
    const page = await client.request('GET', `${INSTANCES}?hostname=list-a&hostname=list-b&limit=1`);
    assert.equal((page.body['instances'] as unknown[]).length, 1);
    assert.ok(Array.isArray(page.body['instances_links']));
    assertRefused(await client.request('GET', `${INSTANCES}?user_data=x`), 400, 'HTTPBadRequest');
    assertRefused(
      await client.request('GET', `${INSTANCES}/6a0c2a56-5d5e-4a57-9d80-1d1f6f9a0b11`),
      404,
      'InstanceNotFound',
      /Instance 6a0c2a56-5d5e-4a57-9d80-1d1f6f9a0b11 could not be found/,
    );
  });

  test('update: attributes, user data cleared, ports replaced (released one cleared), If-Match', async (t) => {
    const recorder = recordEvents(client);
    t.after(recorder.unsubscribe);
    const net = await makeNetwork(client);
    await makeSubnet(client, net, '10.62.0.0/24');
    const [a, b] = [await newPort(client, net), await newPort(client, net)];
    const created = resource(
      await createInstance(client, { name: 'upd', ports: [a], user_data: 'aGVsbG8=' }),
      'instance',
    );
    const id = String(created['id']);
    const reply = await client.request(
      'PUT',
      `${INSTANCES}/${id}`,
      {
        instance: {
          name: 'renamed',
          hostname: 'new-host',
          metadata: { k: 'v' },
          user_data: null,
          public_keys: { mine: 'ssh-rsa AAAA x' },
          ports: [b],
        },
      },
      { 'if-match': 'revision_number=1' },
    );
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const updated = resource(reply, 'instance');
    assert.equal(updated['name'], 'renamed');
    assert.equal(updated['hostname'], 'new-host');
    assert.equal(updated['user_data'], null);
    assert.deepEqual(updated['metadata'], { k: 'v' });
    assert.deepEqual(updated['ports'], [b]);
    assert.equal(updated['revision_number'], 2);
    const released = await port(client, a);
    assert.equal(released['device_id'], '');
    assert.equal(released['device_owner'], '');
    assert.equal((await port(client, b))['device_id'], id);
    await recorder.waitFor(
      (e) =>
        e['id'] === a &&
        e['action'] === 'updated' &&
        (e['state'] as Record<string, unknown>)['device_id'] === '',
      'release of the old port',
    );
    assertRefused(
      await client.request(
        'PUT',
        `${INSTANCES}/${id}`,
        { instance: { name: 'x' } },
        { 'if-match': 'revision_number=1' },
      ),
      412,
      'HTTPPreconditionFailed',
    );
    assertRefused(
      await client.request('PUT', `${INSTANCES}/${id}`, { instance: { availability_zone: 'z' } }),
      400,
      'HTTPBadRequest',
      /read-only/,
    );
  });

  test('delete: 204, the ports stay with device_id and the compute:qdhcp owner cleared', async (t) => {
    const recorder = recordEvents(client);
    t.after(recorder.unsubscribe);
    const net = await makeNetwork(client);
    await makeSubnet(client, net, '10.63.0.0/24');
    const a = await newPort(client, net);
    const b = await newPort(client, net, { device_owner: 'compute:nova' });
    const id = String(
      resource(await createInstance(client, { name: 'del', ports: [a, b] }), 'instance')['id'],
    );
    const reply = await client.request('DELETE', `${INSTANCES}/${id}`);
    assert.equal(reply.status, 204);
    const portA = await port(client, a);
    assert.deepEqual([portA['device_id'], portA['device_owner']], ['', '']);
    const portB = await port(client, b);
    assert.deepEqual([portB['device_id'], portB['device_owner']], ['', 'compute:nova']);
    await recorder.waitFor(
      (e) =>
        e['id'] === a &&
        e['action'] === 'updated' &&
        (e['state'] as Record<string, unknown>)['device_id'] === '',
      'port.updated after the delete',
    );
    assertRefused(await client.request('GET', `${INSTANCES}/${id}`), 404, 'InstanceNotFound');
    assertRefused(await client.request('DELETE', `${INSTANCES}/${id}`), 404, 'InstanceNotFound');
  });

  test('validation: bad base64, 64 KiB limit, unknown fields, hostname, keys, metadata → 400', async () => {
    const net = await makeNetwork(client);
    await makeSubnet(client, net, '10.64.0.0/24');
    const before = ((await client.request('GET', INSTANCES)).body['instances'] as unknown[]).length;
    const limit = 64 * 1024;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: 'x', user_data: 'not base64!' }, /not valid base64/],
      [{ name: 'x', user_data: 'abc' }, /not valid base64/],
      [{ name: 'x', user_data: Buffer.alloc(limit + 1, 7).toString('base64') }, /65537 bytes decoded/],
      [{ name: 'x', user_data: 42 }, /base64 string/],
      [{ name: 'x', flavor: 'm1.small' }, /Unrecognized attribute\(s\) 'flavor'/],
      [{ name: 'x', hostname: 'bad_host' }, /not a valid DNS label/],
      [{ name: 'x', hostname: `${'a'.repeat(64)}` }, /not a valid DNS label/],
      [{ name: 'x', public_keys: { default: 7 } }, /public_keys/],
      [{ name: 'x', public_keys: ['ssh-rsa A'] }, /public_keys/],
      [{ name: 'x', metadata: { k: { nested: 1 } } }, /metadata/],
      [{ name: 'x', metadata: { [''.padEnd(256, 'k')]: 'v' } }, /key '.*' is not 1 to 255/],
      [{ name: 'x', ports: 'not-a-list' }, /ports/],
      [
        {
          name: 'x',
          ports: ['6a0c2a56-5d5e-4a57-9d80-1d1f6f9a0b11', '6a0c2a56-5d5e-4a57-9d80-1d1f6f9a0b11'],
        },
        /ports/,
      ],
      [{ hostname: 'nameless' }, /Required attribute 'name'/],
      [{ name: 'x', id: '6a0c2a56-5d5e-4a57-9d80-1d1f6f9a0b11' }, /not allowed in POST/],
    ];
    for (const [instance, message] of cases) {
      assertRefused(await createInstance(client, instance), 400, 'HTTPBadRequest', message);
    }
    assertRefused(await client.request('POST', INSTANCES, '{"instance": '), 400, 'HTTPBadRequest');
    const after = ((await client.request('GET', INSTANCES)).body['instances'] as unknown[]).length;
    assert.equal(after, before, 'nothing was written');
    const exact = await createInstance(client, {
      name: 'big',
      user_data: Buffer.alloc(limit, 7)
        .toString('base64')
        .replace(/(.{76})/g, '$1\n'),
    });
    assert.equal(exact.status, 201, 'exactly 64 KiB (wrapped base64) is accepted');
    assert.equal(Buffer.from(String(resource(exact, 'instance')['user_data']), 'base64').length, limit);
  });

  test('ports: unknown 404, another device 409 PortInUse, network:* 409; all or nothing', async () => {
    const net = await makeNetwork(client);
    await makeSubnet(client, net, '10.65.0.0/24');
    const free = await newPort(client, net);
    const owned = await newPort(client, net, { device_id: 'some-other-vm', device_owner: 'compute:nova' });
    const dhcp = await newPort(client, net, { device_owner: 'network:dhcp' });
    assertRefused(
      await createInstance(client, { name: 'x', ports: ['6a0c2a56-5d5e-4a57-9d80-1d1f6f9a0b11'] }),
      404,
      'PortNotFound',
    );
    assertRefused(
      await createInstance(client, { name: 'x', ports: [free, owned] }),
      409,
      'PortInUse',
      /Port already has an attached device some-other-vm/,
    );
    assert.equal((await port(client, free))['device_id'], '', 'the free port was not taken (rolled back)');
    assertRefused(
      await createInstance(client, { name: 'x', ports: [dhcp] }),
      409,
      'UnsupportedPortDeviceOwner',
    );
    const first = await createInstance(client, { name: 'first', ports: [free] });
    assert.equal(first.status, 201);
    assertRefused(await createInstance(client, { name: 'second', ports: [free] }), 409, 'PortInUse');
    const names = (await client.request('GET', `${INSTANCES}?name=second&name=x`)).body[
      'instances'
    ] as unknown[];
    assert.equal(names.length, 0, 'no instance record was left by refused creates');
  });
});

forEachBackend('instances API, concurrent claims', (client) => {
  test('eight creates racing for one port: one wins, seven get 409 PortInUse', async () => {
    const net = await makeNetwork(client);
    await makeSubnet(client, net, '10.67.0.0/24');
    const contested = await newPort(client, net);
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => createInstance(client, { name: `racer-${i}`, ports: [contested] })),
    );
    const winners = replies.filter((r) => r.status === 201);
    assert.equal(winners.length, 1, JSON.stringify(replies.map((r) => r.status)));
    for (const loser of replies.filter((r) => r.status !== 201)) assertRefused(loser, 409, 'PortInUse');
    assert.equal((await port(client, contested))['device_id'], resource(winners[0]!, 'instance')['id']);
    const racers = (await client.request('GET', INSTANCES)).body['instances'] as { name: string }[];
    assert.equal(racers.filter((i) => i.name.startsWith('racer-')).length, 1, 'losers left no record');
  });
});

forEachBackend(
  'instances API, project isolation',
  (client) => {
    const admin = { 'x-auth-token': 'admintoken' };
    const alice = { 'x-auth-token': 'alicetoken' };
    const bob = { 'x-auth-token': 'bobtoken' };

    test('a project sees and changes only its instances; ports of others are not found', async () => {
      const net = String(
        resource(
          await client.request('POST', '/v2.0/networks', { network: { name: 'alice-net' } }, alice),
          'network',
        )['id'],
      );
      const subnet = await client.request(
        'POST',
        '/v2.0/subnets',
        { subnet: { network_id: net, cidr: '10.66.0.0/24', ip_version: 4 } },
        alice,
      );
      assert.equal(subnet.status, 201);
      const alicePort = await newPort(client, net, {}, alice);
      const secondPort = await newPort(client, net, {}, alice);
      const created = await createInstance(client, { name: 'alice-vm', ports: [alicePort] }, alice);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = String(resource(created, 'instance')['id']);
      assert.equal(resource(created, 'instance')['project_id'], 'alice');

      assert.deepEqual((await client.request('GET', INSTANCES, undefined, bob)).body['instances'], []);
      assertRefused(
        await client.request('GET', `${INSTANCES}/${id}`, undefined, bob),
        404,
        'InstanceNotFound',
      );
      assertRefused(
        await client.request('PUT', `${INSTANCES}/${id}`, { instance: { name: 'stolen' } }, bob),
        404,
        'InstanceNotFound',
      );
      assertRefused(
        await client.request('DELETE', `${INSTANCES}/${id}`, undefined, bob),
        404,
        'InstanceNotFound',
      );
      assertRefused(
        await createInstance(client, { name: 'bob-vm', ports: [secondPort] }, bob),
        404,
        'PortNotFound',
      );
      assertRefused(
        await createInstance(client, { name: 'x', project_id: 'bob' }, alice),
        400,
        'HTTPBadRequest',
        /requires admin/,
      );
      const all = (await client.request('GET', INSTANCES, undefined, admin)).body['instances'] as {
        id: string;
      }[];
      assert.ok(
        all.some((i) => i.id === id),
        'the admin sees every project',
      );
      assertRefused(
        await createInstance(client, { name: 'admin-vm', ports: [secondPort] }, admin),
        400,
        'PortNotUsable',
        /belongs to project alice/,
      );
      const forAlice = await createInstance(
        client,
        { name: 'for-alice', project_id: 'alice', ports: [secondPort] },
        admin,
      );
      assert.equal(forAlice.status, 201, 'an admin creates an instance in the port project');
      assert.equal((await client.request('DELETE', `${INSTANCES}/${id}`, undefined, alice)).status, 204);
      assertRefused(await client.request('GET', INSTANCES), 401, 'HTTPUnauthorized');
    });
  },
  {
    auth_strategy: 'token',
    static_tokens: 'admintoken:admin:admin,alicetoken:alice:member,bobtoken:bob:member',
  },
);
