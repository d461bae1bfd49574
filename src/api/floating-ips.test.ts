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

function errorType(reply: { body: { NeutronError?: { type: string } } }): string | undefined {
  return reply.body.NeutronError?.type;
}

/** An external network, a tenant network behind a router with its gateway there, and an instance port. */
async function topology(client: Client, third: number) {
  const external = await makeNetwork(client, { 'router:external': true });
  const externalSubnet = await makeSubnet(client, external, `172.25.${third}.0/24`);
  const tenant = await makeNetwork(client);
  const tenantSubnet = await makeSubnet(client, tenant, `10.94.${third}.0/24`);
  const created = await client.request('POST', '/v2.0/routers', {
    router: { name: 'r', external_gateway_info: { network_id: external } },
  });
  const router = resource(created, 'router')['id'] as string;
  const added = await client.request('PUT', `/v2.0/routers/${router}/add_router_interface`, {
    subnet_id: tenantSubnet,
  });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  const instance = await makePort(client, tenant, { device_id: 'vm-1', device_owner: 'compute:nova' });
  return { external, externalSubnet, tenant, tenantSubnet, router, instance };
}

async function makeFip(client: Client, body: Record<string, unknown>) {
  return client.request('POST', '/v2.0/floatingips', { floatingip: body });
}

forEachBackend('floating IPs API', (client) => {
  test('create from an external network: a network:floatingip port holds the address; DOWN until associated', async () => {
    const t = await topology(client, 1);
    const reply = await makeFip(client, { floating_network_id: t.external });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const fip = resource(reply, 'floatingip');
    assert.equal(fip['status'], 'DOWN');
    assert.equal(fip['port_id'], null);
    assert.equal(fip['router_id'], null);
    assert.equal(fip['fixed_ip_address'], null);
    assert.match(fip['floating_ip_address'] as string, /^172\.25\.1\./);
    const ports = await client.request('GET', `/v2.0/ports?device_id=${fip['id']}`);
    const list = ports.body['ports'] as {
      id: string;
      device_owner: string;
      fixed_ips: { ip_address: string }[];
    }[];
    assert.equal(list.length, 1);
    assert.equal(list[0]?.device_owner, 'network:floatingip');
    assert.equal(list[0]?.fixed_ips[0]?.ip_address, fip['floating_ip_address']);
    const direct = await client.request('DELETE', `/v2.0/ports/${list[0]?.id}`);
    assert.equal(errorType(direct), 'ServicePortInUse');
    assert.equal((await client.request('DELETE', `/v2.0/floatingips/${fip['id']}`)).status, 204);
    assert.equal((await client.request('GET', `/v2.0/ports/${list[0]?.id}`)).status, 404);
    const gone = await client.request('GET', `/v2.0/floatingips/${fip['id']}`);
    assert.equal(errorType(gone), 'FloatingIPNotFound');
  });

  test('a chosen address and subnet; the address is released on delete and can be taken again', async () => {
    const t = await topology(client, 2);
    // The router's gateway port took a random external address: the chosen one is picked after it.
    const gateway = resource(await client.request('GET', `/v2.0/routers/${t.router}`), 'router')[
      'external_gateway_info'
    ] as { external_fixed_ips: { ip_address: string }[] };
    const chosen =
      gateway.external_fixed_ips[0]?.ip_address === '172.25.2.77' ? '172.25.2.78' : '172.25.2.77';
    const body = {
      floating_network_id: t.external,
      subnet_id: t.externalSubnet,
      floating_ip_address: chosen,
    };
    const fip = resource(await makeFip(client, body), 'floatingip');
    assert.equal(fip['floating_ip_address'], chosen);
    const duplicate = await makeFip(client, body);
    assert.equal(duplicate.status, 409);
    assert.equal(errorType(duplicate), 'IpAddressAlreadyAllocated');
    await client.request('DELETE', `/v2.0/floatingips/${fip['id']}`);
    assert.equal((await makeFip(client, body)).status, 201);
  });

  test('not an external network is 400', async () => {
    const internal = await makeNetwork(client);
    await makeSubnet(client, internal, '10.95.0.0/24');
    const reply = await makeFip(client, { floating_network_id: internal });
    assert.equal(reply.status, 400);
    assert.equal(
      reply.body.NeutronError?.message,
      `Bad floatingip request: Network ${internal} is not a valid external network.`,
    );
  });

  test('associate, one floating IP per fixed IP, disassociate; the interface is then in use', async () => {
    const t = await topology(client, 3);
    const created = await makeFip(client, { floating_network_id: t.external, port_id: t.instance.id });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const fip = resource(created, 'floatingip');
    assert.equal(fip['port_id'], t.instance.id);
    assert.equal(fip['fixed_ip_address'], t.instance.ip);
    assert.equal(fip['router_id'], t.router);
    assert.equal(fip['status'], 'ACTIVE');

    const second = resource(await makeFip(client, { floating_network_id: t.external }), 'floatingip');
    const taken = await client.request('PUT', `/v2.0/floatingips/${second['id']}`, {
      floatingip: { port_id: t.instance.id },
    });
    assert.equal(taken.status, 409);
    assert.equal(errorType(taken), 'FloatingIPPortAlreadyAssociated');

    const needed = await client.request('PUT', `/v2.0/routers/${t.router}/remove_router_interface`, {
      subnet_id: t.tenantSubnet,
    });
    assert.equal(needed.status, 409);
    assert.equal(errorType(needed), 'RouterInterfaceInUseByFloatingIP');
    const gateway = await client.request('PUT', `/v2.0/routers/${t.router}`, {
      router: { external_gateway_info: null },
    });
    assert.equal(gateway.status, 409);
    assert.equal(errorType(gateway), 'RouterExternalGatewayInUseByFloatingIp');

    // IPAM picks the instance's address at random, so the address it does not have is chosen after it.
    const notOwned = t.instance.ip === '10.94.3.250' ? '10.94.3.251' : '10.94.3.250';
    const wrongIp = await client.request('PUT', `/v2.0/floatingips/${second['id']}`, {
      floatingip: { port_id: t.instance.id, fixed_ip_address: notOwned },
    });
    assert.equal(wrongIp.status, 400);
    assert.equal(
      wrongIp.body.NeutronError?.message,
      `Bad floatingip request: Port ${t.instance.id} does not have fixed ip ${notOwned}.`,
    );

    const described = await client.request('PUT', `/v2.0/floatingips/${fip['id']}`, {
      floatingip: { description: 'kept' },
    });
    assert.equal(resource(described, 'floatingip')['port_id'], t.instance.id);
    const blank = await client.request('PUT', `/v2.0/floatingips/${fip['id']}`, { floatingip: {} });
    assert.equal(blank.status, 200, JSON.stringify(blank.body));
    assert.equal(resource(blank, 'floatingip')['port_id'], null);
    await client.request('PUT', `/v2.0/floatingips/${fip['id']}`, { floatingip: { port_id: t.instance.id } });
    const off = await client.request('PUT', `/v2.0/floatingips/${fip['id']}`, {
      floatingip: { port_id: null },
    });
    assert.equal(off.status, 200);
    assert.equal(resource(off, 'floatingip')['status'], 'DOWN');
    assert.equal(resource(off, 'floatingip')['router_id'], null);
    const moved = await client.request('PUT', `/v2.0/floatingips/${second['id']}`, {
      floatingip: { port_id: t.instance.id },
    });
    assert.equal(moved.status, 200);
    const filtered = await client.request('GET', `/v2.0/floatingips?port_id=${t.instance.id}`);
    assert.deepEqual(
      (filtered.body['floatingips'] as { id: string }[]).map((f) => f.id),
      [second['id']],
    );
  });

  test('a port whose subnet has no router to the external network is 404 ExternalGatewayForFloatingIPNotFound', async () => {
    const t = await topology(client, 4);
    const isolated = await makeNetwork(client);
    const isolatedSubnet = await makeSubnet(client, isolated, '10.96.4.0/24');
    const port = await makePort(client, isolated);
    const reply = await makeFip(client, { floating_network_id: t.external, port_id: port.id });
    assert.equal(reply.status, 404);
    assert.equal(
      reply.body.NeutronError?.message,
      `External network ${t.external} is not reachable from subnet ${isolatedSubnet}.  Therefore, cannot associate Port ${port.id} with a Floating IP.`,
    );
  });

  test('deleting the associated port disassociates its floating IP', async () => {
    const t = await topology(client, 5);
    const fip = resource(
      await makeFip(client, { floating_network_id: t.external, port_id: t.instance.id }),
      'floatingip',
    );
    assert.equal((await client.request('DELETE', `/v2.0/ports/${t.instance.id}`)).status, 204);
    const after = resource(await client.request('GET', `/v2.0/floatingips/${fip['id']}`), 'floatingip');
    assert.equal(after['port_id'], null);
    assert.equal(after['status'], 'DOWN');
  });
  test("an ordinary project creates a floating IP on the admin's external network and sees only its own", async () => {
    const t = await topology(client, 6);
    const bob = { 'x-project-id': 'bob' };
    const reply = await client.request(
      'POST',
      '/v2.0/floatingips',
      { floatingip: { floating_network_id: t.external } },
      bob,
    );
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.equal(resource(reply, 'floatingip')['project_id'], 'bob');
    const listed = await client.request('GET', '/v2.0/floatingips', undefined, bob);
    assert.deepEqual(
      (listed.body['floatingips'] as { id: string }[]).map((f) => f.id),
      [resource(reply, 'floatingip')['id']],
    );
    // The admin's instance port is not bob's to associate.
    const foreign = await client.request(
      'PUT',
      `/v2.0/floatingips/${resource(reply, 'floatingip')['id']}`,
      { floatingip: { port_id: t.instance.id } },
      bob,
    );
    assert.equal(foreign.status, 404);
  });

  test('deleting an external network deletes its unassociated floating IPs', async () => {
    const external = await makeNetwork(client, { 'router:external': true });
    await makeSubnet(client, external, '172.25.7.0/24');
    const fip = resource(await makeFip(client, { floating_network_id: external }), 'floatingip');
    const deleted = await client.request('DELETE', `/v2.0/networks/${external}`);
    assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
    assert.equal((await client.request('GET', `/v2.0/floatingips/${fip['id']}`)).status, 404);
  });
});
