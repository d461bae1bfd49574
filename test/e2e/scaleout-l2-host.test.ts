/**
 * Scale-out with an L2-only host (issue 14): one `qdhcp server` (PostgreSQL + RabbitMQ) and two hosts in
 * their own host namespaces (test/support/scaleout/topology.ts): A runs every role (DHCP, L3, L2), B only
 * the L2 role (`--roles l2`, a compute host). No VXLAN remote is configured anywhere: each host floods to
 * the peers the server lists, which include B because its L2 role reports its underlay address.
 *
 * - an instance plugged on B with `qdhcp port plug --veth-peer` (udhcpc in its own namespace) gets its
 *   lease over VXLAN from A's DHCP port; `binding:host_id` names B; `openstack network agent list` shows
 *   A's DHCP, L3 and Linux bridge agents and B's Linux bridge agent (no DHCP agent on B), all alive;
 * - a probe made on B (`qdhcp probe create --host-namespace B`) is an ordinary plugged instance: B's L2
 *   role wires and protects its tap, so its own address reaches A's DHCP port and a spoofed one does not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { vxlanDeviceName } from '../../src/agent/naming.js';
import { runCommand } from '../../src/linux/run-command.js';
import { udhcpcOnce } from '../support/agent/dhcp-clients.js';
import { canUseNamespaces } from '../support/netns.js';
import { runOpenstack } from '../support/openstack-cli.js';
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
import { ScaleoutBed, type SimulatedHost } from '../support/scaleout/topology.js';
import { QDHCP_MAIN } from './api-server-process.js';

const BROKER_PORT = 5672;
const VNI = 1414;
const skip = canUseNamespaces() ? false : 'needs root (network namespaces)';

describe('scale-out with an L2-only host: a lease over VXLAN, the binding, both hosts’ agents', {
  skip,
}, () => {
  let bed: ScaleoutBed;
  let cluster: Cluster | undefined;
  let hostA: SimulatedHost;
  let hostB: SimulatedHost;
  let networkId = '';
  let dhcpIp = '';

  const qdhcp = (args: readonly string[]) =>
    runCommand(process.execPath, [QDHCP_MAIN, ...args], { allowFailure: true, timeoutMs: 60_000 });

  before(async () => {
    bed = await ScaleoutBed.create('sxl', ['A', 'B']);
    [hostA, hostB] = bed.hosts as [SimulatedHost, SimulatedHost];
    const query = `?exchange=${bed.prefix}`;
    cluster = await Cluster.start(`amqp://guest:guest@127.0.0.1:${BROKER_PORT}/${query}`, 1, []);
    for (const host of bed.hosts) await bed.startRelay(host, BROKER_PORT);
    await Promise.all([
      bed.startAgent(hostA, query),
      bed.startAgent(hostB, query, ['--roles', 'l2'], /qdhcp agent started/),
    ]);
  });
  after(async () => {
    await bed?.teardown();
    await cluster?.stop();
    if (bed !== undefined) await deleteBusObjects(`amqp://guest:guest@127.0.0.1:${BROKER_PORT}/`, bed.prefix);
  });

  test('an instance plugged on B gets its lease from A over VXLAN; binding and agent list name both hosts', {
    timeout: 60_000,
  }, async () => {
    const url = cluster!.url(0);
    ({ networkId } = await networkWithSubnet(url, 'l2h', '10.214.0.0/24', {
      'provider:network_type': 'vxlan',
      'provider:segmentation_id': VNI,
    }));
    await eventually(
      'the network is hosted by A (B has no DHCP role)',
      async () => {
        const agents = await dhcpAgentsOf(url, networkId);
        return agents.length === 1 && agents[0]!.host === 'hostA' && agents[0]!.alive ? true : undefined;
      },
      20_000,
    );
    [dhcpIp] = (await eventually(
      'the DHCP port',
      async () => {
        const ips = await dhcpPortIps(url, networkId);
        return ips.length === 1 ? ips : undefined;
      },
      20_000,
    )) as [string];
    // A floods to B only because B's L2 role reported its underlay address (src/service/tunnel-peers.ts).
    const device = vxlanDeviceName(VNI);
    await eventually(
      `A's ${device} floods to B (${hostB.underlayIp})`,
      async () => {
        const fdb = await hostA.ns.exec('bridge', ['fdb', 'show', 'dev', device], { allowFailure: true });
        return fdb.stdout.includes(`dst ${hostB.underlayIp} `) ? true : undefined;
      },
      20_000,
    );

    const port = await createPort(url, networkId, 'vm-b');
    const instance = await bed.sandbox.addNamespace('vm');
    const plugged = await qdhcp([
      ...['port', 'plug', port.id, '--api', url],
      ...['--host-namespace', hostB.ns.name, '--veth-peer', instance.name],
    ]);
    assert.equal(plugged.code, 0, plugged.stderr);
    await instance.exec('sysctl', ['-q', '-w', 'net.ipv4.ip_nonlocal_bind=1']);
    const lease = await eventually('a lease over VXLAN', () => udhcpcOnce(bed, instance), 30_000, 0);
    assert.equal(lease['ip'], port.ip);
    assert.equal(lease['serverid'], dhcpIp, "answered by A's DHCP port");
    const fdbB = await hostB.ns.exec('bridge', ['fdb', 'show', 'dev', device]);
    assert.match(fdbB.stdout, new RegExp(`dst ${hostA.underlayIp.replaceAll('.', '\\.')} `), 'B floods to A');

    const bound = await eventually(
      'binding:host_id',
      async () => {
        const reply = await api(url, 'GET', `/v2.0/ports/${port.id}`);
        const host = (reply.body['port'] as Record<string, unknown>)['binding:host_id'];
        return host === 'hostB' ? host : undefined;
      },
      15_000,
    );
    assert.equal(bound, 'hostB');

    const listed = await eventually(
      'agent list: both hosts, alive',
      async () => {
        const result = await runOpenstack(
          url,
          bed.sandbox.workDir,
          ['network', 'agent', 'list', '-f', 'json'],
          30_000,
        );
        assert.equal(result.code, 0, result.stderr);
        const rows = (JSON.parse(result.stdout) as Record<string, unknown>[])
          .map((a) => `${a['Agent Type']}@${a['Host']}:${a['Alive'] === true ? 'alive' : 'dead'}`)
          .sort();
        return rows.length === 4 ? rows : undefined;
      },
      20_000,
      500,
    );
    assert.deepEqual(listed, [
      'DHCP agent@hostA:alive',
      'L3 agent@hostA:alive',
      'Linux bridge agent@hostA:alive',
      'Linux bridge agent@hostB:alive',
    ]);
  });

  test('a probe on B is a plugged instance: wired and protected by B’s L2 role, spoofing dropped', {
    timeout: 60_000,
  }, async () => {
    assert.ok(networkId !== '' && dhcpIp !== '', 'the first test made the network');
    const url = cluster!.url(0);
    const probeArgs = [
      ...['--api', url, '--state-dir', bed.sandbox.path('probes'), '--namespace-prefix', hostB.agentPrefix],
      ...['--host-namespace', hostB.ns.name, '--timeout', '30', '--l2-wait', '30'],
    ];
    const created = await qdhcp(['probe', 'create', '--network', networkId, '--name', 'pb', ...probeArgs]);
    assert.equal(created.code, 0, created.stdout + created.stderr);
    assert.match(
      created.stdout,
      /probe pb: tap[0-9a-f]{8}-[0-9a-f]{2} wired and protected by the agent's L2 role/,
    );
    assert.match(created.stdout, /probe pb: bound 10\.214\.0\.\d+\/24 on eth0/);
    // Under B's agent prefix: the bed's teardown kills its udhcpc by PID and removes it if this test fails.
    const probeNs = `${hostB.agentPrefix}qprobe-pb`;
    const ping = (source: string) =>
      runCommand('ip', ['netns', 'exec', probeNs, 'ping', '-c', '2', '-W', '2', '-I', source, dhcpIp], {
        allowFailure: true,
        timeoutMs: 15_000,
      });
    const own = /bound (\d+\.\d+\.\d+\.\d+)\//.exec(created.stdout)![1]!;
    const ok = await ping(own);
    assert.equal(ok.code, 0, `its own address reaches A's DHCP port over VXLAN: ${ok.stdout}${ok.stderr}`);
    // IPAM gave the probe a random address: the spoofed one is chosen after it.
    const spoofed = own === '10.214.0.250' ? '10.214.0.251' : '10.214.0.250';
    await runCommand('ip', ['-n', probeNs, 'addr', 'add', `${spoofed}/32`, 'dev', 'eth0']);
    const dropped = await ping(spoofed);
    assert.notEqual(dropped.code, 0, `a spoofed source is dropped on B's bridge: ${dropped.stdout}`);
    const deleted = await qdhcp(['probe', 'delete', 'pb', ...probeArgs]);
    assert.equal(deleted.code, 0, deleted.stdout + deleted.stderr);
  });
});
