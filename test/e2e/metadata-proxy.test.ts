import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { metadataBurst, percentile } from '../../bench/metadata/load.js';
import { type CommandResult, runCommand } from '../../src/linux/run-command.js';
import { instanceIdSignature } from '../../src/metadata/signature.js';
import { CLOUD_INIT_READER } from '../../src/metadata/testing/fixtures.js';
import { AllInOne, type Json, type ProbeInstance } from '../support/agent/all-in-one.js';
import { canUseNamespaces } from '../support/netns.js';
import { NovaStandIn } from '../support/nova-stand-in.js';
import { freePort } from './api-server-process.js';

/**
 * The metadata path end to end, as an instance sees it: `qdhcp all-in-one` (its agent opens
 * 169.254.169.254:80 inside each DHCP namespace), instance records through the real API
 * (`POST /v2.0/qdhcp/instances`, which sets the probe port's device_id) and the server's real
 * `metadata.get_instance`, probes (namespaces with real udhcpc, on the network's bridge) that take the
 * 169.254.169.254/32 route by DHCP and read over HTTP with busybox wget, cloud-init's own Python readers
 * run inside a probe namespace, and a Nova stand-in on 127.0.0.1 that checks the signature.
 *
 *   [host ns]  brq(A) ── tap…══ns-… [<prefix>qdhcp-A]  169.254.169.254:80 (agent process)
 *               ├── tap…══eth0 [<prefix>qprobe-vm1]  (instance vm1)
 *               ├── tap…══eth0 [<prefix>qprobe-vm2]  (instance vm2)
 *               └── tap…══eth0 [<prefix>qprobe-anon] (a port without instance)
 *              brq(B) ── … [<prefix>qdhcp-B] ── [<prefix>qprobe-vmb] (instance on network B)
 */
const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';
const METADATA = 'http://169.254.169.254';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMetadataProxyTest qdhcp@e2e';

/** busybox wget (`-T` is left out: Debian's busybox 1.35 wget segfaults with it; runCommand times out). */
function wget(namespace: string, path: string, headers: Record<string, string> = {}): Promise<CommandResult> {
  const headerArgs = Object.entries(headers).flatMap(([name, value]) => ['--header', `${name}: ${value}`]);
  return runCommand(
    'ip',
    ['netns', 'exec', namespace, 'busybox', 'wget', '-q', '-O', '-', ...headerArgs, `${METADATA}${path}`],
    { allowFailure: true, timeoutMs: 15_000 },
  );
}

/** The body of a 200, or a failed assertion with what wget said. */
async function read(namespace: string, path: string, headers: Record<string, string> = {}): Promise<string> {
  const out = await wget(namespace, path, headers);
  assert.equal(out.code, 0, `GET ${path} from ${namespace}: ${out.signal ?? ''} ${out.stderr}`);
  return out.stdout;
}

async function assertNotFound(namespace: string, path: string, headers: Record<string, string> = {}) {
  const out = await wget(namespace, path, headers);
  assert.notEqual(out.code, 0, `expected 404, got ${out.stdout}`);
  assert.match(out.stderr, /404/);
}

function instanceFields(name: string, userData: string): Json {
  return {
    name,
    hostname: name,
    public_keys: { default: KEY },
    user_data: Buffer.from(userData).toString('base64'),
    metadata: { role: name },
  };
}

describe('metadata proxy end to end (builtin driver)', { skip, concurrency: false }, () => {
  let aio: AllInOne;
  let networkA: Json;
  let networkB: Json;
  let vm1: ProbeInstance;
  let vm2: ProbeInstance;
  let vmB: ProbeInstance;
  let anonymous: string;
  let metricsPort: number;
  let subnetB: Json;

  before(async () => {
    metricsPort = await freePort();
    aio = await AllInOne.start('mdp', ['--metrics-bind', `127.0.0.1:${metricsPort}`]);
    networkA = (await aio.servedNetwork('md-a', '10.81.0.0/24')).network;
    // Same CIDR as A on purpose: tenant networks overlap, so an address alone identifies nobody.
    const b = await aio.servedNetwork('md-b', '10.81.0.0/24');
    networkB = b.network;
    subnetB = b.subnet;
    vm1 = await aio.probeInstance(
      String(networkA['id']),
      'vm1',
      instanceFields('vm1', '#cloud-config\nhostname: vm1\n'),
    );
    vm2 = await aio.probeInstance(
      String(networkA['id']),
      'vm2',
      instanceFields('vm2', '#!/bin/sh\necho vm2\n'),
    );
    vmB = await aio.probeInstance(String(networkB['id']), 'vmb', instanceFields('vmb', 'vmb data'));
    await aio.leasedProbe(String(networkA['id']), 'anon');
    anonymous = aio.probeNamespace('anon');
  });

  after(() => aio?.teardown());

  test('a probe gets 169.254.169.254/32 by DHCP and reads its own instance-id, hostname, key and user data', async () => {
    const dhcp = await aio.api('GET', `/v2.0/ports?network_id=${networkA['id']}&device_owner=network:dhcp`);
    const dhcpPort = (dhcp.body['ports'] as Json[])[0] ?? {};
    const dhcpIp = ((dhcpPort['fixed_ips'] ?? []) as Json[])[0]?.['ip_address'];
    const routes = await runCommand('ip', ['-n', vm1.namespace, 'route', 'show', '169.254.169.254']);
    assert.match(
      routes.stdout,
      new RegExp(`^169\\.254\\.169\\.254 via ${String(dhcpIp).replaceAll('.', '\\.')} dev eth0`),
    );
    const id = String(vm1.instance['id']);
    // EC2: Nova's i-%08x (the record's ec2_instance_id); OpenStack: the UUID.
    assert.match(String(vm1.instance['ec2_instance_id']), /^i-[0-9a-f]{8}$/);
    assert.equal(await read(vm1.namespace, '/latest/meta-data/instance-id'), vm1.instance['ec2_instance_id']);
    assert.equal(await read(vm1.namespace, '/2009-04-04/meta-data/hostname'), 'vm1.openstacklocal');
    assert.equal(await read(vm1.namespace, '/latest/meta-data/local-ipv4'), vm1.ip);
    assert.equal(await read(vm1.namespace, '/latest/meta-data/public-keys/0/openssh-key'), KEY);
    assert.equal(await read(vm1.namespace, '/latest/user-data'), '#cloud-config\nhostname: vm1\n');
    const meta = JSON.parse(await read(vm1.namespace, '/openstack/latest/meta_data.json')) as Json;
    assert.equal(meta['uuid'], id);
    assert.deepEqual(meta['meta'], { role: 'vm1' });
  });

  test('a second probe on the network reads its own instance; a port without instance gets 404', async () => {
    assert.equal(await read(vm2.namespace, '/latest/meta-data/instance-id'), vm2.instance['ec2_instance_id']);
    assert.equal(await read(vm2.namespace, '/openstack/latest/user_data'), '#!/bin/sh\necho vm2\n');
    await assertNotFound(anonymous, '/latest/meta-data/instance-id');
    await assertNotFound(anonymous, '/openstack/latest/meta_data.json');
  });

  test("a probe on another network with the same address as vm1 cannot read vm1's data", async (t) => {
    assert.equal(await read(vmB.namespace, '/latest/meta-data/instance-id'), vmB.instance['ec2_instance_id']);
    assert.equal(await read(vmB.namespace, '/latest/user-data'), 'vmb data');
    // A port on B holding vm1's address (vmB itself when IPAM gave it that one, else a probe moved there).
    let twin = vmB.namespace;
    let twinIsInstance = true;
    if (vmB.ip !== vm1.ip) {
      const { portId } = await aio.leasedProbe(String(networkB['id']), 'twin');
      const moved = await aio.api('PUT', `/v2.0/ports/${portId}`, {
        port: { fixed_ips: [{ subnet_id: subnetB['id'], ip_address: vm1.ip }] },
      });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      await aio.waitFor(
        `probe twin renews to ${vm1.ip}`,
        async () => {
          const out = await aio.probe('renew', ['twin']);
          return out.stdout.includes(`bound ${vm1.ip}/`) ? true : undefined;
        },
        40_000,
      );
      twin = aio.probeNamespace('twin');
      twinIsInstance = false;
    }
    t.diagnostic(
      `${vm1.ip} on B: ${twinIsInstance ? 'vmb (IPAM gave it that address)' : 'probe twin, moved there'}`,
    );
    const id = await wget(twin, '/latest/meta-data/instance-id');
    if (twinIsInstance) assert.equal(id.stdout, vmB.instance['ec2_instance_id']);
    else assert.match(id.stderr, /404/, `the twin of ${vm1.ip} on B got ${id.stdout}`);
    assert.notEqual(id.stdout, vm1.instance['ec2_instance_id']);
  });

  test('spoofed X-Forwarded-For / X-Instance-ID / X-Tenant-ID / X-Neutron-* headers change nothing', async () => {
    const pretendVm1 = {
      'X-Forwarded-For': vm1.ip,
      'X-Instance-ID': String(vm1.instance['id']),
      'X-Instance-ID-Signature': instanceIdSignature('', String(vm1.instance['id'])),
      'X-Tenant-ID': String(vm1.instance['project_id'] ?? vm1.instance['tenant_id']),
      'X-Neutron-Network-ID': String(networkA['id']),
    };
    await assertNotFound(anonymous, '/latest/meta-data/instance-id', pretendVm1);
    assert.equal(
      await read(vm2.namespace, '/latest/meta-data/instance-id', pretendVm1),
      vm2.instance['ec2_instance_id'],
    );
    assert.equal(await read(vmB.namespace, '/latest/user-data', pretendVm1), 'vmb data');
  });

  test("cloud-init's OpenStack and EC2 readers, run in the probe, parse what the proxy serves", async () => {
    const port = (await aio.api('GET', `/v2.0/ports/${vm1.portId}`)).body['port'] as Json;
    const mac = String(port['mac_address']);
    const out = await runCommand(
      'ip',
      [
        'netns',
        'exec',
        vm1.namespace,
        '/usr/bin/python3',
        '-c',
        CLOUD_INIT_READER,
        METADATA,
        JSON.stringify({ [mac]: 'eth0' }),
      ],
      { timeoutMs: 60_000, allowFailure: true },
    );
    assert.equal(out.code, 0, out.stderr);
    const seen = JSON.parse(out.stdout) as Json & {
      openstack: Json & { metadata: Json; net: { config: Array<Json & { subnets?: Json[] }> } };
      ec2: Json;
    };
    const id = String(vm1.instance['id']);
    assert.equal(seen.openstack.metadata['uuid'], id);
    assert.equal(seen.openstack.metadata['local-hostname'], 'vm1.openstacklocal');
    assert.deepEqual(seen.openstack.metadata['public_keys'], { default: KEY });
    assert.equal(seen.openstack['userdata'], '#cloud-config\nhostname: vm1\n');
    const eth0 = seen.openstack.net.config.find((entry) => entry['mac_address'] === mac);
    assert.deepEqual(
      eth0?.subnets?.map((subnet) => subnet['type']),
      ['dhcp4'],
    );
    assert.equal(seen.ec2['instance-id'], vm1.instance['ec2_instance_id']);
    assert.equal(seen.ec2['local-ipv4'], vm1.ip);
    assert.deepEqual(seen.ec2['public-keys'], { default: KEY });
    assert.equal(seen['ec2_userdata'], '#cloud-config\nhostname: vm1\n');
  });

  test('200 concurrent requests from 4 probes on one network are all answered', async (t) => {
    const vm3 = await aio.probeInstance(String(networkA['id']), 'vm3', instanceFields('vm3', 'x'));
    const burst = await metadataBurst(
      [vm1.namespace, vm2.namespace, vm3.namespace, anonymous],
      `${METADATA}/latest/meta-data/instance-id`,
      50,
    );
    assert.equal(burst.failed, 0, JSON.stringify(burst.statuses));
    assert.deepEqual(burst.statuses, { '200': 150, '404': 50 });
    t.diagnostic(
      `200 requests: p50 ${percentile(burst.latenciesMs, 50)} ms, p99 ${percentile(burst.latenciesMs, 99)} ms`,
    );
  });

  test('per-network counters on /metrics', async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const count = (network: unknown, status: string) =>
      Number(
        new RegExp(
          `^qdhcp_metadata_requests_total\\{network="${String(network)}",status="${status}"\\} (\\d+)$`,
          'm',
        ).exec(text)?.[1] ?? 0,
      );
    assert.ok(count(networkA['id'], '200') >= 150, text);
    assert.ok(count(networkA['id'], '404') >= 50, text);
    assert.ok(count(networkB['id'], '200') >= 2, text);
  });

  describe('nova backend through the proxy', () => {
    const SECRET = 'e2e-shared-secret';
    let nova: NovaStandIn | undefined;

    before(async () => {
      // The agent process makes the upstream call from its own namespace (root, loopback), as Neutron's
      // metadata agent does; the Nova stand-in answers only correctly signed requests for real instances.
      nova = await NovaStandIn.start(SECRET);
      for (const vm of [vm1, vm2, vmB]) nova.addInstance(String(vm.instance['id']));
      await aio.restart([
        ...['--metadata-backend', 'nova', '--nova-metadata-url', nova.url],
        ...['--metadata-proxy-shared-secret', SECRET],
      ]);
    });

    after(() => nova?.stop());

    test('the request reaches Nova signed, for the caller the proxy identified, whatever it claims', async () => {
      const body = await aio.waitFor('the restarted agent serves metadata again', async () => {
        const out = await wget(vm1.namespace, '/openstack/latest/meta_data.json', {
          'X-Instance-ID': String(vm2.instance['id']),
          'X-Forwarded-For': vm2.ip,
        });
        return out.code === 0 ? out.stdout : undefined;
      });
      assert.deepEqual(JSON.parse(body), {
        uuid: vm1.instance['id'],
        from: vm1.ip,
        path: '/openstack/latest/meta_data.json',
      });
      const seen = nova!.seen;
      const last = seen.at(-1)!;
      assert.equal(last['x-tenant-id'], String(vm1.instance['project_id'] ?? vm1.instance['tenant_id']));
      // The anonymous probe's port has no device_id: no instance to ask Nova about, 404 from the proxy.
      const asked = seen.length;
      await assertNotFound(anonymous, '/openstack/latest/meta_data.json');
      assert.equal(seen.length, asked, 'an unidentified caller never reaches the backend');
    });
  });

  test('--no-enable-isolated-metadata: no proxy (and no route for new leases)', async () => {
    await aio.restart(['--no-enable-isolated-metadata']);
    const dhcpNamespace = `${aio.bed.namespacePrefix}qdhcp-${networkA['id']}`;
    await aio.waitFor('nothing listens on :80 in the DHCP namespace', async () => {
      await aio.waitFor('network served again', async () =>
        (await aio.served()).some((n) => n.networkId === networkA['id'] && n.state === 'serving')
          ? true
          : undefined,
      );
      const listening = await runCommand('ip', [
        'netns',
        'exec',
        dhcpNamespace,
        'ss',
        '-Hltn',
        'sport = :80',
      ]);
      const addresses = await runCommand('ip', ['-n', dhcpNamespace, '-4', 'addr']);
      return listening.stdout.trim() === '' && !addresses.stdout.includes('169.254.169.254')
        ? true
        : undefined;
    });
    const renewed = await aio.probe('renew', ['vm1']);
    assert.equal(renewed.code, 0, renewed.stdout + renewed.stderr);
    assert.doesNotMatch(renewed.stdout, /169\.254\.169\.254/);
  });
});

describe('metadata proxy end to end (dnsmasq driver)', { skip, concurrency: false }, () => {
  let aio: AllInOne;

  before(async () => {
    aio = await AllInOne.start('mdd', ['--driver', 'dnsmasq']);
  });
  after(() => aio?.teardown());

  test('beside dnsmasq, a probe reads its own instance-id and user data', async () => {
    const { network } = await aio.servedNetwork('md-d', '10.83.0.0/24');
    const vm = await aio.probeInstance(
      String(network['id']),
      'vmd',
      instanceFields('vmd', 'dnsmasq user data'),
    );
    assert.equal(await read(vm.namespace, '/latest/meta-data/instance-id'), vm.instance['ec2_instance_id']);
    assert.equal(await read(vm.namespace, '/openstack/latest/user_data'), 'dnsmasq user data');
    await aio.leasedProbe(String(network['id']), 'anond');
    await assertNotFound(aio.probeNamespace('anond'), '/latest/meta-data/instance-id');
  });
});
