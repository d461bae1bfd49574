/**
 * Admin-down is a drain, not a teardown (issue 17, src/service/agent-drain.ts): two agents over RabbitMQ
 * in their own host namespaces (test/support/scaleout/topology.ts), a flat network served by one, a probe
 * namespace asking DHCP every 100 ms (a broadcast DISCOVER and a rebinding REQUEST in turn: a unicast
 * renewal would go to the old agent's address, which a real client replaces by rebinding).
 *
 * - the serving agent set admin-down: the other agent serves the network, the old one stops only after
 *   (its namespace goes once the network is the other's alone), and no probe goes unanswered;
 * - the remaining agent set admin-down with no other agent admin-up: nothing is torn down, no probe missed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ProberSummary } from '../support/dhcp-prober.js';
import { canUseNamespaces, type Namespace } from '../support/netns.js';
import {
  api,
  Cluster,
  createPort,
  deleteBusObjects,
  dhcpAgentsOf,
  eventually,
  networkWithSubnet,
} from '../support/scaleout/cluster.js';
import { PHYSNET, PHYSNET2, ScaleoutBed, type SimulatedHost } from '../support/scaleout/topology.js';

const BROKER_PORT = 5672;
const PROBER = fileURLToPath(new URL('../support/dhcp-prober.js', import.meta.url));
const skip = canUseNamespaces() ? false : 'needs root (network namespaces)';

describe('admin-down is a drain: the network moves without a missed DHCP answer', { skip }, () => {
  let bed: ScaleoutBed;
  let cluster: Cluster | undefined;
  before(async () => {
    bed = await ScaleoutBed.create('sdr', ['A', 'B']);
    const query = `?exchange=${bed.prefix}`;
    cluster = await Cluster.start(`amqp://guest:guest@127.0.0.1:${BROKER_PORT}/${query}`, 1, []);
    for (const host of bed.hosts) await bed.startRelay(host, BROKER_PORT);
    await Promise.all(bed.hosts.map((host) => bed.startAgent(host, query)));
  });
  after(async () => {
    await bed?.teardown();
    await cluster?.stop();
    if (bed !== undefined) await deleteBusObjects(`amqp://guest:guest@127.0.0.1:${BROKER_PORT}/`, bed.prefix);
  });

  const hostsOf = async (networkId: string) =>
    (await dhcpAgentsOf(cluster!.url(0), networkId)).map((a) => a.host).sort();
  const agentIdOf = async (host: SimulatedHost) => {
    const reply = await api(
      cluster!.url(0),
      'GET',
      `/v2.0/agents?host=host${host.name}&agent_type=DHCP%20agent`,
    );
    return (reply.body['agents'] as { id: string }[])[0]!.id;
  };
  const setAdmin = async (host: SimulatedHost, up: boolean) => {
    const id = await agentIdOf(host);
    const reply = await api(cluster!.url(0), 'PUT', `/v2.0/agents/${id}`, { agent: { admin_state_up: up } });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
  };
  /** The network's namespace on the host (the agent made it; it goes when the agent tears the network down). */
  const holds = async (host: SimulatedHost, networkId: string) =>
    (await bed.agentNamespaces(host)).some((name) => name.includes(networkId));

  /** A flat network on `physnet` (one flat network per physnet), hosted (waits), with a probe client holding a lease address. */
  async function servedNetwork(name: string, octet: number, physnet: string) {
    const c = cluster!;
    const { networkId } = await networkWithSubnet(c.url(0), name, `10.2${octet}.0.0/24`, {
      'provider:network_type': 'flat',
      'provider:physical_network': physnet,
    });
    const [hostName] = await eventually(
      'the network is hosted and served',
      async () => {
        const hosts = await hostsOf(networkId);
        if (hosts.length !== 1) return undefined;
        const host = bed.host(hosts[0]!.replace(/^host/, ''));
        return (await holds(host, networkId)) ? hosts : undefined;
      },
      30_000,
    );
    const port = await createPort(c.url(0), networkId, `vm-${name}`);
    const client = await bed.addClient(port.mac);
    await client.ip(['addr', 'add', `${port.ip}/24`, 'dev', 'eth0']);
    return { networkId, port, client, serving: bed.host(hostName!.replace(/^host/, '')), octet };
  }

  /** Starts the 100 ms prober in the client namespace; `stop()` ends it and returns its summary. */
  async function startProber(client: Namespace, mac: string, ip: string, octet: number) {
    const broadcast = `10.2${octet}.0.255`;
    const request = { mac, ip, server: broadcast, broadcast, intervalMs: 100, renewal: 'rebinding' };
    const prober = bed.sandbox.spawn(client, 'prober', process.execPath, [
      ...[PROBER, '--run', JSON.stringify({ ...request, timeoutMs: 1000 })],
    ]);
    await prober.waitForOutput(/"started":true/, 10_000);
    return {
      async stop(): Promise<ProberSummary> {
        prober.signal('SIGTERM');
        const line = await prober.waitForOutput(/^\{"sent".*\}$/m, 10_000);
        return JSON.parse(line[0]) as ProberSummary;
      },
    };
  }

  test('the serving agent set admin-down: the other agent serves, the old one stops only after, 0 missed', {
    timeout: 150_000,
  }, async (t) => {
    const net = await servedNetwork('drain', 31, PHYSNET);
    const other = bed.hosts.find((h) => h !== net.serving)!;
    const prober = await startProber(net.client, net.port.mac, net.port.ip, net.octet);
    let summary: ProberSummary;
    try {
      // Answered before the drain (a probe that can fail: the network is served).
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await setAdmin(net.serving, false);
      // Both while the other agent starts; the old one still holds its namespace (it keeps serving).
      assert.ok(await holds(net.serving, net.networkId), 'the old agent still serves right after admin-down');
      await eventually(
        'the network is the other agent’s alone and the old agent tore it down',
        async () => {
          const hosts = await hostsOf(net.networkId);
          if (hosts.join() !== `host${other.name}`) return undefined;
          return (await holds(net.serving, net.networkId)) ? undefined : true;
        },
        60_000,
      );
      assert.ok(await holds(other, net.networkId), 'the other agent serves it');
      // Keep asking a while after the handover: only the new agent answers now.
      await new Promise((resolve) => setTimeout(resolve, 2000));
    } finally {
      summary = await prober.stop();
    }
    t.diagnostic(`drain under a 100 ms prober: ${JSON.stringify(summary)}`);
    assert.ok(summary.sent >= 30, `the prober asked (${summary.sent})`);
    assert.equal(summary.missed, 0, `missed: ${JSON.stringify(summary)}`);
  });

  test('admin-down with no other admin-up agent: nothing is torn down, 0 missed', {
    timeout: 90_000,
  }, async (t) => {
    // The first test left one agent admin-down: the new network goes to the other, then it goes down too.
    const net = await servedNetwork('solo', 32, PHYSNET2);
    const prober = await startProber(net.client, net.port.mac, net.port.ip, net.octet);
    let summary: ProberSummary;
    try {
      await setAdmin(net.serving, false);
      await new Promise((resolve) => setTimeout(resolve, 5000));
      assert.deepEqual(await hostsOf(net.networkId), [`host${net.serving.name}`]);
      assert.ok(await holds(net.serving, net.networkId), 'still served by the admin-down agent');
    } finally {
      summary = await prober.stop();
    }
    t.diagnostic(`admin-down alone under a 100 ms prober: ${JSON.stringify(summary)}`);
    assert.ok(summary.sent >= 30, `the prober asked (${summary.sent})`);
    assert.equal(summary.missed, 0, `missed: ${JSON.stringify(summary)}`);
  });
});
