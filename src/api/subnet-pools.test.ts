import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Client, forEachBackend, makeNetwork, makeSubnet, resource } from './testing/test-harness.js';

const bob = { 'x-project-id': 'bob' };
const alice = { 'x-project-id': 'alice' };

async function makePool(
  client: Client,
  attributes: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const reply = await client.request(
    'POST',
    '/v2.0/subnetpools',
    { subnetpool: { name: 'pool', ...attributes } },
    headers,
  );
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return resource(reply, 'subnetpool');
}

async function makeScope(
  client: Client,
  attributes: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<string> {
  const reply = await client.request(
    'POST',
    '/v2.0/address-scopes',
    { address_scope: { name: 'scope', ...attributes } },
    headers,
  );
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return resource(reply, 'address_scope')['id'] as string;
}

async function subnetFrom(
  client: Client,
  network: string,
  attributes: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  return client.request(
    'POST',
    '/v2.0/subnets',
    { subnet: { network_id: network, ip_version: 4, ...attributes } },
    headers,
  );
}

function errorType(reply: { body: { NeutronError?: { type: string } } }): string | undefined {
  return reply.body.NeutronError?.type;
}

forEachBackend('subnet pools API', (client) => {
  test('create shows Neutron defaults: compacted prefixes, bounds as strings, not default or shared', async () => {
    const pool = await makePool(client, {
      prefixes: ['10.11.12.0/25', '10.11.12.128/25', '10.11.12.13/24'],
      min_prefixlen: '29',
    });
    assert.deepEqual(pool['prefixes'], ['10.11.12.0/24']);
    assert.equal(pool['ip_version'], 4);
    assert.equal(pool['min_prefixlen'], '29');
    assert.equal(pool['default_prefixlen'], '29');
    assert.equal(pool['max_prefixlen'], '32');
    assert.equal(pool['default_quota'], null);
    assert.equal(pool['is_default'], false);
    assert.equal(pool['shared'], false);
    assert.equal(pool['address_scope_id'], null);
    assert.equal(pool['revision_number'], 0);
    assert.deepEqual(pool['tags'], []);
    const v6 = await makePool(client, { prefixes: ['2001:db8:3::/48'] });
    assert.equal(v6['ip_version'], 6);
    assert.equal(v6['min_prefixlen'], '64');
    assert.equal(v6['max_prefixlen'], '128');
  });

  test('prefix and bound rules', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ prefixes: [] }, 400, 'EmptySubnetPoolPrefixList'],
      [{ prefixes: ['10.0.0.0/8', '2001:db8::/32'] }, 400, 'PrefixVersionMismatch'],
      [{ prefixes: ['10.0.0/8'] }, 400, 'HTTPBadRequest'],
      [
        { prefixes: ['10.0.0.0/8'], min_prefixlen: 24, max_prefixlen: 16 },
        400,
        'IllegalSubnetPoolPrefixBounds',
      ],
      [{ prefixes: ['10.0.0.0/8'], max_prefixlen: 33 }, 400, 'IllegalSubnetPoolPrefixBounds'],
      [{ prefixes: ['10.0.0.0/8'], default_prefixlen: 4 }, 400, 'IllegalSubnetPoolPrefixBounds'],
      [{ prefixes: ['10.0.0.0/8'], shared: true }, 403, 'HTTPForbidden'],
      [{ prefixes: ['10.0.0.0/8'], is_default: true }, 403, 'HTTPForbidden'],
    ];
    for (const [attributes, status, type] of cases) {
      const reply = await client.request(
        'POST',
        '/v2.0/subnetpools',
        { subnetpool: { name: 'x', ...attributes } },
        bob,
      );
      assert.equal(reply.status, status, JSON.stringify([attributes, reply.body]));
      assert.equal(errorType(reply), type);
    }
  });

  test('update grows prefixes only, re-checks bounds, bumps the revision; shared is read-only', async () => {
    const pool = await makePool(client, { prefixes: ['10.11.12.0/24'], min_prefixlen: 29 }, bob);
    const url = `/v2.0/subnetpools/${pool['id']}`;
    const grown = await client.request('PUT', url, { subnetpool: { prefixes: ['10.11.0.0/16'] } }, bob);
    assert.equal(grown.status, 200, JSON.stringify(grown.body));
    assert.deepEqual(resource(grown, 'subnetpool')['prefixes'], ['10.11.0.0/16']);
    assert.equal(resource(grown, 'subnetpool')['revision_number'], 1);
    const shrink = await client.request('PUT', url, { subnetpool: { prefixes: ['10.11.12.0/26'] } }, bob);
    assert.equal(errorType(shrink), 'IllegalSubnetPoolPrefixUpdate');
    const bounds = await client.request(
      'PUT',
      url,
      { subnetpool: { min_prefixlen: 28, max_prefixlen: 30 } },
      bob,
    );
    assert.equal(resource(bounds, 'subnetpool')['max_prefixlen'], '30');
    const bad = await client.request('PUT', url, { subnetpool: { max_prefixlen: 27 } }, bob);
    assert.equal(errorType(bad), 'IllegalSubnetPoolPrefixBounds');
    const shared = await client.request('PUT', url, { subnetpool: { shared: true } });
    assert.equal(shared.status, 400);
    const other = await client.request('GET', url, undefined, alice);
    assert.equal(other.status, 404);
  });

  test('subnets from a pool: default length, prefixlen, specific cidr, bounds, exhaustion, delete guard', async () => {
    const pool = await makePool(client, { prefixes: ['10.30.0.0/24'], min_prefixlen: 26, max_prefixlen: 28 });
    const network = await makeNetwork(client);
    const first = await subnetFrom(client, network, { subnetpool_id: pool['id'] });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const subnet = resource(first, 'subnet');
    assert.equal(subnet['cidr'], '10.30.0.0/26');
    assert.equal(subnet['subnetpool_id'], pool['id']);
    assert.equal(subnet['gateway_ip'], '10.30.0.1');
    assert.deepEqual(subnet['allocation_pools'], [{ start: '10.30.0.2', end: '10.30.0.62' }]);
    const second = await subnetFrom(client, network, { subnetpool_id: pool['id'], prefixlen: 28 });
    assert.equal(resource(second, 'subnet')['cidr'], '10.30.0.64/28');
    const specific = await subnetFrom(client, network, { subnetpool_id: pool['id'], cidr: '10.30.0.128/27' });
    assert.equal(resource(specific, 'subnet')['cidr'], '10.30.0.128/27');
    const taken = await subnetFrom(client, network, { subnetpool_id: pool['id'], cidr: '10.30.0.0/27' });
    assert.equal(taken.status, 409);
    assert.equal(errorType(taken), 'SubnetAllocationError');
    const tooLong = await subnetFrom(client, network, { subnetpool_id: pool['id'], prefixlen: 30 });
    assert.equal(errorType(tooLong), 'MaxPrefixSubnetAllocationError');
    const tooShort = await subnetFrom(client, network, { subnetpool_id: pool['id'], prefixlen: 24 });
    assert.equal(errorType(tooShort), 'MinPrefixSubnetAllocationError');
    const both = await subnetFrom(client, network, {
      subnetpool_id: pool['id'],
      prefixlen: 28,
      cidr: '10.30.0.192/28',
    });
    assert.equal(errorType(both), 'BadRequest');
    const pools = await subnetFrom(client, network, {
      subnetpool_id: pool['id'],
      allocation_pools: [{ start: '10.30.0.200', end: '10.30.0.201' }],
    });
    assert.equal(errorType(pools), 'BadRequest');
    const v6 = await subnetFrom(client, network, { subnetpool_id: pool['id'], ip_version: 6 });
    assert.equal(errorType(v6), 'BadRequest');
    const inUse = await client.request('DELETE', `/v2.0/subnetpools/${pool['id']}`);
    assert.equal(errorType(inUse), 'SubnetPoolDeleteError');
    const filtered = await client.request('GET', `/v2.0/subnets?subnetpool_id=${pool['id']}`);
    assert.equal((filtered.body['subnets'] as unknown[]).length, 3);
  });

  test('subnets taken from one pool at the same time get distinct CIDRs', async () => {
    const pool = await makePool(client, { prefixes: ['10.35.0.0/24'], min_prefixlen: 28 });
    const networks = await Promise.all(Array.from({ length: 8 }, () => makeNetwork(client)));
    const replies = await Promise.all(
      networks.map((network) => subnetFrom(client, network, { subnetpool_id: pool['id'], prefixlen: 28 })),
    );
    const cidrs = replies.map((reply) => {
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      return resource(reply, 'subnet')['cidr'];
    });
    assert.equal(new Set(cidrs).size, 8, cidrs.join(' '));
  });

  test('quota per project, in addresses', async () => {
    const pool = await makePool(client, {
      prefixes: ['10.31.0.0/24'],
      min_prefixlen: 28,
      default_quota: 20,
      shared: true,
    });
    const network = await makeNetwork(client, {});
    const own = await makeNetwork(client, { name: 'bob-net', project_id: 'bob' });
    const ok = await subnetFrom(client, own, { subnetpool_id: pool['id'], prefixlen: 28 }, bob);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const over = await subnetFrom(client, own, { subnetpool_id: pool['id'], cidr: '10.31.0.128/28' }, bob);
    assert.equal(over.status, 409);
    assert.equal(errorType(over), 'SubnetPoolQuotaExceeded');
    const admin = await subnetFrom(client, network, { subnetpool_id: pool['id'], prefixlen: 28 });
    assert.equal(admin.status, 201, JSON.stringify(admin.body));
  });

  test('default pool: one per family, used by use_default_subnetpool', async () => {
    const none = await subnetFrom(client, await makeNetwork(client), {
      use_default_subnetpool: true,
      ip_version: 6,
    });
    assert.equal(errorType(none), 'BadRequest');
    const pool = await makePool(client, {
      prefixes: ['10.40.0.0/16'],
      default_prefixlen: 24,
      is_default: true,
    });
    const second = await client.request('POST', '/v2.0/subnetpools', {
      subnetpool: { name: 'p2', prefixes: ['10.41.0.0/16'], is_default: true },
    });
    assert.equal(errorType(second), 'InvalidInput');
    const network = await makeNetwork(client);
    const reply = await subnetFrom(client, network, { use_default_subnetpool: true });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.equal(resource(reply, 'subnet')['subnetpool_id'], pool['id']);
    assert.equal(resource(reply, 'subnet')['cidr'], '10.40.0.0/24');
    const notAdmin = await client.request(
      'PUT',
      `/v2.0/subnetpools/${pool['id']}`,
      { subnetpool: { is_default: false } },
      bob,
    );
    assert.equal(notAdmin.status, 404);
    const off = await client.request('PUT', `/v2.0/subnetpools/${pool['id']}`, {
      subnetpool: { is_default: false },
    });
    assert.equal(resource(off, 'subnetpool')['is_default'], false);
  });

  test('one pool per family on a network', async () => {
    const pool = await makePool(client, { prefixes: ['192.168.0.0/16'], min_prefixlen: 24 });
    const network = await makeNetwork(client);
    await makeSubnet(client, network, '10.10.10.0/24');
    const reply = await subnetFrom(client, network, { subnetpool_id: pool['id'] });
    assert.equal(errorType(reply), 'NetworkSubnetPoolAffinityError');
  });

  test('add_prefixes and remove_prefixes', async () => {
    const pool = await makePool(client, { prefixes: ['192.168.1.0/24', '10.10.10.0/24'], min_prefixlen: 24 });
    const url = `/v2.0/subnetpools/${pool['id']}`;
    const added = await client.request('PUT', `${url}/add_prefixes`, {
      prefixes: ['192.168.2.0/24', '10.10.0.0/16'],
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual(added.body['prefixes'], ['10.10.0.0/16', '192.168.1.0/24', '192.168.2.0/24']);
    const network = await makeNetwork(client);
    await subnetFrom(client, network, { subnetpool_id: pool['id'], cidr: '192.168.2.0/24' });
    const busy = await client.request('PUT', `${url}/remove_prefixes`, { prefixes: ['192.168.2.0/24'] });
    assert.equal(errorType(busy), 'IllegalSubnetPoolPrefixUpdate');
    const removed = await client.request('PUT', `${url}/remove_prefixes`, { prefixes: ['10.10.0.0/17'] });
    assert.deepEqual(removed.body['prefixes'], ['10.10.128.0/17', '192.168.1.0/24', '192.168.2.0/24']);
    const empty = await client.request('PUT', `${url}/add_prefixes`, { prefixes: [] });
    assert.equal(empty.status, 400);
  });

  test('list: visibility, filters, sorting and pagination', async () => {
    await makePool(client, { name: 'list-b', prefixes: ['172.16.0.0/16'] }, alice);
    await makePool(client, { name: 'list-a', prefixes: ['172.17.0.0/16'] }, alice);
    const mine = await client.request(
      'GET',
      '/v2.0/subnetpools?shared=false&sort_key=name&sort_dir=asc',
      undefined,
      alice,
    );
    assert.deepEqual(
      (mine.body['subnetpools'] as { name: string }[]).map((p) => p.name),
      ['list-a', 'list-b'],
    );
    const page = await client.request('GET', '/v2.0/subnetpools?limit=1&shared=false', undefined, alice);
    assert.equal((page.body['subnetpools'] as unknown[]).length, 1);
    assert.ok(Array.isArray(page.body['subnetpools_links']));
    const unknown = await client.request('GET', '/v2.0/subnetpools?unknown_filter=1');
    assert.equal(unknown.status, 400);
    const others = await client.request('GET', '/v2.0/subnetpools?shared=false', undefined, {
      'x-project-id': 'nobody',
    });
    assert.deepEqual(others.body['subnetpools'], []);
  });
});

forEachBackend('address scopes API', (client) => {
  test('create, show, update name, only admins share, no unsharing', async () => {
    const id = await makeScope(client, { ip_version: 4 }, bob);
    const shown = await client.request('GET', `/v2.0/address-scopes/${id}`, undefined, bob);
    assert.deepEqual(Object.keys(resource(shown, 'address_scope')).sort(), [
      'id',
      'ip_version',
      'name',
      'project_id',
      'shared',
      'tenant_id',
    ]);
    const renamed = await client.request(
      'PUT',
      `/v2.0/address-scopes/${id}`,
      { address_scope: { name: 'n2' } },
      bob,
    );
    assert.equal(resource(renamed, 'address_scope')['name'], 'n2');
    const share = await client.request(
      'PUT',
      `/v2.0/address-scopes/${id}`,
      { address_scope: { shared: false } },
      bob,
    );
    assert.equal(share.status, 403);
    const denied = await client.request(
      'POST',
      '/v2.0/address-scopes',
      { address_scope: { ip_version: 4, shared: true } },
      bob,
    );
    assert.equal(denied.status, 403);
    const shared = await makeScope(client, { ip_version: 4, shared: true });
    const unshare = await client.request('PUT', `/v2.0/address-scopes/${shared}`, {
      address_scope: { shared: false },
    });
    assert.equal(errorType(unshare), 'AddressScopeUpdateError');
    assert.equal((await client.request('GET', `/v2.0/address-scopes/${shared}`, undefined, bob)).status, 200);
    const missing = await client.request('POST', '/v2.0/address-scopes', { address_scope: { name: 'x' } });
    assert.equal(missing.status, 400);
  });

  test('pools in a scope: ownership, family, overlap, in-use', async () => {
    const scope = await makeScope(client, { ip_version: 4 }, bob);
    const pool = await makePool(
      client,
      { prefixes: ['20.0.0.0/18', '30.0.0.0/18'], address_scope_id: scope },
      bob,
    );
    assert.equal(pool['address_scope_id'], scope);
    const overlap = await client.request(
      'POST',
      '/v2.0/subnetpools',
      { subnetpool: { name: 'o', prefixes: ['30.0.0.0/12'], address_scope_id: scope } },
      bob,
    );
    assert.equal(overlap.status, 409);
    assert.equal(errorType(overlap), 'AddressScopePrefixConflict');
    const v6scope = await makeScope(client, { ip_version: 6 }, bob);
    const family = await client.request(
      'PUT',
      `/v2.0/subnetpools/${pool['id']}`,
      { subnetpool: { address_scope_id: v6scope } },
      bob,
    );
    assert.equal(errorType(family), 'IllegalSubnetPoolIpVersionAssociationToAddressScope');
    const foreign = await client.request(
      'POST',
      '/v2.0/subnetpools',
      { subnetpool: { name: 'f', prefixes: ['40.0.0.0/18'], address_scope_id: scope } },
      alice,
    );
    assert.equal(foreign.status, 404);
    const inUse = await client.request('DELETE', `/v2.0/address-scopes/${scope}`, undefined, bob);
    assert.equal(errorType(inUse), 'AddressScopeInUse');
    const off = await client.request(
      'PUT',
      `/v2.0/subnetpools/${pool['id']}`,
      { subnetpool: { address_scope_id: null } },
      bob,
    );
    assert.equal(resource(off, 'subnetpool')['address_scope_id'], null);
    assert.equal(
      (await client.request('DELETE', `/v2.0/address-scopes/${scope}`, undefined, bob)).status,
      204,
    );
  });

  test("a shared scope of another project: no joining, and its pools are the scope owner's to change", async () => {
    const scope = await makeScope(client, { ip_version: 4, shared: true });
    const join = await client.request(
      'POST',
      '/v2.0/subnetpools',
      { subnetpool: { name: 'j', prefixes: ['50.0.0.0/18'], address_scope_id: scope } },
      bob,
    );
    assert.equal(errorType(join), 'IllegalSubnetPoolAssociationToAddressScope');
    const pool = await makePool(client, { prefixes: ['50.0.0.0/18'] }, bob);
    const url = `/v2.0/subnetpools/${pool['id']}`;
    assert.equal((await client.request('PUT', url, { subnetpool: { address_scope_id: scope } })).status, 200);
    const grow = await client.request('PUT', url, { subnetpool: { prefixes: ['50.0.0.0/17'] } }, bob);
    assert.equal(errorType(grow), 'IllegalSubnetPoolUpdate');
    assert.equal(
      (await client.request('PUT', url, { subnetpool: { prefixes: ['50.0.0.0/17'] } })).status,
      200,
    );
  });

  test('subnets of one family on a network stay in one scope', async () => {
    const scope = await makeScope(client, { ip_version: 4 });
    const a = await makePool(client, {
      prefixes: ['60.0.0.0/16'],
      min_prefixlen: 24,
      address_scope_id: scope,
    });
    const b = await makePool(client, {
      prefixes: ['61.0.0.0/16'],
      min_prefixlen: 24,
      address_scope_id: scope,
    });
    const c = await makePool(client, { prefixes: ['62.0.0.0/16'], min_prefixlen: 24 });
    const network = await makeNetwork(client);
    assert.equal((await subnetFrom(client, network, { subnetpool_id: a['id'] })).status, 201);
    assert.equal((await subnetFrom(client, network, { subnetpool_id: b['id'] })).status, 201);
    const other = await subnetFrom(client, network, { subnetpool_id: c['id'] });
    assert.equal(errorType(other), 'NetworkAddressScopeAffinityError');
    const shown = resource(await client.request('GET', `/v2.0/networks/${network}`), 'network');
    assert.equal(shown['ipv4_address_scope'], scope);
    assert.equal(shown['ipv6_address_scope'], null);
    const listed = await client.request('GET', `/v2.0/networks?id=${network}`);
    assert.equal((listed.body['networks'] as Record<string, unknown>[])[0]?.['ipv4_address_scope'], scope);
  });
});
