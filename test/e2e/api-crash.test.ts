/**
 * A crash at any point leaves no half-made port: a server is killed with SIGKILL while 100 port creates
 * are in flight; after a restart on the same database every port has exactly its address, every
 * allocation belongs to a port, and creating continues without conflicts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type TestDatabase } from '../../src/db/testing/test-databases.js';
import { type ServerProcess, startServerProcess } from './api-server-process.js';

async function json(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { headers: { 'content-type': 'application/json' }, ...init });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`SIGKILL during port creates [${backend}]`, () => {
    let database: TestDatabase | undefined;
    const servers: ServerProcess[] = [];
    before(async () => {
      database = await createTestDatabase(backend);
    });
    after(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await database?.drop();
    });

    test('no half-made port survives the crash', { timeout: 60_000 }, async (t) => {
      const args = ['--db', database!.url, '--state-dir', database!.stateDir];
      const first = await startServerProcess(args);
      servers.push(first);
      const net = await json(`${first.url}/v2.0/networks`, {
        method: 'POST',
        body: JSON.stringify({ network: {} }),
      });
      const networkId = (net.body['network'] as { id: string }).id;
      await json(`${first.url}/v2.0/subnets`, {
        method: 'POST',
        body: JSON.stringify({ subnet: { network_id: networkId, ip_version: 4, cidr: '10.88.0.0/24' } }),
      });
      const inFlight = Array.from({ length: 100 }, (_, i) =>
        fetch(`${first.url}/v2.0/ports`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ port: { network_id: networkId, name: `c${i}` } }),
        }).then(
          (r) => r.status,
          () => 0,
        ),
      );
      await sleep(150);
      first.child.kill('SIGKILL');
      const statuses = await Promise.all(inFlight);
      assert.ok(
        statuses.every((s) => s === 201 || s === 0),
        `only completed or cut-off requests: ${statuses.join(',')}`,
      );
      t.diagnostic(`${statuses.filter((s) => s === 201).length} of 100 creates acknowledged before the kill`);

      const second = await startServerProcess(args);
      servers.push(second);
      const listed = await json(`${second.url}/v2.0/ports?network_id=${networkId}`);
      const ports = listed.body['ports'] as { id: string; fixed_ips: { ip_address: string }[] }[];
      assert.ok(
        ports.length >= statuses.filter((s) => s === 201).length,
        'every acknowledged create survived',
      );
      for (const port of ports) assert.equal(port.fixed_ips.length, 1, `port ${port.id} has its address`);
      const ips = ports.map((p) => p.fixed_ips[0]!.ip_address);
      assert.equal(new Set(ips).size, ips.length);
      const more = await json(`${second.url}/v2.0/ports`, {
        method: 'POST',
        body: JSON.stringify({ ports: Array.from({ length: 20 }, () => ({ network_id: networkId })) }),
      });
      assert.equal(more.status, 201, JSON.stringify(more.body));
    });
  });
}
