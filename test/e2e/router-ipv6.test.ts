/**
 * Issues 15 and 13, IPv6 behind a router, end to end (docs/routers.md "IPv6"): `qdhcp all-in-one` (API,
 * DHCP and L3 roles in one process), routers made through the API, probes in namespaces on the networks'
 * bridges with the kernel's own SLAAC (accept_ra) and ISC `dhclient -6`; tcpdump's dissection of the router
 * advertisements (independent of our encoder).
 *
 *   [probe A] eth0 SLAAC in fd00:72:a::/64 ══ brq<A> ══ qr-A ┐
 *   [probe B] eth0 SLAAC in fd00:72:b::/64 ══ brq<B> ══ qr-B ┼ [<prefix>qrouter-<id>] forwarding, no NAT
 *   [probe C] dhclient -6  fd00:72:c::/64 ══ brq<C> ══ qr-C ┘
 *                                               └═ ns-… [<prefix>qdhcp-<net>] DHCPv6; RAs only when no router
 *
 * Proves: the router's RAs (lifetime 300 s, A on slaac, M on stateful, MTU) give a SLAAC probe its EUI-64
 * address and a default route via the router's fe80 address on qr-; the DHCP namespace stops advertising
 * a subnet once it is on the router and starts again when it leaves; a stateful subnet's addresses still
 * come from the DHCP namespace; ping6 between two routed subnets keeps its source (no NAT); removing the
 * interface takes the probe's default route away at once (the router's last RA has lifetime 0).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bridgeName } from '../../src/agent/naming.js';
import { AllInOne, type Json } from '../support/agent/all-in-one.js';
import { runDhclient6, waitForLinkLocal } from '../support/agent/dhclient6.js';
import { canUseNamespaces, type Namespace } from '../support/netns.js';

const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';

/** The EUI-64 link-local address of `mac`, as `ip` prints it. */
function linkLocalOf(mac: string): string {
  const b = mac.split(':').map((octet) => Number.parseInt(octet, 16));
  const group = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
  return `fe80::${group((b[0] ?? 0) ^ 2, b[1] ?? 0)}:${group(b[2] ?? 0, 0xff)}:${group(0xfe, b[3] ?? 0)}:${group(b[4] ?? 0, b[5] ?? 0)}`;
}

describe('IPv6 behind a router: advertisements from the router namespace, forwarding without NAT', {
  skip,
  concurrency: false,
}, () => {
  let aio: AllInOne;
  let routerId: string;
  const nets: Record<'a' | 'b' | 'c', { id: string; subnet: string }> = {
    a: { id: '', subnet: '' },
    b: { id: '', subnet: '' },
    c: { id: '', subnet: '' },
  };
  const probes: Partial<Record<'a' | 'b' | 'c', { ns: Namespace; address: string }>> = {};

  async function ipv6Network(name: string, cidr: string, mode: string) {
    const network = await aio.create('/v2.0/networks', 'network', { name });
    const id = String(network['id']);
    const subnet = await aio.create('/v2.0/subnets', 'subnet', {
      network_id: id,
      ip_version: 6,
      cidr,
      ipv6_address_mode: mode,
      ipv6_ra_mode: mode,
    });
    await aio.waitFor(`network ${name} served`, async () =>
      (await aio.served()).some((n) => n.networkId === id && n.state === 'serving') ? true : undefined,
    );
    return { id, subnet: String(subnet['id']) };
  }

  async function routerInterface(action: 'add' | 'remove', subnetId: string): Promise<void> {
    const reply = await aio.api('PUT', `/v2.0/routers/${routerId}/${action}_router_interface`, {
      subnet_id: subnetId,
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
  }

  /** The router's link-local address on a network: EUI-64 of its interface port's MAC. */
  async function routerLinkLocal(networkId: string): Promise<string> {
    const reply = await aio.api('GET', `/v2.0/ports?device_id=${routerId}&network_id=${networkId}`);
    const [port] = reply.body['ports'] as Json[];
    assert.ok(port, JSON.stringify(reply.body));
    return linkLocalOf(String(port['mac_address']));
  }

  /** The DHCP namespace's `ra.*` counters of a network (none while it does not advertise). */
  async function dhcpAdvertises(networkId: string): Promise<boolean> {
    const counters = (await aio.served()).find((n) => n.networkId === networkId)?.counters ?? {};
    return counters['ra.sent'] !== undefined;
  }

  /** The probe's IPv6 default routes: [gateway, device] pairs. */
  async function defaultRoutes(ns: Namespace): Promise<string[]> {
    const routes = JSON.parse((await ns.ip(['-6', '-j', 'route', 'show', 'default'])).stdout) as Json[];
    return routes.map((r) => `${String(r['gateway'])} ${String(r['dev'])}`);
  }

  /**
   * A probe with a port's MAC on `net`'s bridge; `capture` starts tcpdump for the first RA from `source`
   * before the probe's IPv6 comes up (its solicitation is answered at once), resolved with the dissection.
   */
  async function probe(net: 'a' | 'b' | 'c', mac: string, source: string) {
    await aio.create('/v2.0/ports', 'port', { network_id: nets[net].id, mac_address: mac, name: `p-${net}` });
    const ns = await aio.bed.addClient(mac, { namespace: aio.bed.host, bridge: bridgeName(nets[net].id) });
    const capture = await nextAdvertisement(ns, source, 25);
    await ns.exec('sysctl', [
      '-q',
      '-w',
      'net.ipv6.conf.eth0.accept_ra=2',
      'net.ipv6.conf.eth0.disable_ipv6=0',
    ]);
    return { ns, advertisement: capture.text };
  }

  /** The next router advertisement from `source` that `ns` sees (tcpdump -vv text), within `seconds`. */
  async function nextAdvertisement(ns: Namespace, source: string, seconds: number) {
    const filter = `icmp6 and ip6[40] == 134 and src ${source}`;
    const tcpdump = ['tcpdump', '-l', '-n', '-vv', '-c', '1', '-i', 'eth0', filter];
    const capture = ns.exec('timeout', [String(seconds), ...tcpdump], {
      allowFailure: true,
      timeoutMs: (seconds + 5) * 1000,
    });
    await new Promise((resolve) => setTimeout(resolve, 1000)); // tcpdump listening
    return { text: capture.then((result) => result.stdout) };
  }

  async function slaacAddress(ns: Namespace, expected: string): Promise<void> {
    await aio.waitFor(`SLAAC address ${expected}`, async () => {
      const shown = (await ns.ip(['-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'global'])).stdout;
      return shown.includes(`inet6 ${expected}/64`) && !shown.includes('tentative') ? true : undefined;
    });
  }

  before(async () => {
    aio = await AllInOne.start('r6');
    nets.a = await ipv6Network('r6-a', 'fd00:72:a::/64', 'slaac');
    nets.b = await ipv6Network('r6-b', 'fd00:72:b::/64', 'slaac');
    nets.c = await ipv6Network('r6-c', 'fd00:72:c::/64', 'dhcpv6-stateful');
    routerId = String((await aio.create('/v2.0/routers', 'router', { name: 'r6' }))['id']);
  });

  after(async () => {
    await aio?.teardown();
  });

  test('slaac on a router: the DHCP namespace stops advertising; the router’s RA gives the EUI-64 address and a default route via its fe80 on qr-', async () => {
    await aio.waitFor('the DHCP namespace advertises the isolated subnet', async () =>
      (await dhcpAdvertises(nets.a.id)) ? true : undefined,
    );
    await routerInterface('add', nets.a.subnet);
    await aio.waitFor('the DHCP namespace no longer advertises it', async () =>
      (await dhcpAdvertises(nets.a.id)) ? undefined : true,
    );
    const gateway = await routerLinkLocal(nets.a.id);
    const mac = 'fa:16:3e:72:0a:05';
    const { ns, advertisement } = await probe('a', mac, gateway);
    const ra = await advertisement;
    assert.match(ra, /router advertisement/, `no RA from the router (${gateway}):\n${ra}\n${aio.output()}`);
    assert.match(ra, /Flags \[none\][^\n]*router lifetime 300s/);
    assert.match(ra, /prefix info option \(3\)[^\n]*\n?[^\n]*fd00:72:a::\/64, Flags \[onlink, auto\]/);
    assert.match(ra, /mtu option \(5\)/);
    const address = 'fd00:72:a:0:f816:3eff:fe72:a05';
    await slaacAddress(ns, address);
    const routes = await aio.waitFor('a default route from the RA', async () => {
      const found = await defaultRoutes(ns);
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(routes, [`${gateway} eth0`]);
    probes.a = { ns, address };
  });

  test('dhcpv6-stateful on a router: the RA has M (no A), dhclient -6 gets the address from the DHCP namespace', async () => {
    await routerInterface('add', nets.c.subnet);
    const gateway = await routerLinkLocal(nets.c.id);
    const mac = 'fa:16:3e:72:0c:05';
    const { ns, advertisement } = await probe('c', mac, gateway);
    const ra = await advertisement;
    assert.match(ra, /Flags \[managed\][^\n]*router lifetime 300s/, `${ra}\n${aio.output()}`);
    assert.match(ra, /fd00:72:c::\/64, Flags \[onlink\],/);
    const ports = await aio.api('GET', `/v2.0/ports?network_id=${nets.c.id}&mac_address=${mac}`);
    const [port] = ports.body['ports'] as Json[];
    assert.ok(port, JSON.stringify(ports.body));
    const fixed = (port['fixed_ips'] as Json[])[0]?.['ip_address'];
    assert.ok(typeof fixed === 'string' && fixed.startsWith('fd00:72:c:'), JSON.stringify(port));
    await waitForLinkLocal(ns, 'eth0');
    const got = await runDhclient6(ns, aio.bed.sandbox, 'eth0', { label: 'r6-stateful' });
    assert.ok(got.reasons.includes('BOUND6'), `${got.reasons.join(',')}\n${got.result.stderr}`);
    assert.equal(got.vars['new_ip6_address'], fixed);
    assert.deepEqual(await defaultRoutes(ns), [`${gateway} eth0`]);
  });

  test('two IPv6 subnets on one router: ping6 between probes is forwarded with its source address kept', async () => {
    await routerInterface('add', nets.b.subnet);
    const gateway = await routerLinkLocal(nets.b.id);
    const { ns, advertisement } = await probe('b', 'fa:16:3e:72:0b:05', gateway);
    await advertisement;
    const address = 'fd00:72:b:0:f816:3eff:fe72:b05';
    await slaacAddress(ns, address);
    const a = probes.a;
    assert.ok(a, 'probe A from the first test');
    // B sees A's own address on the echo requests: forwarded, not translated.
    const seen = ns.exec(
      'timeout',
      ['15', 'tcpdump', '-l', '-n', '-c', '1', '-i', 'eth0', `icmp6 and ip6[40] == 128`],
      { allowFailure: true, timeoutMs: 20_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const ping = await a.ns.exec('ping', ['-6', '-c', '3', '-W', '2', address], {
      allowFailure: true,
      timeoutMs: 15_000,
    });
    assert.equal(ping.code, 0, `ping6 A → B through the router: ${ping.stdout}${ping.stderr}`);
    assert.match(ping.stdout, new RegExp(`bytes from ${address}`), 'the reply comes from B itself');
    const request = (await seen).stdout;
    assert.match(request, new RegExp(`IP6 ${a.address} > ${address}: ICMP6, echo request`), request);
  });

  test('removing the interface: the probe’s default route goes at once (lifetime-0 RA), the DHCP namespace advertises again', async () => {
    const a = probes.a;
    assert.ok(a, 'probe A from the first test');
    const gateway = await routerLinkLocal(nets.a.id);
    assert.deepEqual(await defaultRoutes(a.ns), [`${gateway} eth0`]);
    const goodbye = await nextAdvertisement(a.ns, gateway, 15);
    await routerInterface('remove', nets.a.subnet);
    assert.match(await goodbye.text, /router lifetime 0s/);
    // Bounded well below the 300 s the route would otherwise live.
    await aio.waitFor(
      'the default route gone',
      async () => ((await defaultRoutes(a.ns)).length === 0 ? true : undefined),
      10_000,
    );
    await aio.waitFor('the DHCP namespace advertises the subnet again', async () =>
      (await dhcpAdvertises(nets.a.id)) ? true : undefined,
    );
    // The address stays: the DHCP namespace's RA carries the prefix again, with router lifetime 0.
    const shown = (await a.ns.ip(['-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'global'])).stdout;
    assert.ok(shown.includes(a.address), shown);
    assert.deepEqual(await defaultRoutes(a.ns), []);
  });
});
