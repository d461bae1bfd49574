/**
 * Issue 14's "the same spoofing and guard checks for IPv6" and issue 15's "protection lets exactly the
 * legitimate IPv6 traffic through", end to end: two instances (`qdhcp port plug --veth-peer`, protected by
 * the all-in-one's L2 role) on a dual-stack network with a DHCPv6-stateful and a SLAAC subnet. The
 * legitimate traffic first (the kernel's SLAAC, `dhclient -6`, neighbour discovery), then the forged
 * frames (raw AF_PACKET in A, tcpdump in B): a spoofed source, an unsolicited neighbour advertisement for
 * B's address, a router advertisement, a DHCPv6 server in A; each "blocked" check has its "passes" twin
 * (the real address, an address pair, port security off).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { readL2Table } from '../../src/linux/nft-l2.js';
import { AllInOne, type Json } from '../support/agent/all-in-one.js';
import { runDhclient6 } from '../support/agent/dhclient6.js';
import { ip6Bytes, linkLocalOf, neighbourAdvert, routerAdvert, udp6Frame } from '../support/ipv6-frames.js';
import { canUseNamespaces, type Namespace } from '../support/netns.js';
import { countFramesSeen } from '../support/tcpdump-count.js';

const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';

const SENDER = `import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
for _ in range(int(sys.argv[2])):
    s.send(bytes.fromhex(sys.argv[1]))
`;

const STATEFUL = 'fd00:81::/64';
const SLAAC = 'fd00:82::/64';

interface Instance {
  readonly ns: Namespace;
  readonly portId: string;
  readonly mac: string;
  readonly tap: string;
  /** The port's address on the DHCPv6-stateful subnet and the one on the SLAAC subnet. */
  readonly stateful: string;
  readonly slaac: string;
  readonly linkLocal: string;
}

/** tcpdump: the last 4 bytes of an ICMPv6 packet's target field (neighbour advertisements). */
function targetTail(address: string): string {
  return `0x${ip6Bytes(address).subarray(12).toString('hex')}`;
}

describe('L2 role: IPv6 protection end to end (issues 14 and 15)', { skip, concurrency: false }, () => {
  let aio: AllInOne;
  let networkId: string;
  let subnetIds: { stateful: string; slaac: string };
  let a: Instance;
  let b: Instance;
  let sender: string;

  const qdhcpPort = (args: readonly string[]) =>
    aio.qdhcp(['port', ...args, '--host-namespace', aio.bed.host.name]);

  async function plugged(name: string): Promise<Instance> {
    const port = await aio.create('/v2.0/ports', 'port', { network_id: networkId, name });
    const fixed = port['fixed_ips'] as Json[];
    const on = (subnet: string) => String(fixed.find((f) => f['subnet_id'] === subnet)?.['ip_address']);
    const ns = await aio.bed.sandbox.addNamespace(name);
    const out = await qdhcpPort(['plug', String(port['id']), '--api', aio.apiUrl, '--veth-peer', ns.name]);
    assert.equal(out.code, 0, out.stderr);
    await ns.exec('sysctl', [
      '-q',
      '-w',
      'net.ipv6.conf.eth0.accept_ra=2',
      'net.ipv6.conf.eth0.disable_ipv6=0',
    ]);
    const mac = String(port['mac_address']);
    return {
      ns,
      portId: String(port['id']),
      mac,
      tap: out.stdout.trim(),
      stateful: on(subnetIds.stateful),
      slaac: on(subnetIds.slaac),
      linkLocal: linkLocalOf(mac),
    };
  }

  async function updatePort(id: string, fields: Json): Promise<void> {
    const reply = await aio.api('PUT', `/v2.0/ports/${id}`, { port: fields });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
  }

  async function ipv6Set(tap: string): Promise<readonly string[]> {
    const elements = (await readL2Table(aio.bed.host.name)).elements.get('v6') ?? [];
    return elements.filter((e) => e.startsWith(`${tap} . `)).map((e) => e.slice(`${tap} . `.length));
  }

  /** Frames B's eth0 sees matching `filter` while `send` runs (test/support/tcpdump-count.ts). */
  const seenByB = (filter: string, send: () => Promise<void>): Promise<number> =>
    countFramesSeen(b.ns.name, 'eth0', filter, send);

  async function sendFromA(frame: string): Promise<void> {
    await a.ns.exec('python3', [sender, frame, '3']);
  }

  const udpFromA = (srcIp: string) =>
    udp6Frame({ srcMac: a.mac, dstMac: b.mac, srcIp, dstIp: b.stateful, sport: 9999, dport: 9999 });

  /** A router advertisement from A's link-local: a default router and the prefix fd00:99::/64. */
  const raFromA = () =>
    routerAdvert({
      srcMac: a.mac,
      srcIp: a.linkLocal,
      dstIp: 'ff02::1',
      prefix: 'fd00:99::',
      lifetime: 1800,
    });

  before(async () => {
    aio = await AllInOne.start('l2v6');
    sender = aio.bed.path('send-frame.py');
    writeFileSync(sender, SENDER);
    const network = await aio.create('/v2.0/networks', 'network', { name: 'l2v6' });
    networkId = String(network['id']);
    await aio.create('/v2.0/subnets', 'subnet', {
      network_id: networkId,
      ip_version: 4,
      cidr: '10.81.0.0/24',
    });
    const stateful = await aio.create('/v2.0/subnets', 'subnet', {
      ...{ network_id: networkId, ip_version: 6, cidr: STATEFUL },
      ...{ ipv6_address_mode: 'dhcpv6-stateful', ipv6_ra_mode: 'dhcpv6-stateful' },
    });
    const slaac = await aio.create('/v2.0/subnets', 'subnet', {
      ...{ network_id: networkId, ip_version: 6, cidr: SLAAC },
      ...{ ipv6_address_mode: 'slaac', ipv6_ra_mode: 'slaac' },
    });
    subnetIds = { stateful: String(stateful['id']), slaac: String(slaac['id']) };
    await aio.waitFor('network served', async () =>
      (await aio.served()).some((n) => n.networkId === networkId && n.state === 'serving') ? true : undefined,
    );
    a = await plugged('ia');
    b = await plugged('ib');
  });

  after(async () => {
    await aio?.teardown();
  });

  test('both taps are protected with their fixed IPv6 addresses and link-local', async () => {
    for (const instance of [a, b]) {
      assert.match(instance.stateful, /^fd00:81::/);
      assert.match(instance.slaac, /^fd00:82::f816:3eff:fe/);
      const set = await aio.waitFor(`${instance.tap} protected for IPv6`, async () => {
        const elements = await ipv6Set(instance.tap);
        return elements.includes(instance.stateful) ? elements : undefined;
      });
      assert.deepEqual(
        [...set].sort(),
        [instance.stateful, instance.slaac, instance.linkLocal].sort(),
        'exactly the fixed IPv6 addresses and the link-local',
      );
    }
  });

  test('SLAAC: the kernel of each instance forms its port’s address from qdhcp’s advertisement', async () => {
    for (const instance of [a, b]) {
      await aio.waitFor(
        `${instance.tap} SLAAC address`,
        async () => {
          const shown = await instance.ns.ip(['-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'global']);
          return shown.stdout.includes(`inet6 ${instance.slaac}/64`) && !/tentative/.test(shown.stdout)
            ? true
            : undefined;
        },
        30_000,
      );
    }
  });

  test('dhclient -6 (stateful) in B gets exactly its port’s address through the protected tap', async () => {
    const got = await runDhclient6(b.ns, aio.bed.sandbox, 'eth0', { label: 'b-stateful' });
    assert.ok(got.reasons.includes('BOUND6'), `${got.reasons.join(',')}\n${got.result.stderr}`);
    assert.equal(got.vars['new_ip6_address'], b.stateful);
    for (const instance of [a, b])
      await instance.ns.ip(['-6', 'addr', 'add', `${instance.stateful}/64`, 'dev', 'eth0', 'nodad']);
  });

  test('neighbour discovery works: B reaches A on its stateful, SLAAC and link-local addresses', async () => {
    for (const target of [a.stateful, a.slaac, `${a.linkLocal}%eth0`]) {
      const ping = await b.ns.exec('ping', ['-6', '-c', '2', '-W', '3', target], { allowFailure: true });
      assert.equal(ping.code, 0, `ping ${target}: ${ping.stdout}${ping.stderr}`);
    }
    const neigh = await b.ns.ip(['-6', 'neigh', 'show', a.stateful, 'dev', 'eth0']);
    assert.match(neigh.stdout, new RegExp(a.mac));
  });

  test('a spoofed IPv6 source from A never reaches B (its fixed address does)', async () => {
    assert.equal(
      await seenByB('ip6 and src host fd00:81::dead', () => sendFromA(udpFromA('fd00:81::dead'))),
      0,
    );
    assert.ok(
      (await seenByB(`udp port 9999 and src host ${a.stateful}`, () => sendFromA(udpFromA(a.stateful)))) > 0,
    );
  });

  test("an unsolicited neighbour advertisement from A for B's address is dropped (one for A's own passes)", async () => {
    const filter = (target: string) =>
      `icmp6 and ip6[40] == 136 and ip6[44] & 0x40 == 0 and ip6[60:4] = ${targetTail(target)} and ether src ${a.mac}`;
    const forged = neighbourAdvert({
      ...{ srcMac: a.mac, srcIp: a.linkLocal, dstIp: 'ff02::1' },
      ...{ target: b.stateful, targetMac: a.mac },
    });
    assert.equal(await seenByB(filter(b.stateful), () => sendFromA(forged)), 0);
    const own = neighbourAdvert({
      ...{ srcMac: a.mac, srcIp: a.linkLocal, dstIp: 'ff02::1' },
      ...{ target: a.stateful, targetMac: a.mac },
    });
    assert.ok((await seenByB(filter(a.stateful), () => sendFromA(own))) > 0);
  });

  test('a router advertisement sent from A never reaches B: no default route, no address from it', async () => {
    const seen = await seenByB(`icmp6 and ip6[40] == 134 and ether src ${a.mac}`, () => sendFromA(raFromA()));
    assert.equal(seen, 0);
    assert.equal((await b.ns.ip(['-6', 'route', 'show', 'default'])).stdout.trim(), '');
    assert.doesNotMatch((await b.ns.ip(['-6', 'addr', 'show', 'dev', 'eth0'])).stdout, /fd00:99:/);
  });

  test("a DHCPv6 server in A cannot answer B's Solicit; qdhcp's answer still arrives", async () => {
    const server = aio.bed.sandbox.spawn(a.ns, 'dnsmasq6-in-a', 'dnsmasq', [
      ...['--no-daemon', '--conf-file=/dev/null', '--port=0', '--interface=eth0', '--bind-interfaces'],
      ...['--dhcp-range=fd00:81::f000,fd00:81::ffff,64,10m', '--dhcp-authoritative'],
      ...[`--dhcp-leasefile=${aio.bed.path('a-leases6')}`, '--pid-file=', '--log-facility=-', '--log-dhcp'],
    ]);
    try {
      await server.waitForOutput(/DHCPv6, IP range/, 10_000);
      let got: Awaited<ReturnType<typeof runDhclient6>> | undefined;
      const answers = await seenByB(`udp src port 547 and ether src ${a.mac}`, async () => {
        got = await runDhclient6(b.ns, aio.bed.sandbox, 'eth0', { label: 'b-rogue' });
      });
      assert.equal(answers, 0, "A's DHCPv6 server reached B");
      assert.equal(got?.vars['new_ip6_address'], b.stateful);
      assert.ok(/DHCPADVERTISE|DHCPREPLY|DHCPV6 (ADVERTISE|REPLY)/i.test(server.output()), server.output());
    } finally {
      await server.stop();
    }
  });

  test('an IPv6 allowed_address_pair lets exactly that address through', async () => {
    await updatePort(a.portId, { allowed_address_pairs: [{ ip_address: 'fd00:81::240' }] });
    await aio.waitFor('pair in the set', async () =>
      (await ipv6Set(a.tap)).includes('fd00:81::240') ? true : undefined,
    );
    assert.ok(
      (await seenByB('ip6 and src host fd00:81::240', () => sendFromA(udpFromA('fd00:81::240')))) > 0,
    );
    assert.equal(
      await seenByB('ip6 and src host fd00:81::241', () => sendFromA(udpFromA('fd00:81::241'))),
      0,
    );
  });

  test('port security off: the spoofed source and the router advertisement reach B', async () => {
    await updatePort(a.portId, {
      port_security_enabled: false,
      allowed_address_pairs: [],
      security_groups: [],
    });
    await aio.waitFor('protection removed', async () =>
      (await readL2Table(aio.bed.host.name)).protectedTaps.has(a.tap) ? undefined : true,
    );
    assert.ok(
      (await seenByB('ip6 and src host fd00:81::dead', () => sendFromA(udpFromA('fd00:81::dead')))) > 0,
    );
    assert.ok(
      (await seenByB(`icmp6 and ip6[40] == 134 and ether src ${a.mac}`, () => sendFromA(raFromA()))) > 0,
    );
    // The check above is the one that would catch a leak: B's kernel took the advertisement.
    await aio.waitFor('B took the forged router', async () => {
      const routes = (await b.ns.ip(['-6', 'route', 'show', 'default'])).stdout;
      return routes.includes(a.linkLocal) ? true : undefined;
    });
  });
});
