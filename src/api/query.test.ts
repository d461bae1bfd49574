import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type Client, forEachBackend, makeNetwork, makeSubnet, resource } from './testing/test-harness.js';

type Named = { id: string; name: string };

/** Follows `rel` links from `url` until none is left (bounded), collecting the pages' items. */
async function walk(client: Client, url: string, rel: 'next' | 'previous'): Promise<Named[][]> {
  const pages: Named[][] = [];
  let next: string | undefined = url;
  for (let guard = 0; next !== undefined && guard < 20; guard++) {
    const reply = await client.request('GET', next);
    pages.push(reply.body['networks'] as Named[]);
    const links = (reply.body['networks_links'] ?? []) as { rel: string; href: string }[];
    const link = links.find((l) => l.rel === rel);
    next = link ? new URL(link.href).pathname + new URL(link.href).search : undefined;
  }
  return pages;
}

forEachBackend('list queries', (client) => {
  const NAMES = ['test1', 'abc1', 'test10', '123test', 'test1'];
  let expected: Named[] = [];
  const base = '/v2.0/networks?shared=False&router:external=False&description=search';

  before(async () => {
    for (const name of NAMES) await makeNetwork(client, { name, description: 'search' });
    const all = await client.request('GET', base);
    expected = (all.body['networks'] as Named[]).sort((a, b) =>
      a.name === b.name ? (a.id < b.id ? -1 : 1) : a.name < b.name ? -1 : 1,
    );
  });

  test('sort by name asc and desc, id as tie-breaker', async () => {
    const asc = await client.request('GET', `${base}&sort_key=name&sort_dir=asc`);
    assert.deepEqual(
      (asc.body['networks'] as Named[]).map((n) => n.id),
      expected.map((n) => n.id),
    );
    const desc = await client.request('GET', `${base}&sort_key=name&sort_dir=desc`);
    assert.deepEqual(
      (desc.body['networks'] as Named[]).map((n) => n.name),
      [...NAMES].sort().reverse(),
    );
  });

  test('limit 1..5 returns that many; limit 0 returns all', async () => {
    for (let limit = 1; limit <= 5; limit++) {
      const reply = await client.request('GET', `${base}&limit=${limit}`);
      assert.equal((reply.body['networks'] as unknown[]).length, limit);
    }
    const zero = await client.request('GET', `${base}&limit=0`);
    assert.equal((zero.body['networks'] as unknown[]).length, 5);
    assert.equal(zero.body['networks_links'], undefined);
    const bad = await client.request('GET', `${base}&limit=-1`);
    assert.equal(bad.status, 400);
  });

  test('marker iteration and next links reproduce the sorted list; previous links walk back', async () => {
    const viaMarker: string[] = [];
    let marker = '';
    for (let i = 0; i < 6; i++) {
      const reply = await client.request('GET', `${base}&sort_key=name&sort_dir=asc&limit=1${marker}`);
      const page = reply.body['networks'] as Named[];
      if (page.length === 0) break;
      viaMarker.push(page[0]!.id);
      marker = `&marker=${page[0]!.id}`;
    }
    assert.deepEqual(
      viaMarker,
      expected.map((n) => n.id),
    );
    const pages = await walk(client, `${base}&sort_key=name&sort_dir=asc&limit=2`, 'next');
    assert.deepEqual(
      pages.flat().map((n) => n.id),
      expected.map((n) => n.id),
    );
    assert.equal(pages.at(-1)!.length < 2, true, 'the last page is short and has no next link');
    const last = expected.at(-1)!.id;
    const back = await walk(
      client,
      `${base}&sort_key=name&sort_dir=asc&limit=2&marker=${last}&page_reverse=True`,
      'previous',
    );
    assert.deepEqual(
      back
        .flat()
        .map((n) => n.id)
        .sort(),
      expected
        .slice(0, 4)
        .map((n) => n.id)
        .sort(),
    );
  });

  test('page_reverse with a marker returns the preceding items in sort order', async () => {
    const last = expected.at(-1)!.id;
    const reply = await client.request(
      'GET',
      `${base}&sort_key=name&sort_dir=asc&limit=2&marker=${last}&page_reverse=True`,
    );
    assert.deepEqual(
      (reply.body['networks'] as Named[]).map((n) => n.id),
      expected.slice(2, 4).map((n) => n.id),
    );
    const links = reply.body['networks_links'] as { rel: string; href: string }[];
    assert.ok(links.some((l) => l.rel === 'previous' && l.href.includes('page_reverse=True')));
    const noMarker = await client.request(
      'GET',
      `${base}&sort_key=name&sort_dir=asc&limit=2&page_reverse=True`,
    );
    assert.deepEqual(
      (noMarker.body['networks'] as Named[]).map((n) => n.id),
      expected.slice(3).map((n) => n.id),
    );
  });

  test('links are absolute and keep the query', async () => {
    const reply = await client.request(
      'GET',
      '/v2.0/networks?limit=2&sort_key=name&sort_dir=asc',
      undefined,
      { host: 'api.test:9696' },
    );
    const links = reply.body['networks_links'] as { rel: string; href: string }[];
    const first = (reply.body['networks'] as Named[])[0]!;
    const second = (reply.body['networks'] as Named[])[1]!;
    assert.deepEqual(links, [
      {
        rel: 'next',
        href: `http://api.test:9696/v2.0/networks?limit=2&sort_key=name&sort_dir=asc&marker=${second.id}`,
      },
      {
        rel: 'previous',
        href: `http://api.test:9696/v2.0/networks?limit=2&sort_key=name&sort_dir=asc&marker=${first.id}&page_reverse=True`,
      },
    ]);
  });

  test('filter validation, repeated filters OR, empty value, fields', async () => {
    const unknown = await client.request('GET', '/v2.0/networks?unknown_filter=value');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.NeutronError?.type, 'HTTPBadRequest');
    const either = await client.request('GET', `${base}&name=abc1&name=123test`);
    assert.deepEqual((either.body['networks'] as Named[]).map((n) => n.name).sort(), ['123test', 'abc1']);
    const empty = await client.request('GET', '/v2.0/networks?description=');
    assert.ok((empty.body['networks'] as { description: string }[]).every((n) => n.description === ''));
    const id = expected[0]!.id;
    const tenantOnly = await client.request('GET', `/v2.0/networks/${id}?fields=tenant_id`);
    assert.deepEqual(Object.keys(resource(tenantOnly, 'network')), ['tenant_id']);
    const both = await client.request('GET', `/v2.0/networks?id=${id}&fields=tenant_id&fields=project_id`);
    assert.deepEqual(Object.keys((both.body['networks'] as object[])[0]!).sort(), [
      'project_id',
      'tenant_id',
    ]);
    const badSort = await client.request('GET', '/v2.0/networks?sort_key=nope&sort_dir=asc');
    assert.equal(badSort.status, 400);
    const badDir = await client.request('GET', '/v2.0/networks?sort_key=name&sort_dir=up');
    assert.equal(badDir.status, 400);
    const unequal = await client.request('GET', '/v2.0/networks?sort_key=name&sort_key=id&sort_dir=asc');
    assert.equal(unequal.status, 400);
    const badBool = await client.request('GET', '/v2.0/networks?admin_state_up=maybe');
    assert.equal(badBool.status, 400);
  });

  test('port filters: fixed_ips forms, mac normalisation, binding host; unknown marker 404', async () => {
    const net = await makeNetwork(client);
    const sub = await makeSubnet(client, net, '10.90.0.0/24');
    const port = await client.request('POST', '/v2.0/ports', {
      port: {
        network_id: net,
        fixed_ips: [{ ip_address: '10.90.0.42' }],
        mac_address: 'fa:16:3e:aa:bb:cc',
        'binding:host_id': 'h1',
      },
    });
    const id = resource(port, 'port')['id'];
    const query = async (q: string) =>
      ((await client.request('GET', `/v2.0/ports?${q}`)).body['ports'] as { id: string }[]).map((p) => p.id);
    assert.deepEqual(await query('fixed_ips=ip_address%3D10.90.0.42'), [id]);
    assert.deepEqual(await query(`fixed_ips=subnet_id%3D${sub}`), [id]);
    assert.deepEqual(await query('fixed_ips=ip_address_substr%3D90.0.4'), [id]);
    assert.deepEqual(await query('mac_address=FA:16:3E:AA:BB:CC'), [id]);
    assert.deepEqual(await query('binding%3Ahost_id=h1'), [id]);
    assert.deepEqual(await query('fixed_ips=ip_address%3D10.90.0.43'), []);
    const bad = await client.request('GET', '/v2.0/ports?fixed_ips=bogus');
    assert.equal(bad.status, 400);
    const marker = await client.request(
      'GET',
      '/v2.0/ports?limit=1&marker=00000000-0000-0000-0000-000000000000',
    );
    assert.equal(marker.body.NeutronError?.type, 'PortNotFound');
  });
});
