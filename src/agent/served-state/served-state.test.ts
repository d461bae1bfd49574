import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Bus } from '../../bus/bus.js';
import { createInProcessBus } from '../../bus/in-process-bus.js';
import { createLogger } from '../../common/logger.js';
import { FakeDriver } from '../drivers/testing/fake-driver.js';
import { dhcpPortDeviceId } from '../naming.js';
import { createAgentRpc } from '../reconciler/agent-rpc.js';
import { NetworkPeers } from '../reconciler/network-peers.js';
import { Reconciler } from '../reconciler/reconciler.js';
import { ContractTestServer } from '../reconciler/testing/contract-test-server.js';
import { DEFAULT_DHCP_SETTINGS } from '../settings.js';
import { servedStateDirectory } from './layout.js';
import { restoreInto, servedStateWriter } from './served-state.js';

const HOST = 'restore-host';
const logger = createLogger({ level: 'silent' });

/** One agent process: a reconciler on `bus` whose served state is kept in `stateDir`. */
function agent(bus: Bus, stateDir: string, parallelism = 8) {
  const driver = new FakeDriver();
  const writer = servedStateWriter(stateDir, logger);
  // Host reads (the full sync's one read of the host namespace); a restore must not wait for one.
  const hostReads = { count: 0 };
  const reconciler = new Reconciler({
    host: HOST,
    peers: new NetworkPeers(driver),
    dhcp: DEFAULT_DHCP_SETTINGS,
    rpc: createAgentRpc(bus, { timeoutMs: 300 }),
    logger,
    dhcpDeviceId: (networkId) => dhcpPortDeviceId(HOST, networkId),
    retryDelayMs: 60_000,
    resyncIntervalMs: 0,
    portsReadyIntervalMs: 60_000,
    servedState: writer,
    parallelism,
    readHostLinks: async () => {
      hostReads.count++;
      return new Map();
    },
  });
  return { driver, writer, reconciler, hostReads };
}

describe('served state across a crash', () => {
  test('a new process serves the snapshot with the server away, then converges to the server', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'qdhcp-restore-'));
    try {
      const bus = createInProcessBus();
      const server = new ContractTestServer(bus);
      const kept = server.addNetwork(2);
      const changed = server.addNetwork(3);
      const unbound = server.addNetwork(1);
      const first = agent(bus, stateDir);
      await first.reconciler.fullSync('startup');
      // The DHCP ports' creation raised each network's revision; a real agent learns it from the port
      // events, this test server sends none: a second sync holds (and writes) the server's revision.
      await first.reconciler.fullSync('periodic');
      await first.writer.flush();
      assert.deepEqual(
        (await readdir(servedStateDirectory(stateDir))).sort(),
        [kept.id, changed.id, unbound.id].map((id) => `${id}.json`).sort(),
      );
      // kill -9: nothing of the first process is stopped or flushed any more.

      // The server is away: a bus where nobody answers.
      const second = agent(createInProcessBus(), stateDir, 1);
      // How many networks were served at each turn of the event loop during the restore: a restore that
      // never yields serves every network before any restored socket can be read.
      const seen = new Set<number>();
      let turning = true;
      const turn = (): void => {
        seen.add(second.driver.calls.length);
        if (turning) setImmediate(turn);
      };
      setImmediate(turn);
      const restored = await restoreInto(second.reconciler, stateDir, logger).finally(() => {
        turning = false;
      });
      assert.ok(
        [...seen].some((served) => served > 0 && served < 3),
        `the loop turns while networks are restored (networks served at its turns: ${[...seen].join(', ')})`,
      );
      assert.deepEqual(restored, { networks: 3, skipped: 0 });
      assert.deepEqual(
        second.driver.calls.sort(),
        [
          `enable ${kept.id} ports=3 adopt`,
          `enable ${changed.id} ports=4 adopt`,
          `enable ${unbound.id} ports=2 adopt`,
        ].sort(),
        'every network served from the snapshot, with its DHCP port, on the devices the crash left',
      );
      assert.equal(second.hostReads.count, 0, 'the restore serves without reading the host');
      assert.deepEqual(
        second.reconciler.report().map((entry) => entry.state),
        ['serving', 'serving', 'serving'],
      );

      // Meanwhile on the server: a port of `changed` deleted, `unbound` moved away.
      const current = server.networks.get(changed.id);
      assert.ok(current !== undefined);
      server.networks.set(changed.id, {
        ...current,
        ports: current.ports.slice(1),
        revision: current.revision + 1,
      });
      server.networks.delete(unbound.id);

      // The server is back (same process, its bus): the startup sync converges.
      const third = agent(bus, stateDir);
      await restoreInto(third.reconciler, stateDir, logger);
      third.driver.calls.length = 0;
      await third.reconciler.fullSync('startup');
      assert.deepEqual(
        third.driver.calls.sort(),
        [`enable ${kept.id} ports=3`, `enable ${changed.id} ports=3`, `disable ${unbound.id}`].sort(),
        'unchanged network served as restored, its plumbing converged; changed one converged; unbound one torn down',
      );
      assert.equal(third.hostReads.count, 1, 'the sync reads the host once, for every network');
      assert.equal(server.count('dhcp.ensure_port'), 3, 'no DHCP port asked for again');
      await third.writer.flush();
      assert.deepEqual(
        (await readdir(servedStateDirectory(stateDir))).sort(),
        [kept.id, changed.id].map((id) => `${id}.json`).sort(),
      );
      for (const { reconciler } of [first, second, third]) await reconciler.stop();
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
