/**
 * No double allocation, ever: 200 concurrent port creates on a subnet with exactly 50 free addresses,
 * split between two `qdhcp server` processes sharing one database, end with exactly 50 ports, 150
 * clean 409s, and no duplicate IP or MAC — on SQLite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../src/db/testing/test-databases.js';
import { type ServerProcess, startServerProcess } from './api-server-process.js';

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`200 concurrent port creates, 50 free addresses, two servers [${backend}]`, () => {
    let database: TestDatabase | undefined;
    const servers: ServerProcess[] = [];
    before(async () => {
      database = await createTestDatabase(backend);
      const args = ['--db', database.url, '--state-dir', database.stateDir];
      // Started one after the other: the first runs the migrations, the second finds them done.
      servers.push(await startServerProcess(args));
      servers.push(await startServerProcess(args));
    });
    after(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await database?.drop();
    });

    test('exactly 50 ports, 150 IpAddressGenerationFailure, no duplicates', { timeout: 60_000 }, async () => {
      const [a, b] = servers as [ServerProcess, ServerProcess];
      const network = await post(`${a.url}/v2.0/networks`, { network: { name: 'race' } });
      const networkId = (network.body['network'] as { id: string }).id;
      const subnet = await post(`${b.url}/v2.0/subnets`, {
        subnet: {
          network_id: networkId,
          ip_version: 4,
          cidr: '10.77.0.0/24',
          allocation_pools: [{ start: '10.77.0.10', end: '10.77.0.59' }],
        },
      });
      assert.equal(subnet.status, 201, JSON.stringify(subnet.body));
      const replies = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          post(`${(i % 2 === 0 ? a : b).url}/v2.0/ports`, { port: { network_id: networkId, name: `p${i}` } }),
        ),
      );
      const created = replies
        .filter((r) => r.status === 201)
        .map((r) => r.body['port'] as Record<string, unknown>);
      const refused = replies.filter((r) => r.status === 409);
      const other = replies.filter((r) => r.status !== 201 && r.status !== 409);
      assert.deepEqual(other, [], 'only 201 and 409 answers');
      assert.equal(created.length, 50);
      assert.equal(refused.length, 150);
      for (const r of refused) {
        assert.equal((r.body['NeutronError'] as { type: string }).type, 'IpAddressGenerationFailure');
      }
      const ips = created.map((p) => (p['fixed_ips'] as { ip_address: string }[])[0]!.ip_address);
      const macs = created.map((p) => p['mac_address']);
      assert.equal(new Set(ips).size, 50, 'no IP handed out twice');
      assert.equal(new Set(macs).size, 50, 'no MAC handed out twice');
      const listed = (await (await fetch(`${b.url}/v2.0/ports?network_id=${networkId}`)).json()) as {
        ports: { fixed_ips: { ip_address: string }[] }[];
      };
      assert.equal(listed.ports.length, 50, 'the database holds exactly the 50 ports');
      assert.deepEqual(
        listed.ports.map((p) => p.fixed_ips[0]!.ip_address).sort(),
        Array.from({ length: 50 }, (_, i) => `10.77.0.${10 + i}`).sort(),
      );
    });
  });
}
