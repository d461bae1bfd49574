import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { BuiltinDriver } from '../../src/agent/drivers/builtin/builtin-driver.js';
import { BuiltinDnsPeer } from '../../src/agent/drivers/builtin/dns-peer.js';
import type { DriverDeps } from '../../src/agent/drivers/prepare-network.js';
import { bridgeName } from '../../src/agent/naming.js';
import { createAgentRpc } from '../../src/agent/reconciler/agent-rpc.js';
import { removeOrphanNamespaces } from '../../src/agent/reconciler/host-orphans.js';
import { NetworkPeers } from '../../src/agent/reconciler/network-peers.js';
import { Reconciler } from '../../src/agent/reconciler/reconciler.js';
import { ContractTestServer } from '../../src/agent/reconciler/testing/contract-test-server.js';
import { removeNetworkDevices } from '../../src/agent/runtime/network-devices.js';
import type { Bus } from '../../src/bus/bus.js';
import type { AgentNetwork, AgentPort } from '../../src/bus/dhcp-agent-rpc.js';
import { createInProcessBus } from '../../src/bus/in-process-bus.js';
import { resourceEvent } from '../../src/bus/messages.js';
import { probeScript } from '../../src/probe/lease-report.js';
import { udhcpcOnce } from '../support/agent/dhcp-clients.js';
import { AgentTestbed } from '../support/agent/testbed.js';
import { canUseNamespaces } from '../support/netns.js';

/**
 * The reconciler driving the real builtin driver in a test host namespace, against a contract test server
 * on the in-process bus (the full process through the real server is agent-process-all-in-one.test.ts):
 * events change what a real udhcpc gets, stale ones change nothing, a gap resyncs, a restarted agent
 * removes what its predecessor left for a network that went away, a deleted network leaves nothing.
 */
const HOST = 'reconciler-e2e';
const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';

describe('agent process: reconciler + builtin driver', { skip, concurrency: false }, () => {
  let bed: AgentTestbed;
  let bus: Bus;
  let server: ContractTestServer;
  const stoppers: Array<() => Promise<void>> = [];
  const networkId = randomUUID();
  const subnetId = randomUUID();
  const clientMac = 'fa:16:3e:79:00:10';
  const clientPort = (ip: string): AgentPort => ({
    id: '7a1f0000-0000-4000-8000-000000000010',
    network_id: networkId,
    mac_address: clientMac,
    device_owner: 'compute:nova',
    fixed_ips: [{ subnet_id: subnetId, ip_address: ip }],
  });
  let revision = 10;

  function startAgent(): { reconciler: Reconciler; driver: BuiltinDriver } {
    const deps: DriverDeps = bed.driverDeps(HOST);
    const driver = new BuiltinDriver(deps);
    const peers = new NetworkPeers(driver, deps.dhcp.dnsEnabled ? [new BuiltinDnsPeer(deps)] : []);
    const reconciler = new Reconciler({
      host: HOST,
      peers,
      dhcp: deps.dhcp,
      rpc: createAgentRpc(bus),
      logger: bed.logger,
      dhcpDeviceId: deps.dhcpDeviceId,
      resyncIntervalMs: 0,
      retryDelayMs: 200,
      removeOrphans: async (keep, guard) =>
        (await removeOrphanNamespaces(bed.namespacePrefix, keep, undefined, guard)).removed,
      removeNetworkDevices: (network) => removeNetworkDevices(network, deps.plumbing),
    });
    const unsubscribe = bus.subscribe((event) => void reconciler.handleMessage(event));
    reconciler.start();
    stoppers.push(async () => {
      unsubscribe();
      await reconciler.stop();
      await peers.stop();
    });
    return { reconciler, driver };
  }

  function publishPort(action: 'created' | 'updated' | 'deleted', port: AgentPort, networkRevision: number) {
    return bus.publish(
      resourceEvent({
        resource: 'port',
        action,
        id: port.id,
        networkId,
        networkRevision,
        state: port as unknown as Record<string, unknown>,
      }),
    );
  }

  function setServerPort(port: AgentPort | undefined, newRevision: number): void {
    const view = server.networks.get(networkId)!;
    const others = view.ports.filter((p) => p.id !== clientPort('').id);
    server.networks.set(networkId, {
      ...view,
      revision: newRevision,
      ports: port === undefined ? others : [...others, port],
    });
  }

  before(async () => {
    bed = await AgentTestbed.create('arc');
    bus = createInProcessBus();
    server = new ContractTestServer(bus, { dhcpMac: 'fa:16:3e:79:00:02', dhcpIp: '10.79.0.2' });
    const view = networkSnapshot({ dnsNameservers: ['192.0.2.53'], clientIp: '10.79.0.10' });
    server.networks.set(networkId, view);
  });

  after(async () => {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
    await bus?.close();
    await bed?.teardown();
  });

  test('startup converges the network; a real client gets its lease and applies it with the probe script', async () => {
    const { reconciler } = startAgent();
    await reconciler.fullSync('startup');
    assert.equal(reconciler.report()[0]?.state, 'serving');
    revision = server.networks.get(networkId)!.revision; // ensure_port moved it
    const client = await bed.addClient(clientMac, { namespace: bed.host, bridge: bridgeName(networkId) });
    const got = await udhcpcOnce(bed, client);
    assert.equal(got?.['ip'], '10.79.0.10');
    const script = bed.script('probe-script.sh', probeScript(bed.path('probe-resolv.conf')));
    const run = await client.exec(
      'udhcpc',
      ['-i', 'eth0', '-q', '-n', '-t', '4', '-T', '1', '-s', script, '-O', 'staticroutes'],
      {
        timeoutMs: 15_000,
        allowFailure: true,
      },
    );
    assert.match(run.stdout, /event=bound\|interface=eth0\|ip=10\.79\.0\.10\|mask=24/);
    const addresses = await client.ip(['-4', 'addr', 'show', 'dev', 'eth0']);
    assert.match(addresses.stdout, /inet 10\.79\.0\.10\/24/);
    const routes = await client.ip(['-4', 'route', 'show']);
    assert.match(routes.stdout, /default via 10\.79\.0\.1/);
    await client.ip(['-4', 'addr', 'flush', 'dev', 'eth0']);
    await waitUntil(async () => server.readyPorts.includes(clientPort('').id), 'port reported ready');
  });

  test('a port update event (next revision) changes the lease; a stale one changes nothing', async () => {
    revision++;
    setServerPort(clientPort('10.79.0.11'), revision);
    await publishPort('updated', clientPort('10.79.0.11'), revision);
    const client = await bed.addClient(clientMac, { namespace: bed.host, bridge: bridgeName(networkId) });
    assert.equal((await udhcpcOnce(bed, client))?.['ip'], '10.79.0.11');
    await publishPort('updated', clientPort('10.79.0.99'), revision - 1);
    assert.equal((await udhcpcOnce(bed, client))?.['ip'], '10.79.0.11', 'stale event dropped');
  });

  test('a port delete event: the client gets no answer', async () => {
    revision++;
    setServerPort(undefined, revision);
    await publishPort('deleted', clientPort('10.79.0.11'), revision);
    const client = await bed.addClient(clientMac, { namespace: bed.host, bridge: bridgeName(networkId) });
    assert.equal(await udhcpcOnce(bed, client), undefined);
  });

  test('a revision gap resyncs the network from the server', async () => {
    revision += 3;
    setServerPort(clientPort('10.79.0.12'), revision);
    await publishPort('created', clientPort('10.79.0.12'), revision);
    const client = await bed.addClient(clientMac, { namespace: bed.host, bridge: bridgeName(networkId) });
    assert.equal((await udhcpcOnce(bed, client))?.['ip'], '10.79.0.12');
  });

  test('a restarted agent removes what the previous one left for a network that went away', async () => {
    // The first agent stops the way a kill -9 leaves things: namespace and devices stay.
    for (const stop of stoppers.splice(0)) await stop();
    assert.equal((await bed.leftoverNamespaces()).length, 1);
    server.networks.delete(networkId);
    const { reconciler } = startAgent();
    await reconciler.fullSync('startup');
    assert.deepEqual(await bed.leftoverNamespaces(), []);
    server.networks.set(networkId, {
      ...networkSnapshot({ dnsNameservers: [], clientIp: '10.79.0.13' }),
      revision: ++revision,
    });
  });

  test('network delete event: namespace and bridge are gone', async () => {
    // Bring the network back through a binding event, then delete it.
    await bus.publish({
      schema: 'qdhcp.agent-binding',
      version: 1,
      host: HOST,
      networkId,
      action: 'bound',
      occurredAt: new Date().toISOString(),
    } as never);
    await waitUntil(async () => (await bed.leftoverNamespaces()).length === 1, 'network served again');
    revision = server.networks.get(networkId)!.revision + 1;
    server.networks.delete(networkId);
    await bus.publish(
      resourceEvent({
        resource: 'network',
        action: 'deleted',
        id: networkId,
        networkId,
        networkRevision: revision,
        state: {},
      }),
    );
    await waitUntil(async () => (await bed.leftoverNamespaces()).length === 0, 'namespace removed');
    // The namespace goes first (driver.disable), the bridge right after it (removeNetworkDevices).
    await waitUntil(
      async () =>
        (await bed.host.ip(['link', 'show', bridgeName(networkId)], { allowFailure: true })).code !== 0,
      'bridge removed',
    );
  });

  /** The server's view of the test network: one subnet, one client port. */
  function networkSnapshot(options: { dnsNameservers: string[]; clientIp: string }): AgentNetwork {
    return {
      id: networkId,
      admin_state_up: true,
      mtu: 1450,
      'provider:network_type': 'local',
      revision,
      subnets: [
        {
          id: subnetId,
          ip_version: 4,
          cidr: '10.79.0.0/24',
          gateway_ip: '10.79.0.1',
          enable_dhcp: true,
          dns_nameservers: options.dnsNameservers,
          host_routes: [],
        },
      ],
      ports: [clientPort(options.clientIp)],
    };
  }
});

async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`timed out: ${what}`);
}
