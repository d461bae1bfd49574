/**
 * The real `openstack` CLI (noauth) lists DHCP agents: `network agent list` and `network agent list
 * --network NET`, against a control plane listening on 127.0.0.1 whose agent reported over the bus.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { defaultConfig } from '../../src/common/config.js';
import { createTestDatabase, type TestDatabase } from '../../src/db/testing/test-databases.js';
import { buildControlPlane, type ControlPlane } from '../../src/main/server.js';

const run = promisify(execFile);

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`openstack network agent list [${backend}]`, () => {
    let database: TestDatabase | undefined;
    let plane: ControlPlane | undefined;
    let url = '';
    let home = '';

    before(async () => {
      home = mkdtempSync(join(tmpdir(), 'qdhcp-osc-agents-'));
      database = await createTestDatabase(backend);
      plane = await buildControlPlane(
        defaultConfig({
          connection: database.url,
          state_dir: database.stateDir,
          bind: '127.0.0.1:0',
          // One report, then three CLI runs of 2-10 s each on a loaded 2-core machine: the agent must not
          // go dead meanwhile (this test is about the list, liveness has its own tests).
          agent_down_time: '300',
        }),
      );
      url = await plane.api.listen({ host: '127.0.0.1', port: 0 });
    });
    after(async () => {
      await plane?.close();
      await database?.drop();
      rmSync(home, { recursive: true, force: true });
    });

    async function os(...args: string[]): Promise<unknown> {
      const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' };
      const { stdout } = await run(
        'openstack',
        ['--os-auth-type', 'none', '--os-endpoint', url, ...args, '-f', 'json'],
        {
          env,
          timeout: 60_000,
        },
      );
      return JSON.parse(stdout) as unknown;
    }

    test('the reporting agent is listed, alive, and as the host of the network', async () => {
      const reply = (await plane!.bus.request({
        schema: 'qdhcp.request',
        version: 1,
        method: 'agent.report_state',
        params: {
          host: 'e2e-host',
          binary: 'qdhcp-agent',
          agentType: 'DHCP agent',
          availabilityZone: 'nova',
          startFlag: true,
          configurations: { driver: 'builtin', networks: 0, subnets: 0, ports: 0, physicalNetworks: [] },
        },
      })) as { agentId: string; status: string };
      assert.equal(reply.status, 'new');
      const net = (await os('network', 'create', 'net-agents')) as { id: string };
      await os('subnet', 'create', '--network', 'net-agents', '--subnet-range', '192.0.2.0/24', 'sub-agents');
      await plane!.schedulingIdle();
      const all = (await os('network', 'agent', 'list')) as Record<string, unknown>[];
      assert.deepEqual(all, [
        {
          ID: reply.agentId,
          'Agent Type': 'DHCP agent',
          Host: 'e2e-host',
          'Availability Zone': 'nova',
          Alive: true,
          State: true,
          Binary: 'qdhcp-agent',
        },
      ]);
      const hosting = (await os('network', 'agent', 'list', '--network', net.id)) as { ID: string }[];
      assert.deepEqual(
        hosting.map((a) => a.ID),
        [reply.agentId],
      );
    });
  });
}
