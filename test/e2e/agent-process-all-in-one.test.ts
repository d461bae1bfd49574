import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bridgeName } from '../../src/agent/naming.js';
import { listNamespaces } from '../../src/linux/ip-batch.js';
import { AllInOne, type Json } from '../support/agent/all-in-one.js';
import { udhcpcOnce } from '../support/agent/dhcp-clients.js';
import type { AgentTestbed } from '../support/agent/testbed.js';
import { canUseNamespaces } from '../support/netns.js';
import { freePort } from './api-server-process.js';

/**
 * The whole thing, as an operator runs it: `qdhcp all-in-one` (server + agent, SQLite, in-process bus).
 * The process runs in the root namespace with its API on 127.0.0.1 only, and `--host-namespace <test host
 * ns>` puts every bridge, tap and uplink in the test's host namespace (`ip -n`); the DHCP and probe
 * namespaces are named namespaces under the test's unique prefix. Nothing is created in the root namespace.
 * (Running the whole process under `ip netns exec HOST` does not work for a long-lived agent: that gives
 * it a private mount namespace, so the namespaces it creates cannot be entered by anyone else, nor by its
 * own successor after a restart.)
 *
 *   [host ns]  brq… ── tap…══ns-… [<prefix>qdhcp-<net>]      (made by the agent of qdhcp all-in-one)
 *               ├──── tap…══eth0 [<prefix>qprobe-<name>]      (qdhcp probe)
 *               └──── <prefix>p ══ [switch ns] ══ clients       (flat)
 */
const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';

for (const driver of ['builtin', 'dnsmasq'] as const) {
  describe(`agent process: qdhcp all-in-one + probes (${driver})`, { skip, concurrency: false }, () => {
    let aio: AllInOne;
    let metricsPort: number;
    const argsFor = (bed: AgentTestbed) => [
      ...['--driver', driver, '--physical-interface-mappings', `physnet1:${bed.providerNic}`],
      ...['--resync-interval', '30', '--metrics-bind', `127.0.0.1:${metricsPort}`, '--log-dhcp'],
    ];

    before(async () => {
      metricsPort = await freePort();
      aio = await AllInOne.start(driver === 'builtin' ? 'aib' : 'aid', argsFor);
    });

    after(async () => {
      await aio?.teardown();
    });

    let network: Json;
    let subnet: Json;

    test('a local network is served; a probe gets its lease like an instance and can reach the DHCP port', async (_t) => {
      network = await aio.create('/v2.0/networks', 'network', { name: 'local-net' });
      subnet = await aio.create('/v2.0/subnets', 'subnet', {
        network_id: network['id'],
        ip_version: 4,
        cidr: '10.80.0.0/24',
        gateway_ip: '10.80.0.1',
        dns_nameservers: ['192.0.2.53'],
      });
      await aio.waitFor('network served', async () =>
        (await aio.served()).some((n) => n.networkId === network['id'] && n.state === 'serving')
          ? true
          : undefined,
      );
      const out = await aio.probe('create', ['--network', String(network['id']), '--name', 'p1']);
      assert.equal(out.code, 0, `${out.stdout}${out.stderr}\n${aio.output()}`);
      assert.match(out.stdout, /probe p1: bound 10\.80\.0\.\d+\/24 on eth0/);
      assert.match(out.stdout, /router {4}10\.80\.0\.1/);
      assert.match(out.stdout, /dns {7}192\.0\.2\.53/);
      assert.match(out.stdout, /hostname {2}host-10-80-0-\d+/);
      const dhcpPorts = await aio.api(
        'GET',
        `/v2.0/ports?network_id=${network['id']}&device_owner=network:dhcp`,
      );
      const dhcpPort = (dhcpPorts.body['ports'] as Json[])[0] ?? {};
      const dhcpIp = ((dhcpPort['fixed_ips'] ?? []) as Json[])[0]?.['ip_address'];
      const ping = await aio.probe('exec', ['p1', '--', 'ping', '-c', '1', '-W', '2', String(dhcpIp)]);
      assert.equal(ping.code, 0, ping.stdout + ping.stderr);
      const list = await aio.probe('list', []);
      assert.match(list.stdout, /^p1\t.*\t10\.80\.0\.\d+\tudhcpc \d+$/m);
    });

    test('the probe port goes ACTIVE once served', async (_t) => {
      const ports = await aio.api(
        'GET',
        `/v2.0/ports?network_id=${network['id']}&device_owner=compute:probe`,
      );
      const id = (ports.body['ports'] as Json[])[0]?.['id'];
      await aio.waitFor('port ACTIVE', async () => {
        const port = (await aio.api('GET', `/v2.0/ports/${id}`)).body['port'] as Json | undefined;
        return port?.['status'] === 'ACTIVE' ? true : undefined;
      });
    });

    test('a port update gives the probe its new address at renewal', async (_t) => {
      const ports = await aio.api(
        'GET',
        `/v2.0/ports?network_id=${network['id']}&device_owner=compute:probe`,
      );
      const probePort = (ports.body['ports'] as Json[])[0];
      const id = probePort?.['id'];
      // IPAM gave the probe a random address: the new one is chosen after it, so it really is new.
      const current = ((probePort?.['fixed_ips'] ?? []) as Json[])[0]?.['ip_address'];
      const target = current === '10.80.0.50' ? '10.80.0.51' : '10.80.0.50';
      const updated = await aio.api('PUT', `/v2.0/ports/${id}`, {
        port: { fixed_ips: [{ subnet_id: subnet['id'], ip_address: target }] },
      });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      const renewed = await aio.waitFor(
        'new address',
        async () => {
          const out = await aio.probe('renew', ['p1']);
          return out.stdout.includes(`bound ${target}/`) ? out.stdout : undefined;
        },
        40_000,
      );
      assert.ok(renewed.includes(target), renewed);
      const addr = await aio.probe('exec', ['p1', '--', 'ip', '-4', 'addr', 'show', 'dev', 'eth0']);
      assert.ok(addr.stdout.includes(`inet ${target}/24`), addr.stdout);
    });

    test('a flat network reaches clients behind the provider NIC', async (_t) => {
      const flat = await aio.create('/v2.0/networks', 'network', {
        name: 'flat-net',
        'provider:network_type': 'flat',
        'provider:physical_network': 'physnet1',
      });
      const flatSubnet = await aio.create('/v2.0/subnets', 'subnet', {
        network_id: flat['id'],
        ip_version: 4,
        cidr: '10.81.0.0/24',
        gateway_ip: '10.81.0.1',
      });
      const port = await aio.create('/v2.0/ports', 'port', {
        network_id: flat['id'],
        device_owner: 'compute:nova',
        fixed_ips: [{ subnet_id: flatSubnet['id'], ip_address: '10.81.0.30' }],
      });
      const client = await aio.bed.addClient(String(port['mac_address']));
      const got = await aio.waitFor(
        'flat lease',
        async () => (await udhcpcOnce(aio.bed, client)) ?? undefined,
        40_000,
      );
      assert.equal(got['ip'], '10.81.0.30');
      assert.equal(got['router'], '10.81.0.1');
    });

    test('metrics: DHCP messages by network and type, sync durations', async (t) => {
      const out = { stdout: await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text() };
      assert.match(out.stdout, /^qdhcp_agent_networks\{state="serving"\} 2$/m);
      assert.match(out.stdout, /^qdhcp_agent_sync_duration_seconds_count\{scope="full",result="ok"\} \d+$/m);
      const sum = /^qdhcp_agent_event_propagation_seconds_sum\{resource="port"\} (\S+)$/m.exec(out.stdout);
      const count = /^qdhcp_agent_event_propagation_seconds_count\{resource="port"\} (\S+)$/m.exec(
        out.stdout,
      );
      if (sum && count)
        t.diagnostic(
          `port event propagation: mean ${((Number(sum[1]) / Number(count[1])) * 1000).toFixed(1)} ms over ${count[1]} events`,
        );
      // The API's /metrics serves the same families in all-in-one (issue 4: "on the API and the agent").
      const viaApi = await (await fetch(`${aio.apiUrl}/metrics`)).text();
      assert.match(viaApi, /^qdhcp_agent_networks\{state="serving"\} 2$/m);
      assert.match(viaApi, /^# TYPE qdhcp_agent_event_propagation_seconds histogram$/m);
      if (driver === 'builtin')
        assert.match(aio.output(), /"event":"dhcp\.trace"/, '--log-dhcp traces exchanges');
      if (driver === 'builtin')
        assert.match(
          out.stdout,
          /^qdhcp_dhcp_messages_received_total\{network="[^"]+",type="REQUEST"\} \d+$/m,
        );
    });

    test('kill -9 and restart: same bindings, no stale or duplicate DHCP port, probes still served', async (_t) => {
      const before = (await aio.dhcpNamespaces()).sort();
      assert.equal(before.length, 2);
      await aio.crashAndRestart(argsFor(aio.bed));
      assert.deepEqual((await aio.dhcpNamespaces()).sort(), before);
      const dhcpPorts = await aio.api('GET', '/v2.0/ports?device_owner=network:dhcp');
      assert.equal((dhcpPorts.body['ports'] as Json[]).length, 2, 'one DHCP port per network');
      const renewed = await aio.waitFor(
        'renewal after restart',
        async () => {
          const out = await aio.probe('renew', ['p1']);
          return /10\.80\.0\.50/.test(out.stdout) ? out.stdout : undefined;
        },
        30_000,
      );
      assert.match(renewed, /10\.80\.0\.50/);
    });

    test('a deleted probe port: the probe gets no lease any more', async (_t) => {
      const ports = await aio.api(
        'GET',
        `/v2.0/ports?network_id=${network['id']}&device_owner=compute:probe`,
      );
      const id = (ports.body['ports'] as Json[])[0]?.['id'];
      assert.equal((await aio.api('DELETE', `/v2.0/ports/${id}`)).status, 204);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const out = await aio.probe('renew', ['p1', '--timeout', '8']);
      assert.equal(out.code, 1, out.stdout);
      assert.match(out.stdout, /no lease/);
      const deleted = await aio.probe('delete', ['p1']);
      assert.equal(deleted.code, 0, deleted.stderr);
    });

    test('network delete leaves nothing behind: no namespace, no bridge, no process', async (_t) => {
      const ports = await aio.api('GET', '/v2.0/ports?device_owner=compute:nova');
      for (const port of ports.body['ports'] as Json[]) await aio.api('DELETE', `/v2.0/ports/${port['id']}`);
      const networks = (await aio.api('GET', '/v2.0/networks')).body['networks'] as Json[];
      for (const net of networks)
        assert.equal((await aio.api('DELETE', `/v2.0/networks/${net['id']}`)).status, 204);
      await aio.waitFor('namespaces gone', async () =>
        (await aio.dhcpNamespaces()).length === 0 ? true : undefined,
      );
      for (const net of networks) {
        const bridge = bridgeName(String(net['id']));
        await aio.waitFor(`bridge ${bridge} gone`, async () =>
          (await aio.bed.host.ip(['link', 'show', bridge], { allowFailure: true })).code !== 0
            ? true
            : undefined,
        );
      }
      const leftovers = (await listNamespaces()).filter(
        (n) =>
          n.startsWith(`${aio.bed.namespacePrefix}qdhcp-`) ||
          n.startsWith(`${aio.bed.namespacePrefix}qprobe-`),
      );
      assert.deepEqual(leftovers, []);
      const taps = await aio.bed.host.ip(['-o', 'link', 'show']);
      assert.doesNotMatch(
        taps.stdout,
        /: (tap|qpr|brq)/,
        'no tap, probe veth or bridge left in the host namespace',
      );
    });
  });
}
