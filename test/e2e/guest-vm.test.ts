import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bridgeName, tapName } from '../../src/agent/naming.js';
import { AllInOne, type Json } from '../support/agent/all-in-one.js';
import { canUseNamespaces } from '../support/netns.js';
import { type GUEST_MD_KEYS, parseGuestConsole } from '../support/vm/guest-init.js';
import { type GuestKit, guestKitOrWhyNot } from '../support/vm/guest-kit.js';
import { bootGuest, writeGuestInitrd } from '../support/vm/qemu-guest.js';

/**
 * A real VM on a qdhcp network, booting the way the seeds' CirrOS does (../shared/reference/seeds 002 and
 * 004): Debian's kernel under qemu (TCG), an initramfs whose busybox takes the lease with udhcpc and then
 * runs CirrOS's EC2 datasource loop against 169.254.169.254. Its virtio NIC sits on `tap<port id[0:11]>`
 * with the port's MAC, on the network's `brq<net id[0:11]>` in the test's host namespace, like Nova's
 * libvirt interface in seed 004; `qdhcp all-in-one` serves DHCP, DNS and metadata. The serial console is
 * kept in var/test-output/guest-vm/ (its path is printed; its text too when the test fails).
 *
 *   [host ns]  brq… ── tap…══ns-… [<prefix>qdhcp-<net>]  (DHCP, DNS, metadata proxy on 169.254.169.254)
 *               └──── tap<port> ══ qemu (virtio-net, the port's MAC)
 */
const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces and a tap device';
const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const OUTPUT_DIR = join(ROOT, 'var', 'test-output', 'guest-vm');
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGuestVmTestKey qdhcp@guest';
/** TCG boots the guest in ~5–30 s; the whole boot is bounded by this. */
const BOOT_TIMEOUT_MS = 120_000;

describe('a real VM boots on a qdhcp network like CirrOS: lease, then EC2 metadata on the first try', {
  skip,
}, () => {
  let aio: AllInOne;
  let kit: GuestKit | undefined;
  /** Why qemu or the guest's kernel could not be had (no package source reachable), if so. */
  let unavailable: string | undefined;

  before(
    async () => {
      // qemu, Debian's kernel and busybox-static: fetched by the test (bounded), cached for the next run.
      // Without a reachable package source (the machine lost its DNS) they cannot be installed: the test
      // then says so and skips, rather than failing on something that is not qdhcp's.
      ({ kit, unavailable } = await guestKitOrWhyNot('guest VM test'));
      if (kit === undefined) return;
      aio = await AllInOne.start('vm');
    },
    { timeout: 900_000 },
  );
  after(() => aio?.teardown());

  test('udhcpc gets the seed options, the instance-id is i-… at once, the EC2 keys are there', {
    timeout: 300_000,
  }, async (t) => {
    if (kit === undefined) {
      t.skip(unavailable);
      return;
    }
    const network = await aio.create('/v2.0/networks', 'network', { name: 'guest-net', mtu: 1400 });
    const networkId = String(network['id']);
    await aio.create('/v2.0/subnets', 'subnet', {
      network_id: networkId,
      ip_version: 4,
      cidr: '10.91.0.0/24',
      gateway_ip: '10.91.0.1',
      dns_nameservers: ['192.0.2.53'],
      host_routes: [{ destination: '172.31.0.0/16', nexthop: '10.91.0.1' }],
    });
    await aio.waitFor('network served', async () =>
      (await aio.served()).some((n) => n.networkId === networkId && n.state === 'serving') ? true : undefined,
    );
    const port = await aio.create('/v2.0/ports', 'port', {
      network_id: networkId,
      device_owner: 'compute:nova',
    });
    const portId = String(port['id']);
    const mac = String(port['mac_address']);
    const ip = String(((port['fixed_ips'] ?? []) as Json[])[0]?.['ip_address']);
    const instance = await aio.create('/v2.0/qdhcp/instances', 'instance', {
      name: 'cirros',
      ports: [portId],
      public_keys: { default: KEY },
    });
    const dhcpPorts = await aio.api('GET', `/v2.0/ports?network_id=${networkId}&device_owner=network:dhcp`);
    const dhcpIp = String(
      (((dhcpPorts.body['ports'] as Json[])[0]?.['fixed_ips'] ?? []) as Json[])[0]?.['ip_address'],
    );

    // The VM's tap, named and bridged as Nova's libvirt driver does it (seed 004's <target dev="tap…"/>).
    const host = aio.bed.host;
    const tap = tapName(portId);
    await host.ip(['tuntap', 'add', 'dev', tap, 'mode', 'tap']);
    t.after(() => host.ip(['link', 'del', tap], { allowFailure: true }).catch(() => undefined));
    await host.ip(['link', 'set', tap, 'mtu', '1400', 'master', bridgeName(networkId), 'up']);

    mkdirSync(OUTPUT_DIR, { recursive: true });
    const consolePath = join(OUTPUT_DIR, 'console.log');
    const initrd = aio.bed.path('guest-initrd.gz');
    await writeGuestInitrd(kit, initrd);
    const boot = await bootGuest({
      kit,
      initrd,
      namespace: host.name,
      tap,
      mac,
      consolePath,
      timeoutMs: BOOT_TIMEOUT_MS,
    });
    t.diagnostic(
      `guest console: ${consolePath} (${kit.kernelPackage}, ${Math.round(boot.elapsedMs / 1000)} s)`,
    );
    console.log(`guest console log: ${consolePath}`);
    const report = parseGuestConsole(boot.console);
    try {
      assert.ok(boot.poweredOff, `the guest powered off within ${BOOT_TIMEOUT_MS / 1000} s`);
      assert.ok(report.done, 'the guest ran its script to the end');
      // The lease, with the options of the seed's dnsmasq log (seed 004): address, router, DNS, domain,
      // MTU, and classless routes with the metadata route via the DHCP port.
      const lease = report.lease;
      assert.ok(lease, 'a bound lease');
      assert.equal(lease['ip'], ip);
      assert.equal(lease['mask'], '24');
      assert.equal(lease['router'], '10.91.0.1');
      assert.equal(lease['dns'], '192.0.2.53');
      assert.equal(lease['domain'], 'openstacklocal');
      assert.equal(lease['mtu'], '1400');
      assert.equal(lease['hostname'], `host-${ip.replaceAll('.', '-')}`);
      const routes = (lease['staticroutes'] ?? '').split(' ');
      const pairs = routes.flatMap((word, i) => (i % 2 === 0 ? [`${word} ${routes[i + 1]}`] : []));
      assert.ok(pairs.includes(`169.254.169.254/32 ${dhcpIp}`), `metadata route in ${lease['staticroutes']}`);
      assert.ok(pairs.includes('172.31.0.0/16 10.91.0.1'), `host route in ${lease['staticroutes']}`);
      assert.ok(pairs.includes('0.0.0.0/0 10.91.0.1'), `default route in ${lease['staticroutes']}`);
      assert.ok(
        report.routes.some((r) => r.startsWith(`169.254.169.254 via ${dhcpIp} dev eth0`)),
        report.routes.join('\n'),
      );
      // CirrOS's datasource: an i- id on the first try, no retry logged.
      assert.equal(report.retries, 0, 'no instance-id retry');
      assert.equal(report.tries, '1/20');
      assert.equal(report.instanceId, instance['ec2_instance_id']);
      assert.match(String(report.instanceId), /^i-[0-9a-f]{8}$/);
      assert.deepEqual(report.missing, [], 'every EC2 key answered');
      const hostname = 'cirros.openstacklocal';
      const expected: Record<(typeof GUEST_MD_KEYS)[number], string | RegExp> = {
        'ami-id': 'ami-00000000',
        'ami-launch-index': '0',
        'instance-type': 'qdhcp',
        'reservation-id': /^r-[0-9a-f]{8}$/,
        'security-groups': 'default',
        'block-device-mapping/': 'ami root',
        'block-device-mapping/ami': 'vda',
        'block-device-mapping/root': '/dev/vda',
        'placement/availability-zone': 'nova',
        'public-keys/': '0=default',
        'public-keys/0/openssh-key': KEY,
        'local-ipv4': ip,
        hostname,
        'local-hostname': hostname,
        'public-hostname': hostname,
        'public-ipv4': '',
      };
      for (const [key, value] of Object.entries(expected)) {
        if (typeof value === 'string') assert.equal(report.metaData[key], value, key);
        else assert.match(report.metaData[key] ?? '', value, key);
      }
    } catch (error) {
      console.log(
        `--- guest console (${consolePath}) ---\n${boot.console}\n--- qemu ---\n${boot.qemuOutput}`,
      );
      throw error;
    }
  });
});
