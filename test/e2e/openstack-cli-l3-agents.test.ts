/**
 * The real `openstack` CLI (noauth) and the L3 control plane (issue 13): one host's DHCP, L3 and Linux
 * bridge agents in `network agent list`; a router with an interface scheduled to the L3 agent
 * (`network agent list --router`), which applies it; `network agent remove router --l3` / `add router --l3`
 * take it off and bring it back on the agent's data plane.
 *
 * The agent's roles run in this process (`startRoles`, as `qdhcp agent` runs them) over the control
 * plane's bus; their data plane is the recording one, since the Linux router data plane is another part
 * of issue 13. The DHCP role reports as the DHCP agent does (its own suites run the real agent).
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
import { createL3Rpc } from '../../src/agent/router/l3-rpc.js';
import { RecordingRouterDataPlane } from '../../src/agent/router/testing/recording-router-data-plane.js';
import { resolveAgentConfig } from '../../src/agent/runtime/agent-config.js';
import { eventually } from '../../src/bus/testing/bus-contract.js';
import { defaultConfig } from '../../src/common/config.js';
import { createLogger } from '../../src/common/logger.js';
import { createTestDatabase, type TestDatabase } from '../../src/db/testing/test-databases.js';
import { type RunningRoles, startRoles } from '../../src/main/agent-roles.js';
import { buildControlPlane, type ControlPlane } from '../../src/main/server.js';

const run = promisify(execFile);
const HOST = 'e2e-l3-host';

describe('openstack network agent list: DHCP, L3 and Linux bridge agents; routers on the L3 agent', () => {
  let database: TestDatabase | undefined;
  let plane: ControlPlane | undefined;
  let roles: RunningRoles | undefined;
  const dataPlane = new RecordingRouterDataPlane();
  let url = '';
  let home = '';

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'qdhcp-osc-l3-'));
    database = await createTestDatabase('sqlite');
    plane = await buildControlPlane(
      defaultConfig({
        connection: database.url,
        state_dir: database.stateDir,
        bind: '127.0.0.1:0',
        // CLI runs take 2-10 s each on a loaded machine: liveness is not what this test is about.
        agent_down_time: '300',
      }),
    );
    url = await plane.api.listen({ host: '127.0.0.1', port: 0 });
    await plane.bus.request({
      schema: 'qdhcp.request',
      version: 1,
      method: 'agent.report_state',
      params: {
        host: HOST,
        binary: 'qdhcp-agent',
        agentType: 'DHCP agent',
        availabilityZone: 'nova',
        startFlag: true,
        configurations: { driver: 'builtin', networks: 0, subnets: 0, ports: 0, physicalNetworks: [] },
      },
    });
    const config = resolveAgentConfig(undefined, {
      host: HOST,
      state_dir: database.stateDir,
      report_interval: '1',
    });
    const bus = plane.bus;
    roles = startRoles(config, {
      logger: createLogger({ level: 'silent' }),
      roles: { rpc: createL3Rpc(bus), routerDataPlane: dataPlane },
    });
    // The roles' events reach them as the agent's subscription hands them over (src/main/agent.ts).
    bus.subscribe((event) => void roles?.handleMessage(event), { host: HOST });
  });
  after(async () => {
    await roles?.close();
    await plane?.close();
    await database?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  async function os(...args: string[]): Promise<unknown> {
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' };
    const { stdout } = await run('openstack', ['--os-auth-type', 'none', '--os-endpoint', url, ...args], {
      env,
      timeout: 60_000,
    });
    return stdout.trim() === '' ? null : (JSON.parse(stdout) as unknown);
  }

  test('one host, three agents; a router is listed on and served by the L3 agent', async () => {
    let agents: Record<string, unknown>[] = [];
    for (let i = 0; i < 50 && agents.length < 3; i++) {
      agents = (await os('network', 'agent', 'list', '-f', 'json')) as Record<string, unknown>[];
      if (agents.length < 3) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const rows = agents
      .map((a) => [a['Agent Type'], a['Host'], a['Binary'], a['Alive'], a['State']])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    assert.deepEqual(rows, [
      ['DHCP agent', HOST, 'qdhcp-agent', true, true],
      ['L3 agent', HOST, 'neutron-l3-agent', true, true],
      ['Linux bridge agent', HOST, 'neutron-linuxbridge-agent', true, true],
    ]);
    const l3Agent = agents.find((a) => a['Agent Type'] === 'L3 agent')!['ID'] as string;

    await os('network', 'create', 'l3-net', '-f', 'json');
    await os(
      'subnet',
      'create',
      '--network',
      'l3-net',
      '--subnet-range',
      '192.0.2.0/24',
      'l3-sub',
      '-f',
      'json',
    );
    const router = (await os('router', 'create', 'l3-router', '-f', 'json')) as { id: string };
    await os('router', 'add', 'subnet', 'l3-router', 'l3-sub');
    const hosting = (await os('network', 'agent', 'list', '--router', router.id, '-f', 'json')) as {
      ID: string;
    }[];
    assert.deepEqual(
      hosting.map((a) => a.ID),
      [l3Agent],
    );
    await eventually(() => dataPlane.installed.has(router.id), 'the L3 role applied the router', 15_000);
    assert.deepEqual(
      dataPlane.installed.get(router.id)!.interfaces.flatMap((i) => i.addresses.map((a) => a.ipAddress)),
      ['192.0.2.1'],
    );

    await os('network', 'agent', 'remove', 'router', '--l3', l3Agent, router.id);
    await eventually(() => !dataPlane.installed.has(router.id), 'the router removed from the host', 15_000);
    assert.deepEqual(await os('network', 'agent', 'list', '--router', router.id, '-f', 'json'), []);
    await os('network', 'agent', 'add', 'router', '--l3', l3Agent, router.id);
    await eventually(() => dataPlane.installed.has(router.id), 'the router back on the host', 15_000);
  });
});
