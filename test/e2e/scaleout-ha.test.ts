/**
 * Scale-out with two agents per network (issue 7): two `qdhcp server` processes on one PostgreSQL database
 * and RabbitMQ, two `qdhcp agent` processes each inside its own "host" namespace (bus reached through a
 * relay), instances as client namespaces on the fabric switch (test/support/scaleout/topology.ts).
 *
 * - both agents host a flat network, every DHCP port is in the DNS option (multi-agent DNS lines);
 * - both agents answer metadata on fe80::a9fe:a9fe (added without DAD in each DHCP namespace, issue 15): an
 *   instance whose neighbour entry for it names one agent's DHCP port, then the other's, gets an answer each time;
 * - concurrent port creates through both servers never duplicate an IP, and every port is served;
 * - `kill -9` of agent A: clients keep getting leases from B the whole time (bounded polling).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DiscoverProber } from '../../bench/agent/discover-prober.js';
import { runCommand } from '../../src/linux/run-command.js';
import { udhcpcOnce } from '../support/agent/dhcp-clients.js';
import { canUseNamespaces } from '../support/netns.js';
import {
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
const skip = canUseNamespaces() ? false : 'needs root (network namespaces)';

describe('scale-out: two agents per network, two servers, PostgreSQL, RabbitMQ', { skip }, () => {
  let bed: ScaleoutBed;
  let cluster: Cluster | undefined;
  let busQuery = '';
  before(async () => {
    bed = await ScaleoutBed.create('sxh', ['A', 'B']);
    busQuery = `?exchange=${bed.prefix}`;
    cluster = await Cluster.start(`amqp://guest:guest@127.0.0.1:${BROKER_PORT}/${busQuery}`, 2, [
      '--dhcp-agents-per-network',
      '2',
    ]);
    for (const host of bed.hosts) await bed.startRelay(host, BROKER_PORT);
    await Promise.all(bed.hosts.map((host) => bed.startAgent(host, busQuery)));
  });
  after(async () => {
    await bed?.teardown();
    await cluster?.stop();
    if (bed !== undefined) await deleteBusObjects(`amqp://guest:guest@127.0.0.1:${BROKER_PORT}/`, bed.prefix);
  });

  let networkId = '';
  test('both agents host the network; a lease lists both DHCP ports as DNS servers', {
    timeout: 60_000,
  }, async () => {
    const c = cluster!;
    ({ networkId } = await networkWithSubnet(c.url(0), 'ha', '10.210.0.0/24', {
      'provider:network_type': 'flat',
      'provider:physical_network': PHYSNET,
    }));
    const agents = await eventually(
      'two live agents host the network',
      async () => {
        const list = await dhcpAgentsOf(c.url(1), networkId);
        return list.length === 2 && list.every((a) => a.alive) ? list : undefined;
      },
      20_000,
    );
    assert.deepEqual(agents.map((a) => a.host).sort(), ['hostA', 'hostB']);
    const dhcpIps = await eventually(
      'two DHCP ports',
      async () => {
        const ips = await dhcpPortIps(c.url(0), networkId);
        return ips.length === 2 ? ips : undefined;
      },
      20_000,
    );
    const port = await createPort(c.url(1), networkId, 'vm1');
    const client = await bed.addClient(port.mac);
    const lease = await eventually('a lease', () => udhcpcOnce(bed, client), 30_000, 0);
    assert.equal(lease['ip'], port.ip);
    assert.deepEqual(
      lease['dns']?.trim().split(/\s+/).sort(),
      dhcpIps,
      'the DNS option lists every DHCP port',
    );
    assert.ok(dhcpIps.includes(lease['serverid'] ?? ''), `server id ${lease['serverid']} is a DHCP port`);
  });

  test('both agents answer metadata on fe80::a9fe:a9fe, each from its own DHCP namespace', {
    timeout: 60_000,
  }, async () => {
    const c = cluster!;
    const port = await createPort(c.url(0), networkId, 'vm-fe80');
    const client = await bed.addClient(port.mac);
    // Each agent's DHCP device: its MAC, and the address free of DAD's marks (nodad: both hold it at once).
    const devices: { host: string; mac: string }[] = [];
    for (const host of bed.hosts) {
      const [namespace] = (await bed.agentNamespaces(host)).filter((name) => name.includes(networkId));
      assert.ok(namespace, `${host.name} has a DHCP namespace for the network`);
      const links = JSON.parse(
        (await runCommand('ip', ['netns', 'exec', namespace, 'ip', '-j', 'addr', 'show'])).stdout,
      ) as {
        ifname: string;
        address: string;
        addr_info: { local: string; tentative?: boolean; dadfailed?: boolean }[];
      }[];
      const device = links.find((link) => link.addr_info.some((a) => a.local === 'fe80::a9fe:a9fe'));
      assert.ok(device, `${host.name}: fe80::a9fe:a9fe on a device of ${namespace}`);
      const address = device.addr_info.find((a) => a.local === 'fe80::a9fe:a9fe');
      assert.ok(!address?.tentative && !address?.dadfailed, `${host.name}: ${JSON.stringify(address)}`);
      devices.push({ host: host.name, mac: device.address });
    }
    assert.notEqual(devices[0]?.mac, devices[1]?.mac);
    for (const { host, mac } of devices) {
      // The instance's neighbour entry decides which agent it reaches; any HTTP answer is that agent's proxy.
      await client.ip([
        '-6',
        'neigh',
        'replace',
        'fe80::a9fe:a9fe',
        'lladdr',
        mac,
        'dev',
        'eth0',
        'nud',
        'permanent',
      ]);
      const answer = await eventually(
        `metadata answer from ${host}`,
        async () => {
          const got = await client.exec(
            'curl',
            [
              '-sS',
              '-g',
              '-o',
              '/dev/null',
              '-w',
              '%{http_code}',
              '--max-time',
              '3',
              'http://[fe80::a9fe:a9fe%eth0]/',
            ],
            { allowFailure: true, timeoutMs: 10_000 },
          );
          return got.code === 0 && /^[1-4]\d\d$/.test(got.stdout.trim()) ? got.stdout.trim() : undefined;
        },
        20_000,
      );
      assert.match(answer, /^[1-4]\d\d$/, `${host} answered`);
    }
  });

  test('concurrent port creates through both servers: no IP twice, every port served', {
    timeout: 60_000,
  }, async () => {
    const c = cluster!;
    const ports = await Promise.all(
      Array.from({ length: 40 }, (_, i) => createPort(c.url(i % 2), networkId, `burst-${i}`)),
    );
    assert.equal(new Set(ports.map((p) => p.ip)).size, ports.length, 'no duplicate IP');
    assert.equal(new Set(ports.map((p) => p.mac)).size, ports.length, 'no duplicate MAC');
    const listen = await bed.addClient('fa:16:3e:00:5c:01');
    const prober = await DiscoverProber.open(listen.name, 'eth0');
    try {
      for (const port of ports) {
        const at = await prober.untilOffer(port.mac, 200, 20_000);
        assert.ok(at !== undefined, `port ${port.ip} (${port.mac}) is served`);
      }
    } finally {
      prober.close();
    }
  });

  test('kill -9 of agent A: leases keep coming from B throughout', { timeout: 90_000 }, async () => {
    const c = cluster!;
    const port = await createPort(c.url(0), networkId, 'vm-during-failover');
    const client = await bed.addClient(port.mac);
    await eventually('a first lease', () => udhcpcOnce(bed, client), 30_000, 0);
    const hostA = bed.host('A');
    await bed.killAgent(hostA);
    const killedAt = Date.now();
    // Bounded polling across agent_down_time (15 s) and the liveness check that follows: every round gets a
    // lease (udhcpc waits up to ~5 s for an answer), and after A is declared dead B still serves alone.
    const rounds: string[] = [];
    let sawDead = false;
    while (Date.now() - killedAt < 30_000 || !sawDead) {
      assert.ok(Date.now() - killedAt < 75_000, 'agent A was never reported dead');
      const lease = await udhcpcOnce(bed, client);
      assert.ok(
        lease !== undefined,
        `no lease ${Math.round((Date.now() - killedAt) / 1000)} s after kill -9`,
      );
      assert.equal(lease['ip'], port.ip);
      rounds.push(lease['serverid'] ?? '');
      const agents = await dhcpAgentsOf(c.url(1), networkId);
      sawDead ||=
        agents.some((a) => a.host === 'hostA' && !a.alive) || !agents.some((a) => a.host === 'hostA');
    }
    assert.ok(rounds.length >= 3, `several rounds (${rounds.length})`);
    const agents = await dhcpAgentsOf(c.url(0), networkId);
    assert.ok(
      agents.some((a) => a.host === 'hostB' && a.alive),
      'B still hosts the network',
    );
  });
});
