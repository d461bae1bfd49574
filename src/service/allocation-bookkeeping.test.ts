import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachAgentBackend } from '../api/testing/agents-harness.js';

type Port = { id: string; fixed_ips: { ip_address: string }[] };

/**
 * The allocation cache is changed in place and carried across `dhcp.ports_ready` and deletes (issue 17):
 * whatever path a create takes, the pool is used exactly, with no address twice and none lost.
 */
forEachAgentBackend('allocation bookkeeping across ready, delete and bulk', (client) => {
  test('a /28 fills exactly after creates, ports_ready, deletes and re-creates', async () => {
    await client.report('book-host');
    const net = await client.request('POST', '/v2.0/networks', { network: { name: 'book' } });
    const networkId = (net.body['network'] as { id: string }).id;
    const subnet = await client.request('POST', '/v2.0/subnets', {
      subnet: { network_id: networkId, cidr: '10.94.0.0/28', ip_version: 4 },
    });
    assert.equal(subnet.status, 201);
    const create = async (count: number): Promise<Port[]> => {
      const reply =
        count === 1
          ? await client.request('POST', '/v2.0/ports', { port: { network_id: networkId } })
          : await client.request('POST', '/v2.0/ports', {
              ports: Array.from({ length: count }, () => ({ network_id: networkId })),
            });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      return count === 1 ? [reply.body['port'] as Port] : (reply.body['ports'] as Port[]);
    };
    // Pool .1–.14 minus the gateway (.1): 13 addresses.
    const held = [...(await create(8)), ...(await create(1)), ...(await create(1))];
    await client.rpc('dhcp.ports_ready', { host: 'book-host', portIds: held.map((p) => p.id) });
    for (const port of held.splice(0, 4)) {
      assert.equal((await client.request('DELETE', `/v2.0/ports/${port.id}`)).status, 204);
    }
    await client.rpc('dhcp.ports_ready', { host: 'book-host', portIds: held.map((p) => p.id) });
    held.push(...(await create(5)), ...(await create(1)), ...(await create(1)));
    const addresses = held.map((p) => p.fixed_ips[0]?.ip_address);
    assert.equal(new Set(addresses).size, 13, `13 distinct addresses: ${addresses.join(' ')}`);
    const full = await client.request('POST', '/v2.0/ports', { port: { network_id: networkId } });
    assert.equal(full.status, 409);
    assert.equal((full.body['NeutronError'] as { type: string }).type, 'IpAddressGenerationFailure');
  });
});
