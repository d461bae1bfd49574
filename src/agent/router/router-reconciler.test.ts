/**
 * The L3 role's reconciler against a real control plane (SQLite, in-process bus, the API through
 * `inject()`) and the recording data plane: events become applies of the right spec, an unbind becomes a
 * remove, stale revisions are dropped, a restart removes what is no longer bound, failures are retried.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TEST_CONFIG } from '../../api/testing/test-harness.js';
import type { L3AgentMethod, L3MethodParams, RouterEventV1 } from '../../bus/l3-agent-rpc.js';
import { eventually } from '../../bus/testing/bus-contract.js';
import { defaultConfig } from '../../common/config.js';
import { createLogger } from '../../common/logger.js';
import { createTestDatabase, type TestDatabase } from '../../db/testing/test-databases.js';
import { buildControlPlane, type ControlPlane } from '../../main/server.js';
import { createL3Rpc, type L3Rpc } from './l3-rpc.js';
import { RouterReconciler } from './router-reconciler.js';
import { RecordingRouterDataPlane } from './testing/recording-router-data-plane.js';

const HOST = 'l3-host';
const logger = createLogger({ level: 'silent' });

describe('RouterReconciler with a control plane', () => {
  let database: TestDatabase;
  let plane: ControlPlane;
  let rpc: L3Rpc;
  let agentId = '';

  async function api(method: string, url: string, body?: unknown): Promise<Record<string, unknown>> {
    const reply = await plane.api.inject({
      method: method as 'GET',
      url,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined && { payload: JSON.stringify(body) }),
    });
    assert.ok(reply.statusCode < 300, `${method} ${url}: ${reply.statusCode} ${reply.body}`);
    return reply.body === '' || reply.body === 'null'
      ? {}
      : (JSON.parse(reply.body) as Record<string, unknown>);
  }

  /** A router with one interface on a new subnet; returns its id. */
  async function routerWithInterface(cidr: string): Promise<string> {
    const network = (await api('POST', '/v2.0/networks', { network: { name: 'n' } }))['network'] as {
      id: string;
    };
    const subnet = (
      await api('POST', '/v2.0/subnets', {
        subnet: { network_id: network.id, cidr, ip_version: 4 },
      })
    )['subnet'] as { id: string };
    const router = (await api('POST', '/v2.0/routers', { router: { name: 'r' } }))['router'] as {
      id: string;
    };
    await api('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id });
    return router.id;
  }

  /** A reconciler of HOST on `dataPlane`, fed by the bus like the agent's (src/main/agent.ts). */
  function startReconciler(
    dataPlane: RecordingRouterDataPlane,
    client: L3Rpc = rpc,
  ): {
    reconciler: RouterReconciler;
    stop(): Promise<void>;
  } {
    const reconciler = new RouterReconciler({ host: HOST, rpc: client, dataPlane, logger, retryDelayMs: 20 });
    const unsubscribe = plane.bus.subscribe((event) => void reconciler.handleMessage(event), { host: HOST });
    return {
      reconciler,
      async stop() {
        unsubscribe();
        await reconciler.stop();
      },
    };
  }

  before(async () => {
    database = await createTestDatabase('sqlite');
    plane = await buildControlPlane(
      defaultConfig({ ...TEST_CONFIG, connection: database.url, state_dir: database.stateDir }),
    );
    rpc = createL3Rpc(plane.bus);
    const report = await rpc.call('agent.report_role_state', {
      host: HOST,
      agentType: 'L3 agent',
      availabilityZone: 'nova',
      startFlag: true,
      configurations: {},
    });
    agentId = report.agentId;
  });

  after(async () => {
    await plane.close();
    await database.drop();
  });

  test('an interface added → apply with the interface’s address; unbind → remove; stale event dropped', async () => {
    const dataPlane = new RecordingRouterDataPlane();
    const { reconciler, stop } = startReconciler(dataPlane);
    try {
      await reconciler.fullSync('startup');
      assert.deepEqual(dataPlane.trace(), ['list']);
      const router = await routerWithInterface('10.41.0.0/24');
      await eventually(() => dataPlane.installed.has(router), 'router applied');
      const spec = dataPlane.installed.get(router)!;
      assert.deepEqual(
        spec.interfaces.flatMap((i) => i.addresses.map((a) => `${a.ipAddress} ${a.cidr}`)),
        ['10.41.0.1 10.41.0.0/24'],
      );
      assert.equal(spec.gateway, null);
      // Replaying the event that brought it (same revision) changes nothing.
      const replay: RouterEventV1 = {
        schema: 'qdhcp.router-event',
        version: 1,
        host: HOST,
        routerId: router,
        action: 'updated',
        revision: spec.revision,
        occurredAt: new Date().toISOString(),
      };
      const callsBefore = dataPlane.calls.length;
      assert.equal(await reconciler.handleMessage(replay), 'stale');
      assert.equal(await reconciler.handleMessage({ ...replay, host: 'someone-else' }), 'other-host');
      assert.equal(await reconciler.handleMessage({ schema: 'qdhcp.resource-event' }), 'not-a-router-event');
      assert.equal(dataPlane.calls.length, callsBefore);
      // Unbinding it from this agent removes it; a late 'updated' of an older revision is stale.
      await api('DELETE', `/v2.0/agents/${agentId}/l3-routers/${router}`);
      await eventually(() => !dataPlane.installed.has(router), 'router removed');
      assert.equal(await reconciler.handleMessage(replay), 'stale');
      assert.ok(!dataPlane.installed.has(router));
      // Bound again: applied again, at a newer revision.
      await api('POST', `/v2.0/agents/${agentId}/l3-routers`, { router_id: router });
      await eventually(() => dataPlane.installed.has(router), 'router applied again');
      assert.ok(dataPlane.installed.get(router)!.revision > spec.revision);
    } finally {
      await stop();
    }
  });

  test('restart: the first sync applies what is bound and removes what an earlier run left', async () => {
    const router = await routerWithInterface('10.42.0.0/24');
    const dataPlane = new RecordingRouterDataPlane(['0f0f0f0f-leftover', router]);
    const { reconciler, stop } = startReconciler(dataPlane);
    try {
      await reconciler.fullSync('startup');
      await reconciler.idle();
      assert.ok(dataPlane.installed.has(router));
      assert.ok(!dataPlane.installed.has('0f0f0f0f-leftover'));
      assert.ok(dataPlane.trace().includes('remove:0f0f0f0f-leftover'));
      assert.ok(!dataPlane.trace().includes(`remove:${router}`));
      // Later syncs do not list the host again.
      await reconciler.fullSync('reconnect');
      await reconciler.idle();
      assert.equal(dataPlane.trace().filter((t) => t === 'list').length, 1);
    } finally {
      await stop();
    }
  });

  test('a failed apply is retried with backoff until it succeeds', async () => {
    const dataPlane = new RecordingRouterDataPlane();
    const { reconciler, stop } = startReconciler(dataPlane);
    try {
      await reconciler.fullSync('startup');
      await reconciler.idle();
      dataPlane.failNextApplies = 2;
      const router = await routerWithInterface('10.43.0.0/24');
      await eventually(() => dataPlane.installed.has(router), 'router applied after retries');
      assert.equal(dataPlane.trace().filter((t) => t.startsWith(`apply:${router}`)).length, 3);
    } finally {
      await stop();
    }
  });

  test('a deleted router is removed from its host', async () => {
    const dataPlane = new RecordingRouterDataPlane();
    const { reconciler, stop } = startReconciler(dataPlane);
    try {
      await reconciler.fullSync('startup');
      const network = (await api('POST', '/v2.0/networks', { network: { name: 'n' } }))['network'] as {
        id: string;
      };
      const subnet = (
        await api('POST', '/v2.0/subnets', {
          subnet: { network_id: network.id, cidr: '10.44.0.0/24', ip_version: 4 },
        })
      )['subnet'] as { id: string };
      const router = (await api('POST', '/v2.0/routers', { router: { name: 'r' } }))['router'] as {
        id: string;
      };
      await api('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id });
      await eventually(() => dataPlane.installed.has(router.id), 'router applied');
      await api('PUT', `/v2.0/routers/${router.id}/remove_router_interface`, { subnet_id: subnet.id });
      await eventually(
        () => dataPlane.installed.get(router.id)?.interfaces.length === 0,
        'interface gone from the spec',
      );
      await api('DELETE', `/v2.0/routers/${router.id}`);
      await eventually(() => !dataPlane.installed.has(router.id), 'router removed');
    } finally {
      await stop();
    }
  });

  test('a floating IP change carried by the event is applied without a fetch, as the fetch would have it', async () => {
    const fetches: string[] = [];
    const counting: L3Rpc = {
      call<M extends L3AgentMethod>(method: M, params: L3MethodParams<M>) {
        if (method === 'l3.sync_routers') fetches.push(JSON.stringify(params));
        return rpc.call(method, params);
      },
    };
    const dataPlane = new RecordingRouterDataPlane();
    const { reconciler, stop } = startReconciler(dataPlane, counting);
    try {
      await reconciler.fullSync('startup');
      await reconciler.idle();
      const external = (
        await api('POST', '/v2.0/networks', { network: { name: 'ext', 'router:external': true } })
      )['network'] as { id: string };
      await api('POST', '/v2.0/subnets', {
        subnet: { network_id: external.id, cidr: '172.31.9.0/24', ip_version: 4, enable_dhcp: false },
      });
      const router = await routerWithInterface('10.45.0.0/24');
      await api('PUT', `/v2.0/routers/${router}`, {
        router: { external_gateway_info: { network_id: external.id } },
      });
      const installed = () => dataPlane.installed.get(router);
      await eventually(() => installed()?.gateway != null, 'gateway applied');
      const interfaceNetwork = installed()!.interfaces[0]!.networkId;
      const port = (await api('POST', '/v2.0/ports', { port: { network_id: interfaceNetwork } }))['port'] as {
        id: string;
      };
      const fip = (
        await api('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: external.id } })
      )['floatingip'] as { id: string };
      await reconciler.idle();
      // What the control plane answers for the router at each revision, to compare with what was applied.
      const fetched = async () =>
        (await rpc.call('l3.sync_routers', { host: HOST, router_ids: [router] })).routers[0];
      const check = async (what: string, floatingIps: number) => {
        await reconciler.idle();
        assert.deepEqual(installed(), await fetched(), what);
        assert.equal(installed()!.floatingIps.length, floatingIps, what);
      };
      const before = fetches.length;
      await api('PUT', `/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: port.id } });
      await eventually(() => installed()!.floatingIps.length === 1, 'associated');
      await check('associate', 1);
      await api('PUT', `/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: null } });
      await eventually(() => installed()!.floatingIps.length === 0, 'disassociated');
      await check('disassociate', 0);
      await api('PUT', `/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: port.id } });
      const associated = (await fetched())!.revision;
      await api('DELETE', `/v2.0/floatingips/${fip.id}`);
      const deleted = (await fetched())!.revision;
      assert.ok(deleted > associated);
      await eventually(() => installed()!.revision === deleted, 'the delete applied');
      await check('associate, then delete', 0);
      assert.deepEqual(fetches.slice(before), [], 'no router fetched for floating IP events');

      // An event whose base is not the revision applied here (one was missed): fetched.
      const current = installed()!;
      const gap: RouterEventV1 = {
        schema: 'qdhcp.router-event',
        version: 1,
        host: HOST,
        routerId: router,
        action: 'updated',
        revision: current.revision + 2,
        occurredAt: new Date().toISOString(),
        floatingIps: { baseRevision: current.revision + 1, removed: [], upserted: [] },
      };
      assert.equal(await reconciler.handleMessage(gap), 'handled');
      assert.equal(fetches.length - before, 1, 'the gap was fetched');
    } finally {
      await stop();
    }
  });
});
