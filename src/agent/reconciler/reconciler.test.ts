import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { AgentNetwork, AgentPort } from '../../bus/dhcp-agent-rpc.js';
import { createInProcessBus } from '../../bus/in-process-bus.js';
import { resourceEvent } from '../../bus/messages.js';
import { QdhcpError } from '../../common/errors.js';
import { FakeDriver, type FakeDriverOptions } from '../drivers/testing/fake-driver.js';
import { dhcpPortDeviceId } from '../naming.js';
import { KeyedSerialQueue } from './keyed-queue.js';
import { PORTS_READY_BATCH } from './ports-ready.js';
import { Reconciler } from './reconciler.js';
import { ContractTestServer } from './testing/contract-test-server.js';
import { unitReconcilerOptions } from './testing/unit-reconciler.js';

const HOST = 'unit-host';
const deviceId = (networkId: string) => dhcpPortDeviceId(HOST, networkId);

/** The reconciler against the contract test server and the in-memory fake driver (which records calls). */
function setup(driverOptions: FakeDriverOptions = {}, parallelism = 8) {
  const bus = createInProcessBus();
  const server = new ContractTestServer(bus);
  const driver = new FakeDriver(driverOptions);
  const orphansKept: Array<ReadonlySet<string>> = [];
  const devicesRemoved: string[] = [];
  const reconciler = new Reconciler({
    ...unitReconcilerOptions(bus, driver, { host: HOST }),
    parallelism,
    removeOrphans: async (keep) => {
      orphansKept.push(keep);
      return [];
    },
    removeNetworkDevices: async (network) => {
      devicesRemoved.push(network.id);
    },
  });
  reconciler.start();
  return { bus, server, reconciler, driver, calls: driver.calls, orphansKept, devicesRemoved };
}

function portEvent(
  network: AgentNetwork,
  revision: number,
  action: 'created' | 'updated' | 'deleted',
  port: AgentPort,
) {
  return resourceEvent({
    resource: 'port',
    action,
    id: port.id,
    networkId: network.id,
    networkRevision: revision,
    state: port as unknown as Record<string, unknown>,
  });
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('reconciler', () => {
  test('startup: converges every bound network with its DHCP port, reports ports ready, keeps them', async () => {
    const t = setup();
    const a = t.server.addNetwork(2);
    const b = t.server.addNetwork(1);
    await t.reconciler.fullSync('startup');
    assert.equal(t.server.count('dhcp.ensure_port'), 2);
    const ensure = t.server.calls.find((call) => call.method === 'dhcp.ensure_port');
    assert.equal(ensure?.params['deviceId'], deviceId(String(ensure?.params['networkId'])));
    assert.deepEqual(ensure?.params['subnetIds'], [
      t.server.networks.get(String(ensure?.params['networkId']))?.subnets[0]?.id,
    ]);
    assert.deepEqual(t.calls.sort(), [`enable ${a.id} ports=3`, `enable ${b.id} ports=2`].sort());
    assert.deepEqual(t.orphansKept.at(-1), new Set([a.id, b.id]));
    await eventually(() => t.server.readyPorts.length === 3, 'ports_ready');
    assert.deepEqual(new Set(t.server.readyPorts), new Set([...a.ports, ...b.ports].map((p) => p.id)));
    // A second full sync needs no new DHCP port (it is in the snapshot now).
    await t.reconciler.fullSync('periodic');
    assert.equal(t.server.count('dhcp.ensure_port'), 2);
    await t.reconciler.stop();
  });

  test('networks_served: a network is reported once its driver serves it, not while it fails', async () => {
    const failing = new Set<string>();
    const t = setup({ failConverge: failing });
    const a = t.server.addNetwork(1);
    const b = t.server.addNetwork(1);
    failing.add(b.id);
    await t.reconciler.fullSync('startup');
    await eventually(() => t.server.servedNetworks.length > 0, 'networks_served');
    assert.deepEqual(t.server.servedNetworks, [a.id], 'the failed network is not reported');
    // The retry serves it, and then it is reported (the drain of another agent may end: agent-drain.ts).
    await eventually(() => t.server.servedNetworks.includes(b.id), 'networks_served after the retry');
    assert.ok(t.calls.includes(`enable ${b.id} ports=2`));
    // Every full sync reports again, in one call (a report lost with the server is not lost for good).
    const before = t.server.count('dhcp.networks_served');
    await t.reconciler.fullSync('periodic');
    await eventually(() => t.server.count('dhcp.networks_served') === before + 1, 'a second report');
    const last = t.server.calls.filter((call) => call.method === 'dhcp.networks_served').at(-1);
    assert.deepEqual(new Set(last?.params['networkIds'] as string[]), new Set([a.id, b.id]));
    await t.reconciler.stop();
  });

  test('full sync tears down networks the server no longer binds here, and releases their port', async () => {
    const t = setup();
    const a = t.server.addNetwork();
    await t.reconciler.fullSync('startup');
    t.server.networks.delete(a.id);
    await t.reconciler.fullSync('periodic');
    assert.ok(t.calls.includes(`disable ${a.id}`));
    assert.equal(t.server.count('dhcp.release_port'), 1);
    assert.deepEqual(t.reconciler.report(), []);
    await t.reconciler.stop();
  });

  test('events: next revision applied incrementally, stale dropped, gap resyncs that network only', async () => {
    const t = setup();
    const a = t.server.addNetwork();
    const other = t.server.addNetwork();
    await t.reconciler.fullSync('startup');
    const applied = t.reconciler.report().find((r) => r.networkId === a.id)?.revision ?? -1;
    const port: AgentPort = {
      id: randomUUID(),
      mac_address: 'fa:16:3e:00:09:01',
      device_owner: 'compute:nova',
      fixed_ips: [{ subnet_id: a.subnets[0]!.id, ip_address: '10.0.0.50' }],
    };
    t.calls.length = 0;
    await t.reconciler.handleMessage(portEvent(a, applied + 1, 'created', port));
    assert.deepEqual(t.calls, [`upsert ${a.id} ${port.id}`]);
    await t.reconciler.handleMessage(portEvent(a, applied + 1, 'updated', port));
    await t.reconciler.handleMessage(portEvent(a, applied, 'updated', port));
    assert.deepEqual(t.calls, [`upsert ${a.id} ${port.id}`], 'stale events change nothing');
    const reads = t.server.count('dhcp.get_network');
    await t.reconciler.handleMessage(portEvent(a, applied + 5, 'deleted', port));
    assert.equal(t.server.count('dhcp.get_network'), reads + 1);
    assert.equal(t.calls.at(-1), `enable ${a.id} ports=2`);
    assert.ok(!t.calls.some((call) => call.includes(other.id)));
    await eventually(() => t.server.readyPorts.includes(port.id), 'new port ready');
    await t.reconciler.stop();
  });

  test('port delete goes to the driver; network delete tears down and removes host devices', async () => {
    const t = setup();
    const a = t.server.addNetwork(1);
    await t.reconciler.fullSync('startup');
    const applied = t.reconciler.report()[0]!.revision;
    const victim = a.ports[0]!;
    await t.reconciler.handleMessage(portEvent(a, applied + 1, 'deleted', victim));
    assert.equal(t.calls.at(-1), `delete ${a.id} ${victim.id}`);
    assert.equal(t.reconciler.report()[0]!.ports, 1, 'only the DHCP port is left in the model');
    await t.reconciler.handleMessage(
      resourceEvent({
        resource: 'network',
        action: 'deleted',
        id: a.id,
        networkId: a.id,
        networkRevision: applied + 2,
        state: {},
      }),
    );
    assert.equal(t.calls.at(-1), `disable ${a.id}`);
    assert.deepEqual(t.devicesRemoved, [a.id]);
    // Deleted after the agent already let it go (its DHCP port went first): the bridge still goes.
    const gone = t.server.addNetwork();
    await t.reconciler.handleMessage(
      resourceEvent({
        resource: 'network',
        action: 'deleted',
        id: gone.id,
        networkId: gone.id,
        networkRevision: 9,
        state: {},
      }),
    );
    assert.deepEqual(t.devicesRemoved, [a.id, gone.id]);
    assert.deepEqual(t.reconciler.report(), []);
    await t.reconciler.stop();
  });

  test('a subnet event on a network not held yet reads it from the server; a port event does not', async () => {
    const t = setup();
    const a = t.server.addNetwork();
    const other = t.server.addNetwork();
    await t.reconciler.handleMessage(portEvent(other, 9, 'created', other.ports[0]!));
    assert.equal(t.server.count('dhcp.get_network'), 0);
    await t.reconciler.handleMessage(
      resourceEvent({
        resource: 'subnet',
        action: 'created',
        id: a.subnets[0]!.id,
        networkId: a.id,
        networkRevision: 6,
        state: {},
      }),
    );
    assert.deepEqual(t.calls, [`enable ${a.id} ports=2`]);
    // A network the server does not bind here: read, nothing to undo, nothing released.
    await t.reconciler.handleMessage(
      resourceEvent({
        resource: 'network',
        action: 'created',
        id: 'x',
        networkId: randomUUID(),
        networkRevision: 1,
        state: {},
      }),
    );
    assert.equal(t.server.count('dhcp.get_network'), 2);
    assert.equal(t.server.count('dhcp.release_port'), 0);
    assert.deepEqual(t.reconciler.report().length, 1);
    await t.reconciler.stop();
  });

  test('binding events: bound converges, unbound tears down and releases; other hosts ignored', async () => {
    const t = setup();
    const a = t.server.addNetwork();
    const binding = (action: 'bound' | 'unbound', host = HOST) => ({
      schema: 'qdhcp.agent-binding',
      version: 1,
      host,
      networkId: a.id,
      action,
      occurredAt: new Date().toISOString(),
    });
    await t.reconciler.handleMessage(binding('bound', 'someone-else'));
    assert.deepEqual(t.calls, []);
    await t.reconciler.handleMessage(binding('bound'));
    assert.deepEqual(t.calls, [`enable ${a.id} ports=2`]);
    await t.reconciler.handleMessage(binding('unbound'));
    assert.equal(t.calls.at(-1), `disable ${a.id}`);
    assert.equal(t.server.count('dhcp.release_port'), 1);
    // Not held any more: nothing to undo, no second release (Neutron fans network deletes out to all agents).
    const callsBefore = t.calls.length;
    await t.reconciler.handleMessage(binding('unbound'));
    assert.equal(t.calls.length, callsBefore);
    assert.equal(t.server.count('dhcp.release_port'), 1);
    await t.reconciler.handleMessage({ schema: 'nonsense' });
    await t.reconciler.stop();
  });

  test('an RPC failure retries the full sync; a driver failure retries that network', async () => {
    const t = setup({ failConverge: new Set() });
    const a = t.server.addNetwork();
    t.server.failNext.add('dhcp.get_active_networks');
    await t.reconciler.fullSync('startup');
    assert.deepEqual(t.calls, []);
    await eventually(() => t.calls.includes(`enable ${a.id} ports=2`), 'full sync retried');
    await t.reconciler.stop();

    const failing = new Set<string>();
    const u = setup({ failConverge: failing });
    const b = u.server.addNetwork();
    failing.add(b.id);
    await u.reconciler.fullSync('startup');
    assert.equal(u.reconciler.report()[0]?.state, 'failed');
    assert.match(u.reconciler.report()[0]?.detail ?? '', /RTNETLINK/);
    await eventually(() => u.reconciler.report()[0]?.state === 'serving', 'network retried');
    await u.reconciler.stop();
  });

  test('a non-retryable server error (no free address for the DHCP port) is reported, not retried', async () => {
    const t = setup();
    const a = t.server.addNetwork();
    t.server.failAlways.set(
      'dhcp.ensure_port',
      () => new QdhcpError('IP_ADDRESS_GENERATION_FAILURE', { net_id: a.id }),
    );
    await t.reconciler.fullSync('startup');
    assert.equal(t.reconciler.report()[0]?.state, 'failed');
    assert.match(t.reconciler.report()[0]?.detail ?? '', /No more IP addresses available/);
    // Ten retry delays: a retryable failure would have called the server again by now.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(t.server.count('dhcp.ensure_port'), 1);
    assert.deepEqual(t.calls, []);
    await t.reconciler.stop();

    const u = setup();
    const b = u.server.addNetwork();
    u.server.failAlways.set(
      'dhcp.ensure_port',
      () => new QdhcpError('MAC_ADDRESS_GENERATION_FAILURE', { net_id: b.id }),
    );
    await u.reconciler.fullSync('startup');
    await eventually(() => u.server.count('dhcp.ensure_port') >= 3, 'a retryable failure retried');
    u.server.failAlways.clear();
    await eventually(() => u.reconciler.report()[0]?.state === 'serving', 'serving once the server can');
    await u.reconciler.stop();
  });

  test('networks converge in parallel up to the limit; one network stays in order', async () => {
    const t = setup({ delayMs: 20 }, 3);
    for (let i = 0; i < 9; i++) t.server.addNetwork();
    await t.reconciler.fullSync('startup');
    assert.equal(t.driver.enabledNetworks().length, 9);
    assert.equal(t.driver.maxActive, 3);
    await t.reconciler.stop();
  });

  test('the ACTIVE update that follows ports_ready reaches no peer and is not reported again', async () => {
    const t = setup();
    const a = t.server.addNetwork();
    await t.reconciler.fullSync('startup');
    const applied = t.reconciler.report().find((r) => r.networkId === a.id)?.revision ?? -1;
    const port: AgentPort = {
      id: randomUUID(),
      mac_address: 'fa:16:3e:00:09:02',
      device_owner: 'compute:nova',
      fixed_ips: [{ subnet_id: a.subnets[0]!.id, ip_address: '10.0.0.51' }],
      revision_number: 1,
      status: 'DOWN',
    };
    t.calls.length = 0;
    await t.reconciler.handleMessage(portEvent(a, applied + 1, 'created', port));
    await eventually(() => t.server.readyPorts.includes(port.id), 'port reported ready');
    const reports = () => t.server.count('dhcp.ports_ready');
    const before = reports();
    const active = { ...port, revision_number: 2, status: 'ACTIVE' };
    await t.reconciler.handleMessage(portEvent(a, applied + 2, 'updated', active));
    assert.equal(t.reconciler.report().find((r) => r.networkId === a.id)?.revision, applied + 2);
    assert.deepEqual(t.calls, [`upsert ${a.id} ${port.id}`], 'the status update is no upsert');
    await new Promise((resolve) => setTimeout(resolve, 60)); // six report intervals
    assert.equal(reports(), before, 'an ACTIVE port is not reported again');
    // A later change the data plane reads is applied again (and reported while not ACTIVE).
    const moved = { ...active, revision_number: 3, status: 'DOWN', mac_address: 'fa:16:3e:00:09:03' };
    await t.reconciler.handleMessage(portEvent(a, applied + 3, 'updated', moved));
    assert.deepEqual(t.calls, [`upsert ${a.id} ${port.id}`, `upsert ${a.id} ${port.id}`]);
    await eventually(() => reports() > before, 'a DOWN port is reported');
    await t.reconciler.stop();
  });

  test(`ports_ready goes out in batches of at most ${PORTS_READY_BATCH}`, async () => {
    const t = setup();
    t.server.addNetwork(150);
    await t.reconciler.fullSync('startup');
    await eventually(() => t.server.readyPorts.length === 150, 'all ports ready');
    const sizes = t.server.calls
      .filter((call) => call.method === 'dhcp.ports_ready')
      .map((call) => (call.params['portIds'] as string[]).length);
    const full = Math.floor(150 / PORTS_READY_BATCH);
    assert.deepEqual(sizes, [...Array(full).fill(PORTS_READY_BATCH), 150 - full * PORTS_READY_BATCH]);
    // A failed call keeps its ports for the next one.
    t.server.failNext.add('dhcp.ports_ready');
    t.server.addNetwork(2);
    await t.reconciler.fullSync('periodic');
    await eventually(() => t.server.readyPorts.length >= 152, 'retried after failure');
    await t.reconciler.stop();
  });
});

describe('KeyedSerialQueue', () => {
  test('tasks of one key run in order, never overlapping', async () => {
    const queue = new KeyedSerialQueue(4);
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      log.push(`end ${name}`);
    };
    await Promise.all([
      queue.run('n', task('a', 20)),
      queue.run('n', task('b', 1)),
      queue.run('n', task('c', 1)),
    ]);
    assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    await queue.idle();
    assert.deepEqual(queue.busyKeys(), []);
  });

  test('a failing task does not stop the next one', async () => {
    const queue = new KeyedSerialQueue(1);
    await assert.rejects(queue.run('n', async () => Promise.reject(new Error('boom'))));
    assert.equal(await queue.run('n', async () => 7), 7);
  });
});
