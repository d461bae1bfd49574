/**
 * Deviations from Neutron found by tempest (issue 12), one table per rule: external networks are seen
 * by every project (their subnets only when shared), network-owner-only port attributes on a shared
 * network, agents hidden from members, allowed address pairs need port security, and a subnet change
 * revises its network.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachAgentBackend } from './testing/agents-harness.js';
import { type Client, forEachBackend, makeNetwork, makeSubnet, resource } from './testing/test-harness.js';

const BOB = { 'x-project-id': 'bob' };
const ALICE = { 'x-project-id': 'alice' };

function ids(body: Record<string, unknown>, key: string): string[] {
  return (body[key] as { id: string }[]).map((item) => item.id);
}

async function revisionOf(client: Client, networkId: string): Promise<number> {
  const reply = await client.request('GET', `/v2.0/networks/${networkId}`);
  return resource(reply, 'network')['revision_number'] as number;
}

forEachBackend('Neutron policy: external networks', (client) => {
  test('every project sees external networks (list, filter, show); their subnets only when shared', async () => {
    const external = await makeNetwork(client, { project_id: 'ops', 'router:external': true });
    const externalSubnet = await makeSubnet(client, external, '10.120.0.0/24');
    const sharedExternal = await makeNetwork(client, {
      project_id: 'ops',
      'router:external': true,
      shared: true,
    });
    const sharedExternalSubnet = await makeSubnet(client, sharedExternal, '10.120.1.0/24');
    const hidden = await makeNetwork(client, { project_id: 'ops' });
    const hiddenSubnet = await makeSubnet(client, hidden, '10.120.2.0/24');

    const listed = ids((await client.request('GET', '/v2.0/networks', undefined, BOB)).body, 'networks');
    assert.ok(listed.includes(external) && listed.includes(sharedExternal));
    assert.ok(!listed.includes(hidden));
    const filtered = await client.request('GET', '/v2.0/networks?router:external=true', undefined, BOB);
    assert.deepEqual(ids(filtered.body, 'networks').sort(), [external, sharedExternal].sort());

    const rows: [string, string, number][] = [
      [`/v2.0/networks/${external}`, 'external network', 200],
      [`/v2.0/networks/${sharedExternal}`, 'shared external network', 200],
      [`/v2.0/networks/${hidden}`, 'private network', 404],
      [`/v2.0/subnets/${externalSubnet}`, 'subnet of an external network', 404],
      [`/v2.0/subnets/${sharedExternalSubnet}`, 'subnet of a shared external network', 200],
      [`/v2.0/subnets/${hiddenSubnet}`, 'subnet of a private network', 404],
    ];
    for (const [url, label, status] of rows) {
      assert.equal((await client.request('GET', url, undefined, BOB)).status, status, label);
    }
    const shown = resource(
      await client.request('GET', `/v2.0/networks/${external}`, undefined, BOB),
      'network',
    );
    assert.equal(shown['router:external'], true);
    assert.deepEqual(shown['subnets'], [externalSubnet], 'the network names its subnets');

    const subnetsOf = async (network: string) =>
      ids(
        (await client.request('GET', `/v2.0/subnets?network_id=${network}`, undefined, BOB)).body,
        'subnets',
      );
    assert.deepEqual(await subnetsOf(external), [], 'tempest test_external_network_visibility');
    assert.deepEqual(await subnetsOf(sharedExternal), [sharedExternalSubnet]);
  });

  test('seeing is not owning: update, delete, router:external and subnets are refused', async () => {
    const external = await makeNetwork(client, { project_id: 'ops', 'router:external': true });
    const refusals: [string, string, unknown, number, string][] = [
      ['PUT', `/v2.0/networks/${external}`, { network: { name: 'mine' } }, 403, 'HTTPForbidden'],
      ['DELETE', `/v2.0/networks/${external}`, undefined, 403, 'HTTPForbidden'],
      [
        'POST',
        '/v2.0/subnets',
        { subnet: { network_id: external, cidr: '10.121.0.0/24', ip_version: 4 } },
        403,
        'HTTPForbidden',
      ],
      ['POST', '/v2.0/networks', { network: { 'router:external': true } }, 403, 'HTTPForbidden'],
    ];
    for (const [method, url, body, status, type] of refusals) {
      const reply = await client.request(method, url, body, BOB);
      assert.equal(reply.status, status, `${method} ${url}`);
      assert.equal(reply.body.NeutronError?.type, type, `${method} ${url}`);
    }
    const own = await makeNetwork(client, { project_id: 'bob' });
    const flip = await client.request(
      'PUT',
      `/v2.0/networks/${own}`,
      { network: { 'router:external': true } },
      BOB,
    );
    assert.equal(flip.status, 403, 'update_network:router:external is admin-only');
    const explicitDefault = await client.request(
      'POST',
      '/v2.0/networks',
      { network: { 'router:external': false } },
      BOB,
    );
    assert.equal(explicitDefault.status, 201, 'the default value is not enforced');
    const network = resource(await client.request('GET', `/v2.0/networks/${external}`), 'network');
    assert.equal(network['name'], 'net', 'nothing changed');
  });
});

forEachBackend('Neutron policy: network-owner-only port attributes on a shared network', (client) => {
  test('port_security_enabled and allowed_address_pairs by a non-owner are 403 on create and update', async () => {
    const shared = await makeNetwork(client, { project_id: 'alice', shared: true });
    await makeSubnet(client, shared, '10.122.0.0/24');
    const create = (port: Record<string, unknown>, headers: Record<string, string>) =>
      client.request('POST', '/v2.0/ports', { port: { network_id: shared, ...port } }, headers);
    const pairs = [{ ip_address: '10.122.0.200' }];
    const createRows: [string, Record<string, unknown>, Record<string, string>, number][] = [
      ['security off, non-owner', { port_security_enabled: false }, BOB, 403],
      ['security on, non-owner (any explicit value is enforced)', { port_security_enabled: true }, BOB, 403],
      ['address pairs, non-owner', { allowed_address_pairs: pairs }, BOB, 403],
      ['empty address pairs, non-owner', { allowed_address_pairs: [] }, BOB, 403],
      ['plain port, non-owner', {}, BOB, 201],
      ['security off, network owner', { port_security_enabled: false }, ALICE, 201],
      ['address pairs, network owner', { allowed_address_pairs: pairs }, ALICE, 201],
    ];
    for (const [label, port, headers, status] of createRows) {
      const reply = await create(port, headers);
      assert.equal(reply.status, status, label);
      if (status === 403) assert.equal(reply.body.NeutronError?.type, 'HTTPForbidden', label);
    }
    const stored = await client.request('GET', `/v2.0/ports?network_id=${shared}`);
    assert.equal((stored.body['ports'] as unknown[]).length, 3, "bob's one port and alice's two, no more");

    const bobPort = resource(await create({}, BOB), 'port')['id'] as string;
    const updateRows: [string, Record<string, unknown>, number][] = [
      ['security off', { port_security_enabled: false }, 403],
      ['address pairs', { allowed_address_pairs: pairs }, 403],
      ['name', { name: 'fine' }, 200],
    ];
    for (const [label, port, status] of updateRows) {
      const reply = await client.request('PUT', `/v2.0/ports/${bobPort}`, { port }, BOB);
      assert.equal(reply.status, status, label);
    }
    const unchanged = resource(await client.request('GET', `/v2.0/ports/${bobPort}`), 'port');
    assert.equal(unchanged['port_security_enabled'], true);
    assert.deepEqual(unchanged['allowed_address_pairs'], []);
    const byOwner = await client.request(
      'PUT',
      `/v2.0/ports/${bobPort}`,
      // Out of its default security group too, or 409 PortSecurityPortHasSecurityGroup (issue 14).
      { port: { port_security_enabled: false, security_groups: [] } },
      ALICE,
    );
    assert.equal(byOwner.status, 200, 'the network owner may');
  });
});

forEachBackend('Neutron: allowed address pairs need port security', (client) => {
  test('409 AddressPairAndPortSecurityRequired on create and on update, both orders', async () => {
    const network = await makeNetwork(client);
    await makeSubnet(client, network, '10.123.0.0/24');
    const insecureNetwork = await makeNetwork(client, { port_security_enabled: false });
    await makeSubnet(client, insecureNetwork, '10.123.1.0/24');
    const pairs = [{ ip_address: '10.123.0.200', mac_address: '00:25:64:e8:19:dd' }];
    const conflict = {
      type: 'AddressPairAndPortSecurityRequired',
      message: 'Port Security must be enabled in order to have allowed address pairs on a port.',
      detail: '',
    };
    const createRows: [string, Record<string, unknown>, number][] = [
      [
        'security off with pairs',
        { network_id: network, port_security_enabled: false, allowed_address_pairs: pairs },
        409,
      ],
      [
        'pairs on a network without port security',
        { network_id: insecureNetwork, allowed_address_pairs: pairs },
        409,
      ],
      [
        'security off, no pairs',
        { network_id: network, port_security_enabled: false, allowed_address_pairs: [] },
        201,
      ],
      [
        'security on with pairs',
        { network_id: insecureNetwork, port_security_enabled: true, allowed_address_pairs: pairs },
        201,
      ],
    ];
    const before = (await client.request('GET', '/v2.0/ports')).body['ports'] as unknown[];
    for (const [label, port, status] of createRows) {
      const reply = await client.request('POST', '/v2.0/ports', { port });
      assert.equal(reply.status, status, label);
      if (status === 409) assert.deepEqual(reply.body, { NeutronError: conflict }, label);
    }
    const after = (await client.request('GET', '/v2.0/ports')).body['ports'] as unknown[];
    assert.equal(after.length, before.length + 2, 'the refused creates stored nothing');

    const insecure = resource(
      await client.request('POST', '/v2.0/ports', {
        port: { network_id: network, port_security_enabled: false },
      }),
      'port',
    )['id'] as string;
    const paired = resource(
      await client.request('POST', '/v2.0/ports', {
        port: { network_id: network, allowed_address_pairs: pairs },
      }),
      'port',
    )['id'] as string;
    const updateRows: [string, string, Record<string, unknown>, number][] = [
      ['pairs while security is off', insecure, { allowed_address_pairs: pairs }, 409],
      ['security off while pairs are stored', paired, { port_security_enabled: false }, 409],
      [
        'security off and pairs in one request',
        paired,
        { port_security_enabled: false, allowed_address_pairs: pairs },
        409,
      ],
      ['empty pairs while security is off', insecure, { allowed_address_pairs: [] }, 200],
      [
        'security off, pairs and groups removed in the same request',
        paired,
        { port_security_enabled: false, allowed_address_pairs: [], security_groups: [] },
        200,
      ],
    ];
    for (const [label, id, port, status] of updateRows) {
      const revision = resource(await client.request('GET', `/v2.0/ports/${id}`), 'port')['revision_number'];
      const reply = await client.request('PUT', `/v2.0/ports/${id}`, { port });
      assert.equal(reply.status, status, label);
      if (status !== 409) continue;
      assert.deepEqual(reply.body, { NeutronError: conflict }, label);
      const stored = resource(await client.request('GET', `/v2.0/ports/${id}`), 'port');
      assert.equal(stored['revision_number'], revision, `${label}: nothing changed`);
    }
  });
});

forEachBackend('Neutron: a subnet revises its network', (client) => {
  test('creating, updating and deleting a subnet bump the network revision_number', async () => {
    const network = await makeNetwork(client);
    const r0 = await revisionOf(client, network);
    const subnet = await makeSubnet(client, network, '10.124.0.0/24');
    const r1 = await revisionOf(client, network);
    assert.ok(r1 > r0, 'create');
    assert.equal(
      (await client.request('PUT', `/v2.0/subnets/${subnet}`, { subnet: { name: 'x' } })).status,
      200,
    );
    const r2 = await revisionOf(client, network);
    assert.ok(r2 > r1, 'update');
    assert.equal((await client.request('DELETE', `/v2.0/subnets/${subnet}`)).status, 204);
    assert.ok((await revisionOf(client, network)) > r2, 'delete');
    const refused = await client.request('POST', '/v2.0/subnets', {
      subnet: { network_id: network, cidr: 'not-a-cidr', ip_version: 4 },
    });
    assert.equal(refused.status, 400);
    assert.equal(await revisionOf(client, network), r2 + 1, 'a refused create bumps nothing');
  });
});

forEachAgentBackend('Neutron policy: agents and members', (client) => {
  test('a member lists no agents and gets 404 for one; an unknown id is AgentNotFound', async () => {
    const { agentId } = await client.report('policy-host');
    const asMember = async (method: 'GET' | 'PUT' | 'DELETE', url: string, body?: unknown) => {
      const response = await client.plane().api.inject({
        method,
        url,
        headers: { 'content-type': 'application/json', 'x-project-id': 'bob' },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      });
      return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
    };
    assert.deepEqual(await asMember('GET', '/v2.0/agents'), { status: 200, body: { agents: [] } });
    const hidden = {
      NeutronError: { type: 'HTTPNotFound', message: 'The resource could not be found.', detail: '' },
    };
    const rows: ['GET' | 'PUT' | 'DELETE', string, unknown, number, unknown][] = [
      ['GET', `/v2.0/agents/${agentId}`, undefined, 404, hidden],
      ['PUT', `/v2.0/agents/${agentId}`, { agent: { admin_state_up: false } }, 404, hidden],
      ['DELETE', `/v2.0/agents/${agentId}`, undefined, 404, hidden],
    ];
    for (const [method, url, body, status, expected] of rows) {
      assert.deepEqual(await asMember(method, url, body), { status, body: expected }, `${method} ${url}`);
    }
    const unknown = await asMember('GET', '/v2.0/agents/00000000-0000-0000-0000-000000000000');
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body['NeutronError'] as { type: string }).type, 'AgentNotFound');
    const agent = resource(await client.request('GET', `/v2.0/agents/${agentId}`), 'agent');
    assert.equal(agent['admin_state_up'], true, 'still there, unchanged');
  });
});
