import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { BuiltinDriver } from '../../src/agent/drivers/builtin/builtin-driver.js';
import { BuiltinDnsPeer } from '../../src/agent/drivers/builtin/dns-peer.js';
import { bridgeName, dhcpPortDeviceId } from '../../src/agent/naming.js';
import { createAgentRpc } from '../../src/agent/reconciler/agent-rpc.js';
import { removeOrphanNamespaces } from '../../src/agent/reconciler/host-orphans.js';
import { NetworkPeers } from '../../src/agent/reconciler/network-peers.js';
import { Reconciler } from '../../src/agent/reconciler/reconciler.js';
import { ContractTestServer } from '../../src/agent/reconciler/testing/contract-test-server.js';
import { restoreInto, servedStateWriter } from '../../src/agent/served-state/served-state.js';
import type { Bus } from '../../src/bus/bus.js';
import type { AgentNetwork, AgentPort } from '../../src/bus/dhcp-agent-rpc.js';
import { createInProcessBus } from '../../src/bus/in-process-bus.js';
import { udhcpcOnce } from '../support/agent/dhcp-clients.js';
import { AgentTestbed } from '../support/agent/testbed.js';
import { canUseNamespaces } from '../support/netns.js';

/**
 * Issue 17, fast recovery after a crash: an agent (reconciler + real builtin driver, in a test host
 * namespace) serving N networks keeps its served-state snapshot; it dies the way kill -9 leaves things
 * (sockets closed by the kernel, namespaces and devices left, nothing flushed or torn down); the server is
 * away; a new agent serves every network from the snapshot alone (real udhcpc gets its lease); then the
 * server comes back with a port deleted meanwhile and a network unbound, and the new agent converges.
 */
const HOST = 'crash-snapshot-e2e';
const NETWORKS = 3;
const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';

interface TestNetwork {
  readonly id: string;
  readonly clientMac: string;
  readonly clientIp: string;
}

describe('agent crash: serves from the served-state snapshot, then converges', {
  skip,
  concurrency: false,
}, () => {
  let bed: AgentTestbed;
  const stoppers: Array<() => Promise<void>> = [];
  const networks: TestNetwork[] = Array.from({ length: NETWORKS }, (_, i) => ({
    id: randomUUID(),
    clientMac: `fa:16:3e:81:0${i}:10`,
    clientIp: `10.81.${i}.10`,
  }));

  /** One agent "process" on `bus`, its snapshot in the run's state dir; `crash()` stops it like kill -9. */
  function startAgent(bus: Bus) {
    const deps = bed.driverDeps(HOST);
    const peers = new NetworkPeers(new BuiltinDriver(deps), [new BuiltinDnsPeer(deps)]);
    const writer = servedStateWriter(bed.path('state'), bed.logger);
    const reconciler = new Reconciler({
      host: HOST,
      peers,
      dhcp: deps.dhcp,
      rpc: createAgentRpc(bus, { timeoutMs: 500 }),
      logger: bed.logger,
      dhcpDeviceId: deps.dhcpDeviceId,
      resyncIntervalMs: 0,
      retryDelayMs: 60_000,
      removeOrphans: async (keep, guard) =>
        (await removeOrphanNamespaces(bed.namespacePrefix, keep, undefined, guard)).removed,
      servedState: writer,
    });
    reconciler.start();
    let crashed = false;
    // What the kernel does to a killed process: its sockets close. Nothing else is undone or written.
    const crash = async () => {
      if (crashed) return;
      crashed = true;
      await reconciler.stop();
      await peers.stop();
    };
    stoppers.push(crash);
    return { reconciler, writer, crash };
  }

  async function leaseOf(network: TestNetwork): Promise<string | undefined> {
    const client = await bed.addClient(network.clientMac, {
      namespace: bed.host,
      bridge: bridgeName(network.id),
    });
    return (await udhcpcOnce(bed, client))?.['ip'];
  }

  before(async () => {
    bed = await AgentTestbed.create('acs');
  });

  after(async () => {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
    await bed?.teardown();
  });

  test('kill, server away, restart: every network answers from the snapshot; server back: converges', async () => {
    const bus = createInProcessBus();
    const server = new ContractTestServer(bus);
    networks.forEach((network, i) => {
      server.networks.set(network.id, networkView(network, i));
    });
    const first = startAgent(bus);
    await first.reconciler.fullSync('startup');
    for (const network of networks) assert.equal(await leaseOf(network), network.clientIp);
    await first.writer.flush(); // what the 200 ms debounce has long done by the time of a crash
    await first.crash();
    await bus.close();

    // The server is away: nobody answers on this bus.
    const away = createInProcessBus();
    const second = startAgent(away);
    const started = performance.now();
    const restored = await restoreInto(second.reconciler, bed.path('state'), bed.logger);
    const restoreMs = performance.now() - started;
    assert.deepEqual(restored, { networks: NETWORKS, skipped: 0 });
    // Only the snapshot's networks were served; the (failing) server was never needed.
    for (const network of networks)
      assert.equal(await leaseOf(network), network.clientIp, 'served while away');
    await second.reconciler.fullSync('startup');
    assert.deepEqual(
      second.reconciler.report().map((entry) => entry.state),
      networks.map(() => 'serving'),
      'a failed sync keeps serving the snapshot',
    );

    // The server comes back: meanwhile network 0's client port was deleted and network 2 moved away.
    const back = new ContractTestServer(away);
    for (const [id, view] of server.networks) back.networks.set(id, view);
    const [deleted, kept, unbound] = networks as [TestNetwork, TestNetwork, TestNetwork];
    const view = back.networks.get(deleted.id)!;
    back.networks.set(deleted.id, {
      ...view,
      ports: view.ports.filter((port) => port.mac_address !== deleted.clientMac),
      revision: view.revision + 1,
    });
    back.networks.delete(unbound.id);
    await second.reconciler.fullSync('server back');
    assert.equal(await leaseOf(deleted), undefined, 'the port deleted meanwhile is not served any more');
    assert.equal(await leaseOf(kept), kept.clientIp);
    assert.deepEqual(
      second.reconciler
        .report()
        .map((entry) => entry.networkId)
        .sort(),
      [deleted.id, kept.id].sort(),
    );
    await away.close();
    console.log(`restore of ${NETWORKS} networks from the snapshot: ${restoreMs.toFixed(0)} ms`);
  });

  function networkView(network: TestNetwork, i: number): AgentNetwork {
    const subnetId = randomUUID();
    const client: AgentPort = {
      id: randomUUID(),
      network_id: network.id,
      mac_address: network.clientMac,
      device_owner: 'compute:nova',
      fixed_ips: [{ subnet_id: subnetId, ip_address: network.clientIp }],
    };
    return {
      id: network.id,
      admin_state_up: true,
      mtu: 1450,
      'provider:network_type': 'local',
      revision: 3,
      subnets: [
        {
          id: subnetId,
          ip_version: 4,
          cidr: `10.81.${i}.0/24`,
          gateway_ip: `10.81.${i}.1`,
          enable_dhcp: true,
          dns_nameservers: [],
          host_routes: [],
        },
      ],
      // The agent's DHCP port already there (the test server would give every network the same address).
      ports: [
        client,
        {
          ...client,
          id: randomUUID(),
          mac_address: `fa:16:3e:81:0${i}:02`,
          device_owner: 'network:dhcp',
          device_id: dhcpPortDeviceId(HOST, network.id),
          fixed_ips: [{ subnet_id: subnetId, ip_address: `10.81.${i}.2` }],
        },
      ],
    };
  }
});
