/**
 * Scale-out with one agent per network (issue 7, the qdhcp defaults: report_interval 5 s, agent_down_time
 * 15 s): two servers on PostgreSQL + RabbitMQ, two agents in their own host namespaces
 * (test/support/scaleout/topology.ts).
 *
 * - VXLAN across the underlay: a vxlan network hosted by one agent; an instance on the OTHER host's bridge
 *   (built by the test, flooding to the hosting host) gets its lease through the tunnel, because the
 *   hosting agent floods to the peers the server sent (no remote is configured anywhere);
 * - failover: `kill -9` of the agent hosting a flat network → the network moves to the live agent (agents
 *   API), which adopts the DHCP port with the SAME IP, and a DISCOVER is answered again within 30 s.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DiscoverProber } from '../../bench/agent/discover-prober.js';
import { bridgeName, vxlanDeviceName } from '../../src/agent/naming.js';
import { ensureBridge } from '../../src/linux/network-plumbing.js';
import { udhcpcOnce } from '../support/agent/dhcp-clients.js';
import { canUseNamespaces } from '../support/netns.js';
import {
  api,
  Cluster,
  createPort,
  deleteBusObjects,
  dhcpAgentsOf,
  dhcpPortIps,
  eventually,
  networkWithSubnet,
} from '../support/scaleout/cluster.js';
import { PHYSNET, ScaleoutBed } from '../support/scaleout/topology.js';

const BROKER_PORT = 5672;
const VNI = 1234;
const skip = canUseNamespaces() ? false : 'needs root (network namespaces)';

describe('scale-out: one agent per network — VXLAN between hosts, failover ≤ 30 s', { skip }, () => {
  let bed: ScaleoutBed;
  let cluster: Cluster | undefined;
  before(async () => {
    bed = await ScaleoutBed.create('sxf', ['A', 'B']);
    const query = `?exchange=${bed.prefix}`;
    cluster = await Cluster.start(`amqp://guest:guest@127.0.0.1:${BROKER_PORT}/${query}`, 2, []);
    for (const host of bed.hosts) await bed.startRelay(host, BROKER_PORT);
    await Promise.all(bed.hosts.map((host) => bed.startAgent(host, query)));
  });
  after(async () => {
    await bed?.teardown();
    await cluster?.stop();
    if (bed !== undefined) await deleteBusObjects(`amqp://guest:guest@127.0.0.1:${BROKER_PORT}/`, bed.prefix);
  });

  /** The one live agent hosting the network (waits until scheduled). */
  const hostingHost = async (networkId: string) => {
    const [agent] = await eventually(
      'the network is hosted',
      async () => {
        const list = await dhcpAgentsOf(cluster!.url(0), networkId);
        return list.length === 1 && list[0]!.alive ? list : undefined;
      },
      20_000,
    );
    return bed.host(agent!.host.replace(/^host/, ''));
  };

  test('vxlan: an instance on the other host gets its lease across the underlay', {
    timeout: 60_000,
  }, async () => {
    const c = cluster!;
    const { networkId } = await networkWithSubnet(c.url(0), 'vx', '10.211.0.0/24', {
      'provider:network_type': 'vxlan',
      'provider:segmentation_id': VNI,
    });
    const serving = await hostingHost(networkId);
    const other = bed.hosts.find((h) => h !== serving)!;
    const [dhcpIp] = await eventually(
      'the DHCP port',
      async () => {
        const ips = await dhcpPortIps(c.url(1), networkId);
        return ips.length === 1 ? ips : undefined;
      },
      20_000,
    );
    // The hosting agent floods to the other host because the server listed it as a peer.
    const device = vxlanDeviceName(VNI);
    await eventually(
      `${serving.name}'s ${device} floods to ${other.underlayIp}`,
      async () => {
        const fdb = await serving.ns.exec('bridge', ['fdb', 'show', 'dev', device], { allowFailure: true });
        return fdb.stdout.includes(`dst ${other.underlayIp} `) ? true : undefined;
      },
      20_000,
    );
    // The other host's side of the network: its bridge and VXLAN device, as a compute node would have.
    const bridge = bridgeName(networkId);
    await ensureBridge(other.ns.name, {
      bridge,
      uplink: {
        kind: 'vxlan',
        device,
        vni: VNI,
        localIp: other.underlayIp,
        remotes: [serving.underlayIp],
        group: undefined,
        underlayDevice: undefined,
        dstPort: 4789,
      },
    });
    const port = await createPort(c.url(1), networkId, 'vm-vx');
    const client = await bed.addClient(port.mac, { ns: other.ns, bridge });
    const lease = await eventually('a lease over VXLAN', () => udhcpcOnce(bed, client), 30_000, 0);
    assert.equal(lease['ip'], port.ip);
    assert.equal(lease['serverid'], dhcpIp, 'answered by the DHCP port on the other host');
  });

  test('kill -9 of the hosting agent: the network moves, the DHCP port keeps its IP, DHCP back ≤ 30 s', {
    timeout: 90_000,
  }, async (t) => {
    const c = cluster!;
    const { networkId } = await networkWithSubnet(c.url(0), 'fo', '10.212.0.0/24', {
      'provider:network_type': 'flat',
      'provider:physical_network': PHYSNET,
    });
    const serving = await hostingHost(networkId);
    const dhcpPorts = async () =>
      (
        (await api(c.url(1), 'GET', `/v2.0/ports?network_id=${networkId}&device_owner=network:dhcp`)).body[
          'ports'
        ] as { id: string; device_id: string; fixed_ips: { ip_address: string }[] }[]
      ).map((p) => ({ id: p.id, deviceId: p.device_id, ip: p.fixed_ips[0]?.ip_address }));
    const [before] = await eventually(
      'the DHCP port',
      async () => {
        const ports = await dhcpPorts();
        return ports.length === 1 ? ports : undefined;
      },
      20_000,
    );
    const port = await createPort(c.url(0), networkId, 'vm-fo');
    const client = await bed.addClient(port.mac);
    const first = await eventually('a lease before', () => udhcpcOnce(bed, client), 30_000, 0);
    assert.equal(first['serverid'], before!.ip);

    const prober = await DiscoverProber.open(client.name, 'eth0');
    let failoverMs: number;
    try {
      await bed.killAgent(serving);
      const killed = performance.now();
      // A DISCOVER every 250 ms until one is answered: the first answer comes from the new agent.
      const answered = await prober.untilOffer(port.mac, 250, 60_000);
      assert.ok(answered !== undefined, 'DHCP came back within 60 s');
      failoverMs = answered - killed;
    } finally {
      prober.close();
    }
    t.diagnostic(
      `failover (kill -9 → first OFFER from the other agent): ${(failoverMs / 1000).toFixed(1)} s`,
    );
    assert.ok(failoverMs <= 30_000, `failover took ${(failoverMs / 1000).toFixed(1)} s (target ≤ 30 s)`);

    const agents = await dhcpAgentsOf(c.url(1), networkId);
    assert.deepEqual(
      agents.map((a) => [a.host, a.alive]),
      [[`host${bed.hosts.find((h) => h !== serving)!.name}`, true]],
      'the agents API shows the network on the live agent',
    );
    const [after] = await dhcpPorts();
    assert.equal(after?.id, before!.id, 'the same DHCP port, adopted');
    assert.equal(after?.ip, before!.ip, 'with the same IP');
    assert.notEqual(after?.deviceId, before!.deviceId, "now the new agent's device id");
    const lease = await eventually('a lease after', () => udhcpcOnce(bed, client), 30_000, 0);
    assert.equal(lease['ip'], port.ip);
    assert.equal(lease['serverid'], before!.ip, 'served from the same DHCP address');
  });
});
