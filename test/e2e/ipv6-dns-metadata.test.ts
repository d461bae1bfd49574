import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bridgeName, dhcpNamespaceName } from '../../src/agent/naming.js';
import { runCommand } from '../../src/linux/run-command.js';
import { CLOUD_INIT_READER } from '../../src/metadata/testing/fixtures.js';
import { AllInOne, type Json, type ProbeInstance } from '../support/agent/all-in-one.js';
import { type DigResult, digIn } from '../support/dns/dig.js';
import { canUseNamespaces } from '../support/netns.js';
import type { ManagedProcess } from '../support/process.js';

/**
 * Issue 15, DNS and metadata over IPv6 (docs/dns.md, docs/metadata.md): `qdhcp all-in-one` (builtin
 * driver) with a dual-stack network — an IPv4 subnet (the instance's lease and the metadata route) and an
 * IPv6 SLAAC subnet advertised by the DHCP namespace — and `--dns-servers` naming an IPv6 upstream, the
 * test resolver in a namespace of its own on the network's bridge. A probe instance forms its SLAAC address
 * from the advertisement and asks, over IPv6 only: `dig AAAA` and `dig -x` of its own name at the DHCP
 * port's IPv6 address (what RDNSS names), a forwarded name, and cloud-init's OpenStack reader at
 * `http://[fe80::a9fe:a9fe%eth0]`, which finds the IPv6 network in network_data.json.
 *
 *   [host ns]  brq ── tap…══ns-… [<prefix>qdhcp-N]  10.65.0.x, fd00:65::…, fe80::a9fe:a9fe (nodad)
 *               ├── qpr…══eth0 [<prefix>qprobe-vm6]  (instance vm6: udhcpc, SLAAC)
 *               └── <prefix>c1══eth0 [<prefix>-c1]  test upstream [fd00:65::fa]:53
 */
const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const UPSTREAM_MAIN = join(ROOT, 'dist', 'test', 'support', 'dns', 'upstream-main.js');
const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';
const UPSTREAM_IP = 'fd00:65::fa';

describe('DNS and metadata over IPv6 (builtin driver)', { skip, concurrency: false }, () => {
  let aio: AllInOne;
  let networkId: string;
  let dnsServer: string;
  let vm: ProbeInstance;
  let vmIpv6: string;
  let upstream: ManagedProcess;

  function inProbe(file: string, argv: readonly string[], timeoutMs = 15_000) {
    return runCommand('ip', ['netns', 'exec', vm.namespace, file, ...argv], {
      allowFailure: true,
      timeoutMs,
    });
  }

  before(async () => {
    aio = await AllInOne.start('v6m', ['--driver', 'builtin', '--dns-servers', UPSTREAM_IP]);
    const network = await aio.create('/v2.0/networks', 'network', { name: 'v6-dual' });
    networkId = String(network['id']);
    await aio.create('/v2.0/subnets', 'subnet', {
      network_id: networkId,
      ip_version: 4,
      cidr: '10.65.0.0/24',
      gateway_ip: null,
    });
    const v6 = await aio.create('/v2.0/subnets', 'subnet', {
      network_id: networkId,
      ip_version: 6,
      cidr: 'fd00:65::/64',
      ipv6_address_mode: 'slaac',
      ipv6_ra_mode: 'slaac',
    });
    await aio.waitFor('network served', async () =>
      (await aio.served()).some((n) => n.networkId === networkId && n.state === 'serving') ? true : undefined,
    );
    const dhcp = await aio.api('GET', `/v2.0/ports?network_id=${networkId}&device_owner=network:dhcp`);
    const fixed = (((dhcp.body['ports'] as Json[])[0]?.['fixed_ips'] ?? []) as Json[]).find(
      (f) => f['subnet_id'] === v6['id'],
    );
    dnsServer = String(fixed?.['ip_address']);
    assert.match(dnsServer, /^fd00:65:/, JSON.stringify(dhcp.body));

    vm = await aio.probeInstance(networkId, 'vm6', {
      name: 'vm6',
      hostname: 'vm6',
      public_keys: {},
      user_data: Buffer.from('#cloud-config\n').toString('base64'),
      metadata: { stack: 'dual' },
    });
    const port = (await aio.api('GET', `/v2.0/ports/${vm.portId}`)).body['port'] as Json;
    vmIpv6 = String(
      (port['fixed_ips'] as Json[]).find((f) => String(f['ip_address']).includes(':'))?.['ip_address'],
    );
    // The probe takes IPv6 now: its link-local, then its SLAAC address from the namespace's advertisement.
    await inProbe('sysctl', ['-q', '-w', 'net.ipv6.conf.eth0.disable_ipv6=0']);
    await inProbe('sysctl', ['-q', '-w', 'net.ipv6.conf.eth0.accept_ra=2']);
    await aio.waitFor(
      `SLAAC address ${vmIpv6} in the probe`,
      async () => {
        const shown = await inProbe('ip', ['-6', 'addr', 'show', 'dev', 'eth0']);
        return shown.stdout.includes(`inet6 ${vmIpv6}/64`) && !/tentative/.test(shown.stdout)
          ? true
          : undefined;
      },
      40_000,
    );

    const upstreamNs = await aio.bed.addClient('fa:16:3e:65:00:fa', {
      namespace: aio.bed.host,
      bridge: bridgeName(networkId),
    });
    await upstreamNs.exec('sysctl', ['-q', '-w', 'net.ipv6.conf.eth0.disable_ipv6=0']);
    await upstreamNs.ip(['addr', 'add', `${UPSTREAM_IP}/64`, 'dev', 'eth0', 'nodad']);
    upstream = aio.bed.sandbox.spawn(upstreamNs, 'upstream6', process.execPath, [
      ...[UPSTREAM_MAIN, '--listen', UPSTREAM_IP, '--port', '53'],
    ]);
    await upstream.waitForOutput(/ready/, 10_000);
  });

  after(async () => {
    await aio?.teardown();
  });

  /** dig in the probe at the DHCP port's IPv6 address, polled (at most 10 s) until `accept` holds. */
  async function digUntil(argv: readonly string[], accept: (r: DigResult) => boolean): Promise<DigResult> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const result = await digIn(vm.namespace, dnsServer, argv);
      if (accept(result) || Date.now() > deadline) return result;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  test('AAAA and ip6.arpa PTR of a port, asked over IPv6 at the address RDNSS names', async () => {
    // Neutron's name of an IPv6 fixed IP (no dns_domain): host-<address, colons as dashes>.
    const host = `host-${vmIpv6.replaceAll(':', '-')}`;
    const aaaa = await digUntil([`${host}.openstacklocal`, 'AAAA'], (r) => r.answers.includes(vmIpv6));
    assert.deepEqual(aaaa.answers, [vmIpv6], `${JSON.stringify(aaaa)}\n${aio.output()}`);
    assert.match(aaaa.flags, /\baa\b/);
    const ptr = await digIn(vm.namespace, dnsServer, ['-x', vmIpv6]);
    assert.deepEqual(ptr.answers, [`${host}.openstacklocal.`]);
    const tcp = await digIn(vm.namespace, dnsServer, ['+tcp', host, 'AAAA']);
    assert.deepEqual(tcp.answers, [vmIpv6], 'short name over TCP');
    // The IPv4 address's own name, asked over IPv6 too.
    const host4 = `host-${vm.ip.replaceAll('.', '-')}`;
    assert.deepEqual((await digIn(vm.namespace, dnsServer, [`${host4}.openstacklocal`, 'A'])).answers, [
      vm.ip,
    ]);
  });

  test('a name outside the network is forwarded to the IPv6 upstream, from inside the namespace', async () => {
    const result = await digUntil(['a1.fwd.test', 'A'], (r) => r.answers.length > 0);
    assert.equal(result.status, 'NOERROR', `${JSON.stringify(result)}\n${aio.output()}`);
    assert.match(result.answers[0] ?? '', /^192\.0\.2\.\d+$/);
    assert.match(upstream.output(), /query a1\.fwd\.test A udp/);
  });

  test('fe80::a9fe:a9fe is in the DHCP namespace without DAD, and answers', async () => {
    const shown = await runCommand('ip', [
      ...['-n', dhcpNamespaceName(networkId, aio.bed.namespacePrefix)],
      ...['-6', 'addr', 'show', 'to', 'fe80::a9fe:a9fe/128'],
    ]);
    assert.match(shown.stdout, /inet6 fe80::a9fe:a9fe\/64 scope link nodad/, shown.stdout);
    assert.doesNotMatch(shown.stdout, /tentative|dadfailed/);
  });

  test("cloud-init's OpenStack reader over http://[fe80::a9fe:a9fe%eth0] finds the IPv6 network", async () => {
    const port = (await aio.api('GET', `/v2.0/ports/${vm.portId}`)).body['port'] as Json;
    const mac = String(port['mac_address']);
    // IPv4 out of the way: the reader can only have used IPv6.
    await inProbe('ip', ['route', 'del', '169.254.169.254']);
    const out = await inProbe(
      '/usr/bin/python3',
      ['-c', CLOUD_INIT_READER, 'http://[fe80::a9fe:a9fe%eth0]', JSON.stringify({ [mac]: 'eth0' })],
      60_000,
    );
    assert.equal(out.code, 0, `${out.stderr}\n${aio.output()}`);
    const seen = JSON.parse(out.stdout) as {
      openstack: { metadata: Json; net: { config: Array<Json & { subnets?: Json[] }> } };
      ec2: Json;
    };
    assert.equal(seen.openstack.metadata['uuid'], vm.instance['id']);
    assert.deepEqual(seen.openstack.metadata['meta'], { stack: 'dual' });
    assert.equal(seen.ec2['local-ipv4'], vm.ip, 'the link-local caller stands for its port');
    const physical = seen.openstack.net.config.find((entry) => entry['type'] === 'physical');
    const types = (physical?.subnets ?? []).map((subnet) => subnet['type']);
    assert.deepEqual(types, ['dhcp4', 'ipv6_slaac'], JSON.stringify(seen.openstack.net));
  });
});
