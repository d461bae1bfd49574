import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AgentNetwork } from '../../bus/dhcp-agent-rpc.js';
import { createInProcessBus } from '../../bus/in-process-bus.js';
import type { OrphanGuard } from '../cleanup.js';
import type { CleanupOwner } from '../cleanup-plan.js';
import { FakeDriver } from '../drivers/testing/fake-driver.js';
import { Reconciler } from './reconciler.js';
import { ContractTestServer } from './testing/contract-test-server.js';
import { unitReconcilerOptions } from './testing/unit-reconciler.js';

const HOST = 'unit-host';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const label = (owner: CleanupOwner) =>
  'networkId' in owner ? `namespace ${owner.networkId}` : `bridge brq${owner.networkIdPrefix}`;

/**
 * A host with a previous run's leftovers, removed as host-orphans.ts does: listed against `keep` first, then
 * (after `gate`, where the real removal spends seconds under load) removed one owner at a time through the
 * reconciler's guard. `removing` holds one owner's removal until released.
 */
class LeftoverHost {
  readonly namespaces = new Set<string>();
  readonly bridgePrefixes = new Set<string>();
  readonly removed: string[] = [];
  readonly listed = deferred();
  readonly gate = deferred();
  hold: { readonly owner: string; readonly started: () => void; readonly release: Promise<void> } | undefined;

  readonly removeOrphans = async (keep: ReadonlySet<string>, guard?: OrphanGuard): Promise<string[]> => {
    const owners: CleanupOwner[] = [
      ...[...this.namespaces].filter((id) => !keep.has(id)).map((networkId) => ({ networkId })),
      ...[...this.bridgePrefixes]
        .filter((prefix) => ![...keep].some((id) => id.startsWith(prefix)))
        .map((networkIdPrefix) => ({ networkIdPrefix })),
    ];
    this.listed.resolve();
    await this.gate.promise;
    for (const owner of owners) {
      const remove = async () => {
        if (this.hold?.owner === label(owner)) {
          this.hold.started();
          await this.hold.release;
        }
        this.removed.push(label(owner));
      };
      // Without a guard (the code before it) everything listed goes.
      if (guard === undefined) await remove();
      else await guard(owner, remove);
    }
    return this.removed;
  };
}

function setup() {
  const bus = createInProcessBus();
  const server = new ContractTestServer(bus);
  const driver = new FakeDriver();
  const host = new LeftoverHost();
  const reconciler = new Reconciler({
    ...unitReconcilerOptions(bus, driver, { host: HOST }),
    removeOrphans: host.removeOrphans,
  });
  reconciler.start();
  /** A network the server does not bind to this host yet, whose namespace and bridge a previous run left. */
  const leftover = (): AgentNetwork => {
    const network = server.addNetwork();
    server.networks.delete(network.id);
    host.namespaces.add(network.id);
    host.bridgePrefixes.add(network.id.slice(0, 11));
    return network;
  };
  const bind = (network: AgentNetwork) => {
    server.networks.set(network.id, network);
    return reconciler.handleMessage({
      schema: 'qdhcp.agent-binding',
      version: 1,
      host: HOST,
      networkId: network.id,
      action: 'bound',
      occurredAt: new Date().toISOString(),
    });
  };
  return { server, driver, host, reconciler, leftover, bind };
}

describe('orphan removal decides at deletion time (orphan-guard.ts)', () => {
  test('a network bound and served after the set to keep was read keeps its namespace and bridge', async () => {
    const t = setup();
    const served = t.server.addNetwork();
    const boundLate = t.leftover();
    const gone = t.leftover();
    const sync = t.reconciler.fullSync('startup');
    await t.host.listed.promise; // keep = {served}: boundLate and gone are listed as leftovers
    await t.bind(boundLate);
    assert.ok(t.driver.calls.includes(`enable ${boundLate.id} ports=2`));
    t.host.gate.resolve();
    await sync;
    assert.deepEqual(
      t.host.removed.sort(),
      [`bridge brq${gone.id.slice(0, 11)}`, `namespace ${gone.id}`].sort(),
    );
    assert.ok(!t.driver.calls.includes(`disable ${boundLate.id}`));
    assert.ok(t.driver.calls.includes(`enable ${served.id} ports=2`));
    await t.reconciler.stop();
  });

  test('a bind that comes while its leftovers are being removed converges after the removal', async () => {
    const t = setup();
    const network = t.leftover();
    const started = deferred();
    const release = deferred();
    t.host.hold = { owner: `namespace ${network.id}`, started: started.resolve, release: release.promise };
    const sync = t.reconciler.fullSync('startup');
    await t.host.listed.promise;
    t.host.gate.resolve();
    await started.promise; // the namespace's removal runs as a task of the network's queue
    const bound = t.bind(network);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(t.driver.calls, [], 'the bind waits for the removal');
    release.resolve();
    await Promise.all([sync, bound]);
    assert.deepEqual(t.host.removed, [`namespace ${network.id}`]);
    // Its bridge was listed too, but by then the network is held: it stays.
    assert.deepEqual(t.driver.calls, [`enable ${network.id} ports=2`]);
    await t.reconciler.stop();
  });
});
