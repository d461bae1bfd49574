/**
 * Issue 13's data plane, proven in namespaces (docs/routers.md): a host namespace holds the bridges
 * (host_namespace style), an "outside" namespace (the upstream gateway 172.24.4.1, with a whoami server) is
 * on the external network's bridge, an instance (10.0.0.5, default route via the router's 10.0.0.1) on the
 * tenant bridge. `LinuxRouterDataPlane.converge` is driven with RouterSpecs directly; test/support/whoami-main.ts
 * tells each side which source address it saw.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bridgeName, routerNamespaceName, tapName } from '../../src/agent/naming.js';
import { LinuxRouterDataPlane } from '../../src/agent/router/linux-router-data-plane.js';
import { ROUTER_METADATA_PORT } from '../../src/agent/router/metadata-redirect.js';
import { ROUTER_NFT_FAMILY, ROUTER_NFT_TABLE } from '../../src/agent/router/router-nft.js';
import type { RouterSpec } from '../../src/agent/router/router-spec.js';
import { readNftTable } from '../../src/linux/nftables.js';
import { parseNftTable } from '../../src/linux/observed-nft.js';
import { runCommand } from '../../src/linux/run-command.js';
import { canUseNamespaces, Namespace, Sandbox } from '../support/netns.js';

const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';
const WHOAMI = join(fileURLToPath(import.meta.url), '..', '..', 'support', 'whoami-main.js');
const PORT = 8080;
const GATEWAY_ADDRESS = '172.24.4.2';
const FLOATING = '172.24.4.10';
const UPSTREAM = '172.24.4.1';

const routerId = randomUUID();
const tenantNet = randomUUID();
const externalNet = randomUUID();
const interfacePort = randomUUID();
const gatewayPort = randomUUID();

function spec(extra: Partial<RouterSpec> = {}): RouterSpec {
  return {
    id: routerId,
    projectId: 'p',
    adminStateUp: true,
    revision: 1,
    gateway: {
      portId: gatewayPort,
      networkId: externalNet,
      macAddress: 'fa:16:3e:00:00:02',
      mtu: 1500,
      enableSnat: true,
      addresses: [
        {
          subnetId: 'ext',
          ipAddress: GATEWAY_ADDRESS,
          cidr: '172.24.4.0/24',
          ipVersion: 4,
          gatewayIp: UPSTREAM,
        },
        {
          subnetId: 'ext6',
          ipAddress: '2001:db8::2',
          cidr: '2001:db8::/64',
          ipVersion: 6,
          gatewayIp: '2001:db8::1',
        },
      ],
    },
    interfaces: [
      {
        portId: interfacePort,
        networkId: tenantNet,
        macAddress: 'fa:16:3e:00:00:01',
        mtu: 1450,
        addresses: [
          { subnetId: 'v4', ipAddress: '10.0.0.1', cidr: '10.0.0.0/24', ipVersion: 4, gatewayIp: '10.0.0.1' },
          {
            subnetId: 'v6',
            ipAddress: '2001:db8:1::1',
            cidr: '2001:db8:1::/64',
            ipVersion: 6,
            gatewayIp: '2001:db8:1::1',
          },
        ],
      },
    ],
    floatingIps: [],
    routes: [{ destination: '192.168.50.0/24', nexthop: '10.0.0.5' }],
    ...extra,
  };
}

const withFloatingIp = (): RouterSpec =>
  spec({
    revision: 2,
    floatingIps: [{ id: 'fip', floatingIpAddress: FLOATING, fixedIpAddress: '10.0.0.5', portId: 'vm' }],
  });

describe('router data plane on Linux', { skip, concurrency: false }, () => {
  let sandbox: Sandbox;
  let host: Namespace;
  let outside: Namespace;
  let instance: Namespace;
  let router: Namespace;
  let plane: LinuxRouterDataPlane;
  const options = () => ({ namespacePrefix: `${sandbox.prefix}-`, hostNamespace: host.name });

  /** What `whoami ask` printed from `from`: the source address the server saw (undefined: no answer). */
  async function ask(from: Namespace, kind: 'tcp' | 'udp', to: string, localPort?: number) {
    const args = [
      WHOAMI,
      'ask',
      kind,
      to,
      String(PORT),
      ...(localPort === undefined ? [] : [String(localPort)]),
    ];
    const result = await from.exec(process.execPath, args, { allowFailure: true, timeoutMs: 10_000 });
    return result.code === 0 ? result.stdout.trim().split(':')[0] : undefined;
  }

  async function table() {
    const listed = await readNftTable(router.name, ROUTER_NFT_FAMILY, ROUTER_NFT_TABLE);
    assert.ok(listed, 'the router table exists');
    return { parsed: parseNftTable(listed), raw: JSON.stringify(listed) };
  }

  before(async () => {
    sandbox = new Sandbox('rtr');
    host = await sandbox.addNamespace('host');
    outside = await sandbox.addNamespace('out');
    instance = await sandbox.addNamespace('vm');
    plane = new LinuxRouterDataPlane(options());
    router = new Namespace(routerNamespaceName(routerId, options().namespacePrefix));
  });

  after(async () => {
    await sandbox?.teardown();
    await plane?.remove(routerId).catch(() => undefined);
    await runCommand('ip', ['netns', 'del', router.name], { allowFailure: true }).catch(() => undefined);
  });

  test('apply makes the namespace, the veths on the bridges, addresses, routes and forwarding', async () => {
    const report = await plane.converge(spec());
    assert.ok(report?.createdNamespace);
    assert.deepEqual(report?.ignored, []);
    const sysctl = await router.exec('sysctl', [
      '-n',
      'net.ipv4.ip_forward',
      'net.ipv6.conf.all.forwarding',
      'net.ipv4.conf.all.arp_ignore',
      'net.ipv4.conf.all.arp_announce',
    ]);
    assert.deepEqual(sysctl.stdout.trim().split('\n'), ['1', '1', '1', '2']);
    const qr = JSON.parse(
      (await router.ip(['-j', 'addr', 'show', 'dev', `qr-${interfacePort.slice(0, 11)}`])).stdout,
    );
    assert.equal(qr[0].address, 'fa:16:3e:00:00:01');
    assert.equal(qr[0].mtu, 1450);
    const addresses = qr[0].addr_info.map(
      (a: { local: string; prefixlen: number }) => `${a.local}/${a.prefixlen}`,
    );
    assert.ok(
      addresses.includes('10.0.0.1/24') && addresses.includes('2001:db8:1::1/64'),
      addresses.join(' '),
    );
    const links = JSON.parse((await host.ip(['-j', 'link', 'show'])).stdout) as Array<{
      ifname: string;
      master?: string;
    }>;
    const masterOf = (name: string) => links.find((link) => link.ifname === name)?.master;
    assert.equal(masterOf(tapName(interfacePort)), bridgeName(tenantNet));
    assert.equal(masterOf(tapName(gatewayPort)), bridgeName(externalNet));
    const routes = (await router.ip(['route', 'show'])).stdout;
    assert.match(routes, new RegExp(`default via ${UPSTREAM} dev qg-`));
    assert.match(routes, /192\.168\.50\.0\/24 via 10\.0\.0\.5/);
    // Forwarding is the router namespace's own: the host namespace of the test keeps its default.
    assert.equal((await host.exec('sysctl', ['-n', 'net.ipv4.ip_forward'])).stdout.trim(), '0');

    await sandbox.addVeth(host, sandbox.device('o'), outside, 'eth0', {
      bridge: bridgeName(externalNet),
      peerAddresses: [`${UPSTREAM}/24`],
    });
    await outside.ip(['addr', 'add', '2001:db8::1/64', 'dev', 'eth0', 'nodad']);
    await outside.ip(['route', 'add', '2001:db8:1::/64', 'via', '2001:db8::2']);
    await sandbox.addVeth(host, sandbox.device('i'), instance, 'eth0', {
      bridge: bridgeName(tenantNet),
      peerAddresses: ['10.0.0.5/24'],
    });
    await instance.ip(['route', 'add', 'default', 'via', '10.0.0.1']);
    await instance.ip(['addr', 'add', '2001:db8:1::5/64', 'dev', 'eth0', 'nodad']);
    await instance.ip(['route', 'add', '::/0', 'via', '2001:db8:1::1']);
    await instance.ip(['addr', 'add', '192.168.50.1/32', 'dev', 'lo']);
    await outside.ip(['route', 'add', '192.168.50.0/24', 'via', GATEWAY_ADDRESS]);
    // Let gratuitous ARPs create entries (Linux only updates existing ones by default).
    await outside.exec('sysctl', [
      '-q',
      '-w',
      'net.ipv4.conf.all.arp_accept=1',
      'net.ipv4.conf.eth0.arp_accept=1',
    ]);
    for (const namespace of [outside, instance]) {
      await sandbox
        .spawn(namespace, `whoami-${namespace.name}`, process.execPath, [WHOAMI, 'serve', String(PORT)])
        .waitForOutput(/listening/, 10_000);
    }
  });

  test('instance → outside leaves with the gateway address (SNAT)', async () => {
    assert.equal(await ask(instance, 'tcp', UPSTREAM), GATEWAY_ADDRESS);
  });

  test('IPv6 is routed (not NATed) between the instance and the outside', async () => {
    assert.match((await router.ip(['-6', 'route', 'show', 'default'])).stdout, /via 2001:db8::1 dev qg-/);
    // The router's own addresses finish duplicate address detection first (about a second): bounded retries.
    let reply = { code: -1 as number | null, stdout: '' };
    for (let attempt = 0; attempt < 8 && reply.code !== 0; attempt++) {
      reply = await instance.exec('ping', ['-6', '-c', '1', '-W', '1', '2001:db8::1'], {
        allowFailure: true,
        timeoutMs: 5000,
      });
    }
    assert.equal(reply.code, 0, `ping6 through the router: ${reply.stdout}`);
  });

  test('the outside reaches the instance only through the extra route, without NAT', async () => {
    assert.equal(await ask(outside, 'tcp', '192.168.50.1'), UPSTREAM);
    assert.equal(await ask(outside, 'tcp', FLOATING), undefined, 'no floating IP yet');
  });

  test('169.254.169.254:80 from an instance is redirected to the router namespace port', async () => {
    const listener = sandbox.spawn(router, 'metadata-listener', process.execPath, [
      WHOAMI,
      'serve',
      String(ROUTER_METADATA_PORT),
    ]);
    await listener.waitForOutput(/listening/, 10_000);
    const result = await instance.exec(process.execPath, [WHOAMI, 'ask', 'tcp', '169.254.169.254', '80'], {
      allowFailure: true,
      timeoutMs: 10_000,
    });
    assert.equal(result.stdout.trim().split(':')[0], '10.0.0.5', 'the listener sees the instance itself');
    await listener.stop();
  });

  test('apply again from a fresh data plane (an agent restart): no change, nothing recreated', async (t) => {
    const before = await table();
    const started = performance.now();
    const report = await new LinuxRouterDataPlane(options()).converge(spec());
    t.diagnostic(`converged apply: ${(performance.now() - started).toFixed(1)} ms`);
    assert.deepEqual(
      [report?.createdNamespace, report?.hostLines, report?.namespaceLines, report?.nftLines],
      [false, [], [], []],
    );
    const after = await table();
    assert.equal(after.parsed.handle, before.parsed.handle);
    assert.deepEqual([...after.parsed.chains], [...before.parsed.chains], 'same chains, rules and handles');
    assert.equal(after.raw, before.raw, 'counters kept (not reset by a rewrite)');
    assert.match(after.raw, /"packets": ?[1-9]/, 'the counters had counted something');
  });

  test('floating IP associate: two map elements; inbound at the floating IP, outbound with it', async (t) => {
    const handle = (await table()).parsed.handle;
    const started = performance.now();
    const report = await plane.converge(withFloatingIp());
    t.diagnostic(`associate converge: ${(performance.now() - started).toFixed(1)} ms`);
    assert.deepEqual(report?.nftLines, [
      `add element ip qrouter fip_dnat { ${FLOATING} : 10.0.0.5 }`,
      `add element ip qrouter fip_snat { 10.0.0.5 : ${FLOATING} }`,
    ]);
    assert.deepEqual(report?.namespaceLines, [`addr add ${FLOATING}/32 dev qg-${gatewayPort.slice(0, 11)}`]);
    assert.deepEqual(report?.announcing, [FLOATING]);
    await plane.announced(routerId);
    // The outside learnt the floating IP's MAC from the gratuitous ARP alone (arp_accept, set below).
    const neighbour = (await outside.ip(['neigh', 'show', FLOATING, 'dev', 'eth0'])).stdout;
    assert.match(neighbour, /lladdr fa:16:3e:00:00:02/, `outside neighbour entry: ${neighbour}`);
    assert.equal((await table()).parsed.handle, handle, 'the table was not rewritten');
    assert.equal(await ask(outside, 'tcp', FLOATING), UPSTREAM);
    assert.equal(await ask(instance, 'tcp', UPSTREAM), FLOATING);
    // Flows whose conntrack entries must not outlive the disassociation (same 5-tuple again below).
    assert.equal(await ask(instance, 'udp', UPSTREAM, 40_000), FLOATING);
    assert.equal(await ask(outside, 'udp', FLOATING, 40_001), UPSTREAM);
  });

  test('disassociate stops both directions at once, including flows already tracked', async () => {
    const report = await plane.converge(spec({ revision: 3 }));
    assert.deepEqual(report?.released, [FLOATING]);
    assert.equal(await ask(outside, 'tcp', FLOATING), undefined);
    assert.equal(await ask(instance, 'tcp', UPSTREAM), GATEWAY_ADDRESS);
    // Without the conntrack deletion these would still be NATed through the old entries.
    assert.equal(await ask(instance, 'udp', UPSTREAM, 40_000), GATEWAY_ADDRESS);
    assert.equal(await ask(outside, 'udp', FLOATING, 40_001), undefined);
  });

  test('with 200 floating IPs one more is still two map elements and one address', async (t) => {
    const many = Array.from({ length: 200 }, (_, i) => ({
      id: `f${i}`,
      floatingIpAddress: `172.24.4.${20 + i}`,
      fixedIpAddress: `10.0.0.${20 + i}`,
      portId: `vm${i}`,
    }));
    let started = performance.now();
    await plane.converge(spec({ revision: 4, floatingIps: many }));
    t.diagnostic(`200 floating IPs in one converge: ${(performance.now() - started).toFixed(1)} ms`);
    started = performance.now();
    const report = await plane.converge(withFloatingIp());
    const elapsed = performance.now() - started;
    t.diagnostic(
      `201st floating IP's converge (199 others removed in the same one): ${elapsed.toFixed(1)} ms`,
    );
    started = performance.now();
    const added = await plane.converge({
      ...withFloatingIp(),
      floatingIps: [...withFloatingIp().floatingIps, ...many],
    });
    t.diagnostic(`200 added beside one: ${(performance.now() - started).toFixed(1)} ms`);
    assert.equal(report?.nftLines.filter((line) => line.startsWith('add element')).length, 2);
    assert.equal(added?.nftLines.length, 2, 'one add per map, 200 elements each, no rule');
    started = performance.now();
    const extra = { id: 'x', floatingIpAddress: '172.24.4.250', fixedIpAddress: '10.0.0.250', portId: 'x' };
    const one = await plane.converge({
      ...withFloatingIp(),
      floatingIps: [...withFloatingIp().floatingIps, ...many, extra],
    });
    t.diagnostic(`associate the 202nd floating IP: ${(performance.now() - started).toFixed(1)} ms`);
    assert.deepEqual(one?.nftLines, [
      'add element ip qrouter fip_dnat { 172.24.4.250 : 10.0.0.250 }',
      'add element ip qrouter fip_snat { 10.0.0.250 : 172.24.4.250 }',
    ]);
  });

  test('list finds the router; remove leaves no namespace, no tap, no rules', async () => {
    assert.deepEqual(await new LinuxRouterDataPlane(options()).list(), [routerId]);
    await plane.remove(routerId);
    assert.deepEqual(await plane.list(), []);
    const namespaces = (await runCommand('ip', ['netns', 'list'])).stdout;
    assert.ok(!namespaces.includes(router.name), 'router namespace gone (and its nft table with it)');
    const hostLinks = (await host.ip(['link', 'show'])).stdout;
    assert.ok(
      !hostLinks.includes(tapName(interfacePort)) && !hostLinks.includes(tapName(gatewayPort)),
      hostLinks,
    );
    await plane.remove(routerId); // idempotent
  });
});
