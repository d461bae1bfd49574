import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Client,
  forEachBackend,
  makeNetwork,
  makePort,
  makeSubnet,
  resource,
} from './testing/test-harness.js';

const bob = { 'x-project-id': 'bob' };

function errorType(reply: { body: { NeutronError?: { type: string } } }): string | undefined {
  return reply.body.NeutronError?.type;
}

/** An external network with one subnet; returns both ids. */
async function externalNetwork(client: Client, cidr: string): Promise<{ network: string; subnet: string }> {
  const network = await makeNetwork(client, { 'router:external': true });
  const subnet = await makeSubnet(client, network, cidr);
  return { network, subnet };
}

async function makeRouter(
  client: Client,
  attributes: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const reply = await client.request(
    'POST',
    '/v2.0/routers',
    { router: { name: 'r', ...attributes } },
    headers,
  );
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return resource(reply, 'router');
}

function addInterface(client: Client, router: string, body: Record<string, unknown>, headers = {}) {
  return client.request('PUT', `/v2.0/routers/${router}/add_router_interface`, body, headers);
}

function removeInterface(client: Client, router: string, body: Record<string, unknown>) {
  return client.request('PUT', `/v2.0/routers/${router}/remove_router_interface`, body);
}

forEachBackend('routers API', (client) => {
  test('the router, ext-gw-mode and extraroute extensions are listed', async () => {
    const reply = await client.request('GET', '/v2.0/extensions');
    const aliases = (reply.body['extensions'] as { alias: string }[]).map((e) => e.alias);
    for (const alias of ['router', 'ext-gw-mode', 'extraroute', 'external-net'])
      assert.ok(aliases.includes(alias), alias);
  });

  test('create without a gateway: ACTIVE, no gateway, no routes; show, list, update, delete', async () => {
    const router = await makeRouter(client, { description: 'd' });
    assert.equal(router['status'], 'ACTIVE');
    assert.equal(router['admin_state_up'], true);
    assert.equal(router['external_gateway_info'], null);
    assert.deepEqual(router['routes'], []);
    assert.equal(router['revision_number'], 0);
    const id = router['id'] as string;
    const shown = await client.request('GET', `/v2.0/routers/${id}`);
    assert.deepEqual(resource(shown, 'router'), router);
    const listed = await client.request('GET', '/v2.0/routers?name=r');
    assert.ok((listed.body['routers'] as { id: string }[]).some((r) => r.id === id));
    const updated = await client.request('PUT', `/v2.0/routers/${id}`, {
      router: { name: 'r2', admin_state_up: false },
    });
    assert.equal(updated.status, 200);
    assert.equal(resource(updated, 'router')['name'], 'r2');
    assert.equal(resource(updated, 'router')['admin_state_up'], false);
    assert.equal(resource(updated, 'router')['revision_number'], 1);
    assert.equal((await client.request('DELETE', `/v2.0/routers/${id}`)).status, 204);
    const gone = await client.request('GET', `/v2.0/routers/${id}`);
    assert.equal(gone.status, 404);
    assert.equal(errorType(gone), 'RouterNotFound');
    assert.equal(gone.body.NeutronError?.message, `Router ${id} could not be found`);
  });

  test('routes cannot be given on create (extraroute: PUT only)', async () => {
    const reply = await client.request('POST', '/v2.0/routers', { router: { routes: [] } });
    assert.equal(reply.status, 400);
  });

  test('a gateway on an external network: a network:router_gateway port owned by the router, SNAT on', async () => {
    const ext = await externalNetwork(client, '172.24.10.0/24');
    const router = await makeRouter(client, { external_gateway_info: { network_id: ext.network } });
    const info = router['external_gateway_info'] as {
      network_id: string;
      enable_snat: boolean;
      external_fixed_ips: { subnet_id: string; ip_address: string }[];
    };
    assert.equal(info.network_id, ext.network);
    assert.equal(info.enable_snat, true);
    assert.equal(info.external_fixed_ips.length, 1);
    assert.equal(info.external_fixed_ips[0]?.subnet_id, ext.subnet);
    const ports = await client.request('GET', `/v2.0/ports?device_id=${router['id']}`);
    const list = ports.body['ports'] as { device_owner: string; fixed_ips: unknown[]; project_id: string }[];
    assert.equal(list.length, 1);
    assert.equal(list[0]?.device_owner, 'network:router_gateway');
    assert.deepEqual(list[0]?.fixed_ips, info.external_fixed_ips);
    assert.equal(list[0]?.project_id, '');
  });

  test('the gateway port cannot be deleted through the port API; removing the gateway releases it', async () => {
    const ext = await externalNetwork(client, '172.24.11.0/24');
    const router = await makeRouter(client, {
      external_gateway_info: {
        network_id: ext.network,
        enable_snat: false,
        external_fixed_ips: [{ ip_address: '172.24.11.50' }],
      },
    });
    const info = router['external_gateway_info'] as {
      enable_snat: boolean;
      external_fixed_ips: { ip_address: string }[];
    };
    assert.equal(info.enable_snat, false);
    assert.equal(info.external_fixed_ips[0]?.ip_address, '172.24.11.50');
    const id = router['id'] as string;
    const port = (
      (await client.request('GET', `/v2.0/ports?device_id=${id}`)).body['ports'] as { id: string }[]
    )[0]!;
    const refused = await client.request('DELETE', `/v2.0/ports/${port.id}`);
    assert.equal(refused.status, 409);
    assert.equal(errorType(refused), 'ServicePortInUse');
    const cleared = await client.request('PUT', `/v2.0/routers/${id}`, {
      router: { external_gateway_info: {} },
    });
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    assert.equal(resource(cleared, 'router')['external_gateway_info'], null);
    assert.equal((await client.request('GET', `/v2.0/ports/${port.id}`)).status, 404);
    // The address is free again.
    const again = await makePort(client, ext.network, { fixed_ips: [{ ip_address: '172.24.11.50' }] });
    assert.equal(again.ip, '172.24.11.50');
  });

  test('a gateway on a network that is not external is 400; an unknown network 404', async () => {
    const internal = await makeNetwork(client);
    const reply = await client.request('POST', '/v2.0/routers', {
      router: { external_gateway_info: { network_id: internal } },
    });
    assert.equal(reply.status, 400);
    assert.equal(errorType(reply), 'BadRequest');
    assert.equal(
      reply.body.NeutronError?.message,
      `Bad router request: Network ${internal} is not an external network.`,
    );
    const unknown = await client.request('POST', '/v2.0/routers', {
      router: { external_gateway_info: { network_id: '00000000-0000-4000-8000-000000000000' } },
    });
    assert.equal(unknown.status, 404);
    assert.equal(errorType(unknown), 'NetworkNotFound');
  });

  test('an ordinary project may not choose enable_snat or the gateway addresses (403)', async () => {
    const ext = await externalNetwork(client, '172.24.12.0/24');
    const reply = await client.request(
      'POST',
      '/v2.0/routers',
      { router: { external_gateway_info: { network_id: ext.network, enable_snat: false } } },
      bob,
    );
    assert.equal(reply.status, 403);
    const allowed = await makeRouter(client, { external_gateway_info: { network_id: ext.network } }, bob);
    assert.equal(allowed['project_id'], 'bob');
    // Another project does not see it.
    const hidden = await client.request('GET', `/v2.0/routers/${allowed['id']}`, undefined, {
      'x-project-id': 'eve',
    });
    assert.equal(hidden.status, 404);
  });

  test('interface by subnet: a network:router_interface port holding the gateway IP; errors as Neutron', async () => {
    const network = await makeNetwork(client);
    const subnet = await makeSubnet(client, network, '10.91.1.0/24');
    const router = (await makeRouter(client))['id'] as string;
    const added = await addInterface(client, router, { subnet_id: subnet });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.equal(added.body['id'], router);
    // An interface is part of the router: a new revision.
    assert.equal(
      resource(await client.request('GET', `/v2.0/routers/${router}`), 'router')['revision_number'],
      1,
    );
    assert.equal(added.body['subnet_id'], subnet);
    assert.deepEqual(added.body['subnet_ids'], [subnet]);
    assert.equal(added.body['network_id'], network);
    const port = resource(await client.request('GET', `/v2.0/ports/${added.body['port_id']}`), 'port');
    assert.equal(port['device_owner'], 'network:router_interface');
    assert.equal(port['device_id'], router);
    assert.deepEqual(port['fixed_ips'], [{ subnet_id: subnet, ip_address: '10.91.1.1' }]);

    const twice = await addInterface(client, router, { subnet_id: subnet });
    assert.equal(twice.status, 400);
    assert.equal(
      twice.body.NeutronError?.message,
      `Bad router request: Router already has a port on subnet ${subnet}.`,
    );

    const other = await makeNetwork(client);
    const overlapping = await makeSubnet(client, other, '10.91.1.128/25');
    const overlap = await addInterface(client, router, { subnet_id: overlapping });
    assert.equal(overlap.status, 400);
    assert.equal(
      overlap.body.NeutronError?.message,
      `Bad router request: Cidr 10.91.1.128/25 of subnet ${overlapping} overlaps with cidr 10.91.1.0/24 of subnet ${subnet}.`,
    );

    const noGateway = await makeSubnet(client, other, '10.91.2.0/24', { gateway_ip: null });
    const refused = await addInterface(client, router, { subnet_id: noGateway });
    assert.equal(refused.status, 400);
    assert.equal(
      refused.body.NeutronError?.message,
      'Bad router request: Subnet for router interface must have a gateway IP.',
    );

    assert.equal((await addInterface(client, router, {})).status, 400);
    const both = await addInterface(client, router, { subnet_id: subnet, port_id: added.body['port_id'] });
    assert.equal(
      both.body.NeutronError?.message,
      'Bad router request: Cannot specify both subnet-id and port-id.',
    );

    const inUse = await client.request('DELETE', `/v2.0/routers/${router}`);
    assert.equal(inUse.status, 409);
    assert.equal(errorType(inUse), 'RouterInUse');
    assert.equal(inUse.body.NeutronError?.message, `Router ${router} still has ports`);

    const interfacePortDelete = await client.request('DELETE', `/v2.0/ports/${added.body['port_id']}`);
    assert.equal(interfacePortDelete.status, 409);

    const removed = await removeInterface(client, router, { subnet_id: subnet });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal(removed.body['port_id'], added.body['port_id']);
    assert.equal((await client.request('GET', `/v2.0/ports/${added.body['port_id']}`)).status, 404);
    const missing = await removeInterface(client, router, { subnet_id: subnet });
    assert.equal(missing.status, 404);
    assert.equal(errorType(missing), 'RouterInterfaceNotFoundForSubnet');
    assert.equal((await client.request('DELETE', `/v2.0/routers/${router}`)).status, 204);
  });

  test('interface by port: an unused port becomes the interface; a port in use is 409', async () => {
    const network = await makeNetwork(client);
    await makeSubnet(client, network, '10.92.1.0/24');
    const router = (await makeRouter(client))['id'] as string;
    const port = await makePort(client, network);
    const added = await addInterface(client, router, { port_id: port.id });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.equal(added.body['port_id'], port.id);
    const shown = resource(await client.request('GET', `/v2.0/ports/${port.id}`), 'port');
    assert.equal(shown['device_owner'], 'network:router_interface');
    assert.equal(shown['device_id'], router);

    const busy = await makePort(client, network, { device_id: 'some-instance' });
    const inUse = await addInterface(client, router, { port_id: busy.id });
    assert.equal(inUse.status, 409);
    assert.equal(errorType(inUse), 'PortInUse');

    const wrongPort = await removeInterface(client, router, { port_id: busy.id });
    assert.equal(wrongPort.status, 404);
    assert.equal(errorType(wrongPort), 'RouterInterfaceNotFound');
    assert.equal((await removeInterface(client, router, { port_id: port.id })).status, 200);
    assert.equal((await client.request('GET', `/v2.0/ports/${port.id}`)).status, 404);
  });

  test('extra routes: the next hop must be on an interface subnet and not the router itself', async () => {
    const network = await makeNetwork(client);
    const subnet = await makeSubnet(client, network, '10.93.1.0/24');
    const router = (await makeRouter(client))['id'] as string;
    const unreachable = await client.request('PUT', `/v2.0/routers/${router}`, {
      router: { routes: [{ destination: '192.168.50.0/24', nexthop: '10.93.1.10' }] },
    });
    assert.equal(unreachable.status, 400);
    assert.equal(errorType(unreachable), 'InvalidRoutes');
    assert.equal(
      unreachable.body.NeutronError?.message,
      "Invalid format for routes: [{'destination': '192.168.50.0/24', 'nexthop': '10.93.1.10'}], the nexthop is not connected with router",
    );
    await addInterface(client, router, { subnet_id: subnet });
    const own = await client.request('PUT', `/v2.0/routers/${router}`, {
      router: { routes: [{ destination: '192.168.50.0/24', nexthop: '10.93.1.1' }] },
    });
    assert.equal(own.status, 400);
    assert.match(own.body.NeutronError?.message ?? '', /the nexthop is used by router$/);
    const routes = [{ destination: '192.168.50.0/24', nexthop: '10.93.1.10' }];
    const set = await client.request('PUT', `/v2.0/routers/${router}`, { router: { routes } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(resource(set, 'router')['routes'], routes);
    const needed = await removeInterface(client, router, { subnet_id: subnet });
    assert.equal(needed.status, 409);
    assert.equal(errorType(needed), 'RouterInterfaceInUseByRoute');
    const cleared = await client.request('PUT', `/v2.0/routers/${router}`, { router: { routes: null } });
    assert.deepEqual(resource(cleared, 'router')['routes'], []);
    assert.equal((await removeInterface(client, router, { subnet_id: subnet })).status, 200);
  });
  test('remove by subnet from an interface port with two IPv6 subnets keeps the port and its other address', async () => {
    const network = await makeNetwork(client);
    const first = await makeSubnet(client, network, '2001:db8:71::/64');
    const second = await makeSubnet(client, network, '2001:db8:72::/64');
    const router = (await makeRouter(client))['id'] as string;
    const port = await makePort(client, network, {
      fixed_ips: [{ subnet_id: first }, { subnet_id: second }],
    });
    const added = await addInterface(client, router, { port_id: port.id });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual(added.body['subnet_ids'], [first, second]);
    const removed = await removeInterface(client, router, { subnet_id: first });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.deepEqual(removed.body['subnet_ids'], [first]);
    const kept = resource(await client.request('GET', `/v2.0/ports/${port.id}`), 'port');
    assert.deepEqual(
      (kept['fixed_ips'] as { subnet_id: string }[]).map((ip) => ip.subnet_id),
      [second],
    );
    assert.equal((await removeInterface(client, router, { subnet_id: second })).status, 200);
    assert.equal((await client.request('GET', `/v2.0/ports/${port.id}`)).status, 404);
  });
});
