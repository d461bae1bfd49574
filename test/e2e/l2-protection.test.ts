/**
 * Issue 14's host half, end to end: two instances (namespaces whose eth0 is the peer of a veth made by
 * `qdhcp port plug --veth-peer`, host end `tap<port id[0:11]>`) on an all-in-one whose L2 role wires and
 * protects them. Frames are forged with a raw AF_PACKET socket in A and looked for with tcpdump in B; each
 * "blocked" check has its "passes" twin (the real address, an address pair, port security off), so a
 * protection that lets everything through, or blocks everything, fails the test.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { readL2Table } from '../../src/linux/nft-l2.js';
import { elementsOfTap } from '../../src/linux/nft-l2-rules.js';
import { AllInOne, type Json } from '../support/agent/all-in-one.js';
import { udhcpcOnce } from '../support/agent/dhcp-clients.js';
import { canUseNamespaces, type Namespace } from '../support/netns.js';
import { countFramesSeen } from '../support/tcpdump-count.js';

const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';

/** Sends a hex frame `count` times on eth0 of a namespace (raw socket: nothing of the stack in the way). */
const SENDER = `import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
for _ in range(int(sys.argv[2])):
    s.send(bytes.fromhex(sys.argv[1]))
`;

const macBytes = (mac: string): Buffer => Buffer.from(mac.replaceAll(':', ''), 'hex');
const ipBytes = (ip: string): Buffer => Buffer.from(ip.split('.').map(Number));

function checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += header.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Ethernet + IPv4 + UDP (UDP checksum 0: allowed in IPv4). */
function udpFrame(f: {
  srcMac: string;
  dstMac: string;
  srcIp: string;
  dstIp: string;
  sport: number;
  dport: number;
}): string {
  const payload = Buffer.from('qdhcp-l2-protection-test');
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(f.sport, 0);
  udp.writeUInt16BE(f.dport, 2);
  udp.writeUInt16BE(8 + payload.length, 4);
  const ip = Buffer.alloc(20);
  ip.writeUInt8(0x45, 0);
  ip.writeUInt16BE(20 + 8 + payload.length, 2);
  ip.writeUInt8(64, 8);
  ip.writeUInt8(17, 9);
  ipBytes(f.srcIp).copy(ip, 12);
  ipBytes(f.dstIp).copy(ip, 16);
  ip.writeUInt16BE(checksum(ip), 10);
  const eth = Buffer.concat([macBytes(f.dstMac), macBytes(f.srcMac), Buffer.from([0x08, 0x00])]);
  return Buffer.concat([eth, ip, udp, payload]).toString('hex');
}

/**
 * tcpdump filter for the forged reply only: an ARP reply (opcode 2) from `mac` claiming `senderIp`. A's own
 * legitimate ARP requests (its kernel resolving B or the gateway) may cross during the capture and must not count.
 */
function forgedReplyFilter(mac: string, senderIp: string): string {
  const hex = senderIp
    .split('.')
    .map((octet) => Number(octet).toString(16).padStart(2, '0'))
    .join('');
  return `arp and ether src ${mac} and arp[6:2] = 2 and arp[14:4] = 0x${hex}`;
}

/** An ARP reply "senderIp is-at senderMac" to `target`. */
function arpReply(f: { senderMac: string; senderIp: string; targetMac: string; targetIp: string }): string {
  const eth = Buffer.concat([macBytes(f.targetMac), macBytes(f.senderMac), Buffer.from([0x08, 0x06])]);
  const arp = Buffer.concat([
    Buffer.from([0, 1, 8, 0, 6, 4, 0, 2]),
    macBytes(f.senderMac),
    ipBytes(f.senderIp),
    macBytes(f.targetMac),
    ipBytes(f.targetIp),
  ]);
  return Buffer.concat([eth, arp]).toString('hex');
}

interface Instance {
  readonly ns: Namespace;
  readonly portId: string;
  readonly mac: string;
  readonly ip: string;
  readonly tap: string;
}

describe('L2 role: instance taps wired and protected (issue 14)', { skip, concurrency: false }, () => {
  let aio: AllInOne;
  let networkId: string;
  let a: Instance;
  let b: Instance;
  let sender: string;

  const qdhcpPort = (args: readonly string[]) =>
    aio.qdhcp(['port', ...args, '--host-namespace', aio.bed.host.name]);

  async function plugged(name: string): Promise<Instance> {
    const port = await aio.create('/v2.0/ports', 'port', { network_id: networkId, name });
    const ns = await aio.bed.sandbox.addNamespace(name);
    const out = await qdhcpPort(['plug', String(port['id']), '--api', aio.apiUrl, '--veth-peer', ns.name]);
    assert.equal(out.code, 0, out.stderr);
    const ip = String((port['fixed_ips'] as Json[])[0]?.['ip_address']);
    return { ns, portId: String(port['id']), mac: String(port['mac_address']), ip, tap: out.stdout.trim() };
  }

  async function portOf(id: string): Promise<Json> {
    return (await aio.api('GET', `/v2.0/ports/${id}`)).body['port'] as Json;
  }

  async function updatePort(id: string, fields: Json): Promise<void> {
    const reply = await aio.api('PUT', `/v2.0/ports/${id}`, { port: fields });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
  }

  async function ipv4Set(tap: string): Promise<readonly string[] | undefined> {
    const elements = (await readL2Table(aio.bed.host.name)).elements.get('v4') ?? [];
    return elements.filter((e) => e.startsWith(`${tap} . `)).map((e) => e.slice(`${tap} . `.length));
  }

  /** Frames B's eth0 sees matching `filter` while `send` runs (test/support/tcpdump-count.ts). */
  const seenByB = (filter: string, send: () => Promise<void>): Promise<number> =>
    countFramesSeen(b.ns.name, 'eth0', filter, send);

  async function sendFromA(frame: string): Promise<void> {
    await a.ns.exec('python3', [sender, frame, '3']);
  }

  before(async () => {
    aio = await AllInOne.start('l2p');
    sender = aio.bed.path('send-frame.py');
    writeFileSync(sender, SENDER);
    // IPAM picks addresses at random: the pool stops at .199 so that no port can hold the spoofed (.250,
    // .252), victim (.251) or pair (.240, .241) addresses, nor the rogue DHCP server's range (.200–.210).
    const { network } = await aio.servedNetwork('l2net', '10.79.0.0/24', {
      allocation_pools: [{ start: '10.79.0.2', end: '10.79.0.199' }],
    });
    networkId = String(network['id']);
    a = await plugged('ia');
    b = await plugged('ib');
    await a.ns.ip(['addr', 'add', `${a.ip}/24`, 'dev', 'eth0']);
  });

  after(async () => {
    await aio?.teardown();
  });

  test('plugged taps are wired into the bridge and bound to the host; served and wired, ACTIVE', async () => {
    for (const instance of [a, b]) {
      assert.match(instance.tap, /^tap[0-9a-f]{8}-[0-9a-f]{2}$/);
      const port = await aio.waitFor(`${instance.tap} bound`, async () => {
        const view = await portOf(instance.portId);
        return view['binding:host_id'] === 'aio-host' ? view : undefined;
      });
      assert.equal(port['binding:vif_type'], 'bridge');
      // Both provisioning blocks lifted: the DHCP agent serves it and the L2 role wired it.
      await aio.waitFor(`${instance.portId} ACTIVE`, async () =>
        (await portOf(instance.portId))['status'] === 'ACTIVE' ? true : undefined,
      );
      await aio.waitFor(`${instance.tap} protected`, async () =>
        (await ipv4Set(instance.tap))?.includes(instance.ip) ? true : undefined,
      );
    }
    const link = await aio.bed.host.ip(['-o', 'link', 'show', 'dev', b.tap]);
    assert.match(link.stdout, /master brq/);
  });

  test("B's DISCOVER is answered by qdhcp through the wired tap", async () => {
    const lease = await udhcpcOnce(aio.bed, b.ns);
    assert.equal(lease?.['ip'], b.ip, aio.output());
    await b.ns.ip(['addr', 'add', `${b.ip}/24`, 'dev', 'eth0']);
  });

  test("a DHCP server in A cannot answer B's DISCOVER; qdhcp's answer still arrives", async () => {
    const leases = aio.bed.path('a-leases');
    const server = aio.bed.sandbox.spawn(a.ns, 'dnsmasq-in-a', 'dnsmasq', [
      ...['--no-daemon', '--conf-file=/dev/null', '--port=0', '--interface=eth0', '--bind-interfaces'],
      ...['--dhcp-range=10.79.0.200,10.79.0.210,60', '--dhcp-authoritative', `--dhcp-leasefile=${leases}`],
      '--pid-file=',
    ]);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      let lease: Readonly<Record<string, string>> | undefined;
      const offers = await seenByB(`udp src port 67 and ether src ${a.mac}`, async () => {
        lease = await udhcpcOnce(aio.bed, b.ns);
      });
      assert.equal(offers, 0, "A's DHCP server reached B");
      assert.equal(lease?.['ip'], b.ip);
    } finally {
      await server.stop();
    }
  });

  test('a spoofed source MAC from A never reaches B (its real MAC does)', async () => {
    const frame = (srcMac: string) =>
      udpFrame({ srcMac, dstMac: b.mac, srcIp: a.ip, dstIp: b.ip, sport: 9999, dport: 9999 });
    assert.equal(
      await seenByB('ether src fa:16:3e:de:ad:01', () => sendFromA(frame('fa:16:3e:de:ad:01'))),
      0,
    );
    assert.ok((await seenByB(`udp port 9999 and ether src ${a.mac}`, () => sendFromA(frame(a.mac)))) > 0);
  });

  test('a spoofed source IP from A never reaches B (its fixed IP does)', async () => {
    const frame = (srcIp: string) =>
      udpFrame({ srcMac: a.mac, dstMac: b.mac, srcIp, dstIp: b.ip, sport: 9999, dport: 9999 });
    assert.equal(await seenByB('src host 10.79.0.250', () => sendFromA(frame('10.79.0.250'))), 0);
    assert.ok((await seenByB(`udp port 9999 and src host ${a.ip}`, () => sendFromA(frame(a.ip)))) > 0);
  });

  test("a forged ARP reply from A does not change B's neighbour table", async () => {
    const victim = '10.79.0.251';
    await b.ns.ip(['neigh', 'replace', victim, 'lladdr', '02:00:00:00:00:99', 'dev', 'eth0', 'nud', 'stale']);
    const forged = arpReply({ senderMac: a.mac, senderIp: victim, targetMac: b.mac, targetIp: b.ip });
    assert.equal(await seenByB(forgedReplyFilter(a.mac, victim), () => sendFromA(forged)), 0);
    const neigh = await b.ns.ip(['neigh', 'show', victim, 'dev', 'eth0']);
    assert.match(neigh.stdout, /02:00:00:00:00:99/);
  });

  test('allowed_address_pairs lets exactly the listed address through', async (t) => {
    await updatePort(a.portId, { allowed_address_pairs: [{ ip_address: '10.79.0.240' }] });
    const changed = performance.now();
    await aio.waitFor('pair in the set', async () =>
      (await ipv4Set(a.tap))?.includes('10.79.0.240') ? true : undefined,
    );
    t.diagnostic(
      `PUT allowed_address_pairs → element in the kernel: ${(performance.now() - changed).toFixed(0)} ms (polled every 200 ms)`,
    );
    const frame = (srcIp: string) =>
      udpFrame({ srcMac: a.mac, dstMac: b.mac, srcIp, dstIp: b.ip, sport: 9999, dport: 9999 });
    assert.ok((await seenByB('src host 10.79.0.240', () => sendFromA(frame('10.79.0.240')))) > 0);
    assert.equal(await seenByB('src host 10.79.0.241', () => sendFromA(frame('10.79.0.241'))), 0);
  });

  test('port security off lets everything through (no rule at all, as Neutron)', async () => {
    await updatePort(a.portId, {
      port_security_enabled: false,
      allowed_address_pairs: [],
      security_groups: [],
    });
    await aio.waitFor('protection removed', async () =>
      (await readL2Table(aio.bed.host.name)).protectedTaps.has(a.tap) ? undefined : true,
    );
    const spoofed = udpFrame({
      srcMac: 'fa:16:3e:de:ad:02',
      dstMac: b.mac,
      srcIp: '10.79.0.252',
      dstIp: b.ip,
      sport: 67,
      dport: 68,
    });
    assert.ok((await seenByB('ether src fa:16:3e:de:ad:02', () => sendFromA(spoofed))) > 0);
    const victim = '10.79.0.251';
    const forged = arpReply({ senderMac: a.mac, senderIp: victim, targetMac: b.mac, targetIp: b.ip });
    assert.ok((await seenByB(forgedReplyFilter(a.mac, victim), () => sendFromA(forged))) > 0);
    await updatePort(a.portId, { port_security_enabled: true });
    await aio.waitFor('protection back', async () =>
      (await readL2Table(aio.bed.host.name)).protectedTaps.has(a.tap) ? true : undefined,
    );
  });

  test('qdhcp port unplug: the tap goes, its rules and set elements go, the port goes DOWN', async () => {
    const out = await qdhcpPort(['unplug', a.portId]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.trim(), a.tap);
    await aio.waitFor('rules of the tap removed', async () => {
      const left = elementsOfTap(await readL2Table(aio.bed.host.name), a.tap);
      return left.length === 0 ? true : undefined;
    });
    // l2.port_bound up=false: the L2 block is back; the DHCP agent's next readiness reports (it still
    // serves the port) do not make it ACTIVE again.
    await aio.waitFor('port DOWN', async () =>
      (await portOf(a.portId))['status'] === 'DOWN' ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal((await portOf(a.portId))['status'], 'DOWN', 'still DOWN after the DHCP agent reported');
    // B's protection is untouched.
    assert.ok((await ipv4Set(b.tap))?.includes(b.ip));
  });

  test("qdhcp port plug without --veth-peer makes a tap device (libvirt's kind)", async () => {
    const port = await aio.create('/v2.0/ports', 'port', { network_id: networkId, name: 'ic' });
    const out = await qdhcpPort(['plug', String(port['id']), '--api', aio.apiUrl]);
    assert.equal(out.code, 0, out.stderr);
    const tap = out.stdout.trim();
    // docs/compute.md's libvirt example names the device this way: its target dev is a plug output.
    const doc = readFileSync(new URL('../../../docs/compute.md', import.meta.url), 'utf8');
    const example = /<interface type='ethernet'>[\s\S]*?<target dev='(tap[^']+)' managed='no'\/>/.exec(doc);
    assert.match(example?.[1] ?? '', /^tap[0-9a-f]{8}-[0-9a-f]{2}$/);
    assert.equal(tap, `tap${String(port['id']).slice(0, 11)}`);
    const shown = await aio.bed.host.ip(['-d', '-o', 'link', 'show', 'dev', tap]);
    assert.match(shown.stdout, /tun type tap/);
    await aio.waitFor('tap bound', async () =>
      (await portOf(String(port['id'])))['binding:host_id'] === 'aio-host' ? true : undefined,
    );
    assert.equal((await qdhcpPort(['unplug', String(port['id'])])).code, 0);
    const bad = await qdhcpPort(['unplug', 'not-a-port']);
    assert.equal(bad.code, 2);
  });
});
