import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bridgeName, routerNamespaceName, tapName } from '../../src/agent/naming.js';
import { readL2Table } from '../../src/linux/nft-l2.js';
import { runCommand } from '../../src/linux/run-command.js';
import { AllInOne, type Json } from '../support/agent/all-in-one.js';
import { canUseNamespaces, type Namespace } from '../support/netns.js';
import type { ManagedProcess } from '../support/process.js';
import { parseGuestConsole } from '../support/vm/guest-init.js';
import { type GuestKit, guestKitOrWhyNot } from '../support/vm/guest-kit.js';
import { bootGuest, writeGuestInitrd } from '../support/vm/qemu-guest.js';

/**
 * The real VM of guest-vm.test.ts behind a qdhcp router, on a dual-stack network (issues 13, 14, 15):
 *
 *   [host ns]  brq<net> ── tap…══ns-… [<prefix>qdhcp-<net>]  DHCP (no RAs: the SLAAC subnet is routed)
 *               ├── tap<port[0:11]>  (`qdhcp port plug`; bridged and protected by the L2 role) ══ qemu
 *               ├── tap…══qr-… fd00:92::1 ┐ RAs: fd00:92::/64, router lifetime 300 s
 *               └── tap…══qr-… 10.92.0.1  ┴ [<prefix>qrouter-<r>] qg-… 172.24.92.x ══ tap… ──┐
 *              <prefix>pub (the operator's bridge of physnet "public") ─────── veth ══ [out] 172.24.92.1
 *                                                                          whoami server, tcpdump
 *
 * The tap is made as Nova's libvirt driver gets it (`qdhcp port plug`, docs/compute.md: a tap named
 * `tap<port id[0:11]>`, in no bridge) and the guest boots once the port is ACTIVE (Nova's vif-plugged
 * wait). The guest (busybox, test/support/vm/guest-init.ts) takes its lease, reads EC2 metadata through
 * the router's redirect, asks the outside's whoami server who it is (the router's SNAT address), pings the
 * outside from its address and then from a spoofed one, and reports its SLAAC address, its default IPv6
 * route (via the link-local address of the router's `qr-` device, read in the router's namespace) and a
 * ping6 to the subnet's gateway. The outside's tcpdump tells the two IPv4 pings apart by their length.
 * The serial console is kept in var/test-output/guest-vm-routed/.
 */
const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces and a tap device';
const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const WHOAMI = join(ROOT, 'dist', 'test', 'support', 'whoami-main.js');
const OUTPUT_DIR = join(ROOT, 'var', 'test-output', 'guest-vm-routed');
/** TCG boots the guest in ~5–30 s; the whole boot (with its pings and IPv6 wait) is bounded by this. */
const BOOT_TIMEOUT_MS = 120_000;
const WHOAMI_PORT = 8080;
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIRoutedVmTestKey qdhcp@routed';
const UPSTREAM = '172.24.92.1';
const GATEWAY = '10.92.0.1';
const GATEWAY6 = 'fd00:92::1';
const SPOOFED = '10.92.0.250';
/** ICMP data bytes of each ping; tcpdump prints the ICMP length, 8 more. */
const REAL_SIZE = 1222;
const SPOOFED_SIZE = 1111;

/** The modified EUI-64 SLAAC address of `mac` in `prefix` (a /64 ending in `::`; RFC 4291 appendix A). */
function eui64(prefix: string, mac: string): string {
  const b = mac.split(':').map((octet) => Number.parseInt(octet, 16));
  const word = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
  const iid = [
    word((b[0] ?? 0) ^ 2, b[1] ?? 0),
    word(b[2] ?? 0, 0xff),
    word(0xfe, b[3] ?? 0),
    word(b[4] ?? 0, b[5] ?? 0),
  ];
  return canonical(`${prefix.replace(/\/64$/, '')}${iid.join(':')}`);
}

/** The link-local address of the router's `qr-` device holding `address`, read in its namespace. */
async function routerLinkLocal(routerNs: string, address: string): Promise<string | undefined> {
  const shown = await runCommand('ip', ['netns', 'exec', routerNs, 'ip', '-j', '-6', 'addr'], {
    allowFailure: true,
  });
  if (shown.code !== 0) return undefined;
  type Link = { ifname: string; addr_info: Array<{ local: string; scope: string; tentative?: boolean }> };
  const device = (JSON.parse(shown.stdout) as Link[]).find(
    (link) => link.ifname.startsWith('qr-') && link.addr_info.some((a) => a.local === address),
  );
  const local = device?.addr_info.find((a) => a.scope === 'link' && a.tentative !== true)?.local;
  return local === undefined ? undefined : canonical(local);
}

/** An IPv6 address as RFC 5952 writes it (the URL parser's serialisation). */
function canonical(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

describe('a real VM behind a qdhcp router: SNAT, metadata via the router, wired and protected tap, SLAAC', {
  skip,
}, () => {
  let aio: AllInOne;
  let outside: Namespace;
  let pub = '';
  let kit: GuestKit | undefined;
  let unavailable: string | undefined;

  before(
    async () => {
      ({ kit, unavailable } = await guestKitOrWhyNot('routed guest VM test'));
      if (kit === undefined) return;
      aio = await AllInOne.start('vmr', (bed) => {
        pub = bed.sandbox.device('pub');
        return ['--bridge-mappings', `public:${pub}`];
      });
      // The operator's external bridge and the "outside" on it (the external subnet's gateway).
      const { sandbox, host } = aio.bed;
      await sandbox.addBridge(host, pub);
      outside = await sandbox.addNamespace('out');
      await sandbox.addVeth(host, sandbox.device('o'), outside, 'eth0', {
        bridge: pub,
        peerAddresses: [`${UPSTREAM}/24`],
      });
      await sandbox
        .spawn(outside, 'whoami-outside', process.execPath, [WHOAMI, 'serve', String(WHOAMI_PORT)])
        .waitForOutput(/listening/, 10_000);
    },
    { timeout: 900_000 },
  );
  after(() => aio?.teardown());

  test('through the router: lease, metadata, SNAT; the spoofed ping never leaves; the EUI-64 address', {
    timeout: 240_000,
  }, async (t) => {
    if (kit === undefined) {
      t.skip(unavailable);
      return;
    }
    const external = await aio.create('/v2.0/networks', 'network', {
      name: 'public',
      'router:external': true,
      'provider:network_type': 'flat',
      'provider:physical_network': 'public',
    });
    await aio.create('/v2.0/subnets', 'subnet', {
      network_id: external['id'],
      ip_version: 4,
      cidr: '172.24.92.0/24',
      gateway_ip: UPSTREAM,
      enable_dhcp: false,
    });
    const network = await aio.create('/v2.0/networks', 'network', { name: 'routed-net' });
    const networkId = String(network['id']);
    const v4 = await aio.create('/v2.0/subnets', 'subnet', {
      network_id: networkId,
      ip_version: 4,
      cidr: '10.92.0.0/24',
      gateway_ip: GATEWAY,
    });
    const v6 = await aio.create('/v2.0/subnets', 'subnet', {
      network_id: networkId,
      ip_version: 6,
      cidr: 'fd00:92::/64',
      gateway_ip: GATEWAY6,
      ipv6_ra_mode: 'slaac',
      ipv6_address_mode: 'slaac',
    });
    const router = await aio.create('/v2.0/routers', 'router', {
      name: 'r1',
      external_gateway_info: { network_id: external['id'] },
    });
    const routerId = String(router['id']);
    const gatewayInfo = router['external_gateway_info'] as { external_fixed_ips: Json[] };
    const gatewayAddress = String(gatewayInfo.external_fixed_ips[0]?.['ip_address']);
    assert.match(gatewayAddress, /^172\.24\.92\./);
    const added = await aio.api('PUT', `/v2.0/routers/${routerId}/add_router_interface`, {
      subnet_id: v4['id'],
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    // The SLAAC subnet on the router too (its own `qr-` port, as Neutron's for an IPv6 subnet beside an
    // IPv4-only interface): the router advertises it, with a router lifetime, and the DHCP namespace not.
    const added6 = await aio.api('PUT', `/v2.0/routers/${routerId}/add_router_interface`, {
      subnet_id: v6['id'],
    });
    assert.equal(added6.status, 200, JSON.stringify(added6.body));
    await aio.waitFor('network served', async () =>
      (await aio.served()).some((n) => n.networkId === networkId && n.state === 'serving') ? true : undefined,
    );

    const port = await aio.create('/v2.0/ports', 'port', {
      network_id: networkId,
      device_owner: 'compute:nova',
    });
    const portId = String(port['id']);
    const mac = String(port['mac_address']);
    const fixed = (port['fixed_ips'] ?? []) as Json[];
    const ip = String(fixed.find((f) => !String(f['ip_address']).includes(':'))?.['ip_address']);
    const ipv6 = canonical(String(fixed.find((f) => String(f['ip_address']).includes(':'))?.['ip_address']));
    assert.equal(ipv6, eui64('fd00:92::/64', mac), "the port's SLAAC address is its MAC's EUI-64");
    const instance = await aio.create('/v2.0/qdhcp/instances', 'instance', {
      name: 'routed',
      ports: [portId],
      public_keys: { default: KEY },
    });

    // The tap as Nova's libvirt driver gets it: made by `qdhcp port plug`, bridged by nobody but qdhcp.
    const host = aio.bed.host;
    const plugged = await aio.qdhcp([
      'port',
      'plug',
      portId,
      '--api',
      aio.apiUrl,
      '--host-namespace',
      host.name,
    ]);
    assert.equal(plugged.code, 0, plugged.stderr);
    const tap = plugged.stdout.trim();
    assert.equal(tap, tapName(portId));
    const portView = async () => (await aio.api('GET', `/v2.0/ports/${portId}`)).body['port'] as Json;
    // Nova boots the guest once the port is plugged (network-vif-plugged): bound, ACTIVE.
    const bound = await aio.waitFor(
      `${tap} bound and ACTIVE`,
      async () => {
        const view = await portView();
        return view['status'] === 'ACTIVE' && view['binding:host_id'] === 'aio-host' ? view : undefined;
      },
      30_000,
    );
    assert.equal(bound['binding:vif_type'], 'bridge');
    const link = await host.ip(['-j', 'link', 'show', 'dev', tap]);
    assert.equal((JSON.parse(link.stdout) as Array<{ master?: string }>)[0]?.master, bridgeName(networkId));
    assert.ok((await readL2Table(host.name)).protectedTaps.has(tap), `${tap} is protected`);

    // The router is up: the outside reaches its gateway address, and it holds the tenant gateways (the
    // IPv6 one on a `qr-` device whose link-local address the guest's default route must go via).
    const routerNs = routerNamespaceName(routerId, aio.bed.namespacePrefix);
    const routerFe80 = await aio.waitFor(
      `the router's ${GATEWAY6} on a qr- device with a link-local address`,
      () => routerLinkLocal(routerNs, GATEWAY6),
      30_000,
    );
    await aio.waitFor(
      'router plumbed',
      async () => {
        const addresses = await runCommand('ip', ['netns', 'exec', routerNs, 'ip', '-o', 'addr'], {
          allowFailure: true,
        });
        if (!addresses.stdout.includes(`inet ${GATEWAY}/24`)) return undefined;
        const ping = await outside.exec('ping', ['-c', '1', '-W', '1', gatewayAddress], {
          allowFailure: true,
        });
        return ping.code === 0 ? true : undefined;
      },
      30_000,
    );

    const capture: ManagedProcess = aio.bed.sandbox.spawn(outside, 'tcpdump-outside', 'tcpdump', [
      ...['-i', 'eth0', '-nn', '-l', 'icmp[icmptype] == icmp-echo'],
    ]);
    await capture.waitForOutput(/listening on/, 10_000);

    mkdirSync(OUTPUT_DIR, { recursive: true });
    const consolePath = join(OUTPUT_DIR, 'console.log');
    const initrd = aio.bed.path('guest-initrd.gz');
    await writeGuestInitrd(kit, initrd, {
      whoami: { host: UPSTREAM, port: WHOAMI_PORT },
      ping: { target: UPSTREAM, size: REAL_SIZE, spoofed: SPOOFED, spoofedSize: SPOOFED_SIZE },
      ipv6: { gateway: GATEWAY6 },
    });
    const boot = await bootGuest({
      kit,
      initrd,
      namespace: host.name,
      tap,
      mac,
      consolePath,
      timeoutMs: BOOT_TIMEOUT_MS,
    });
    await capture.stop();
    t.diagnostic(
      `guest console: ${consolePath} (${kit.kernelPackage}, ${Math.round(boot.elapsedMs / 1000)} s)`,
    );
    const report = parseGuestConsole(boot.console);
    const echoes = capture
      .output()
      .split('\n')
      .flatMap((line) => {
        const match = /IP (\S+) > \S+: ICMP echo request.* length (\d+)/.exec(line);
        return match ? [{ source: match[1], length: Number(match[2]) }] : [];
      });
    try {
      assert.ok(boot.poweredOff, `the guest powered off within ${BOOT_TIMEOUT_MS / 1000} s`);
      assert.ok(report.done, 'the guest ran its script to the end');
      assert.equal(report.lease?.['ip'], ip);
      assert.equal(report.lease?.['router'], GATEWAY);

      // Issue 13, metadata: the guest's way to 169.254.169.254 is the router (no route via the DHCP port),
      // whose redirect took the requests; CirrOS's loop got the instance id on its first try.
      const metadataRoute =
        report.routes.find((r) => r.startsWith('169.254.169.254')) ??
        report.routes.find((r) => r.startsWith('default'));
      assert.match(
        metadataRoute ?? '',
        new RegExp(`via ${GATEWAY.replaceAll('.', '\\.')} dev eth0`),
        report.routes.join('\n'),
      );
      assert.equal(report.tries, '1/20');
      assert.equal(report.instanceId, instance['ec2_instance_id']);
      assert.equal(report.metaData['local-ipv4'], ip);
      assert.deepEqual(report.missing, [], 'every EC2 key answered');
      assert.equal(report.metaData['public-keys/0/openssh-key'], KEY);
      const table = await runCommand('ip', [
        'netns',
        'exec',
        routerNs,
        'nft',
        'list',
        'table',
        'ip',
        'qrouter',
      ]);
      const redirect = table.stdout.split('\n').find((line) => line.includes('redirect to :9697'));
      assert.match(redirect ?? '', /counter packets [1-9]/, table.stdout);

      // Issue 13, SNAT: the outside sees the router's gateway address, never the instance's.
      assert.equal(report.whoami?.split(':')[0], gatewayAddress, `whoami answer ${report.whoami}`);
      const real = echoes.filter((e) => e.length === REAL_SIZE + 8);
      // (Of 3 echoes at least one answered: a TCG guest on a loaded machine may lose one.)
      assert.ok(
        Number(report.pings['real']) >= 1,
        `the real address pings the outside: ${report.pings['real']}`,
      );
      assert.ok(real.length >= 1, capture.output());
      assert.deepEqual([...new Set(echoes.map((e) => e.source))], [gatewayAddress], capture.output());

      // Issue 14: the spoofed source never reaches the outside (the L2 protection drops it at the tap).
      assert.equal(report.pings['spoofed'], '0', 'no reply to the spoofed ping');
      assert.equal(echoes.filter((e) => e.length === SPOOFED_SIZE + 8).length, 0, capture.output());

      // Issue 15: exactly the port's EUI-64 address by SLAAC, from the router's advertisement.
      const global = report.addresses6.flatMap((line) => {
        const match = /inet6 ([0-9a-f:]+)\/64 scope global/.exec(line);
        return match?.[1] !== undefined ? [canonical(match[1])] : [];
      });
      assert.deepEqual(global, [ipv6], report.addresses6.join('\n'));
      assert.ok(
        report.addresses6.every((line) => !line.includes('tentative')),
        report.addresses6.join('\n'),
      );
      // The router's RA (lifetime 300 s) gave the one default route, via its link-local on the qr- device.
      const defaults = report.routes6.filter((r) => r.startsWith('default'));
      assert.equal(
        defaults.length,
        1,
        `one default IPv6 route via ${routerFe80}:\n${report.routes6.join('\n')}`,
      );
      const via = /^default via ([0-9a-f:]+) dev eth0\b/.exec(defaults[0] ?? '')?.[1];
      assert.equal(via === undefined ? undefined : canonical(via), routerFe80, report.routes6.join('\n'));
      // And the router answers at its IPv6 gateway address (of 3 echoes at least one, as above).
      assert.ok(
        Number(report.pings['gateway6']) >= 1,
        `ping6 ${GATEWAY6} from the guest: ${report.pings['gateway6']}`,
      );
    } catch (error) {
      console.log(
        `--- guest console (${consolePath}) ---\n${boot.console}\n--- qemu ---\n${boot.qemuOutput}\n--- outside tcpdump ---\n${capture.output()}`,
      );
      throw error;
    }
  });
});
