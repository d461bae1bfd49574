/**
 * Floating IPs beyond the basics of router-dataplane.test.ts (issue 13, docs/routers.md): an associate is a
 * delta (no read of the namespace or table), announced by three rounds of gratuitous ARP as Neutron sends
 * them (counted by tcpdump on the outside), deletes connections tracked before it (a flow that began
 * un-translated is translated afterwards), and hairpin: instances behind the router reach one another by
 * floating IP, on the same subnet and across subnets, the replies coming back through the router.
 *
 * Layout: a host namespace with the bridges, an "outside" (172.24.4.1) on the external bridge; vm1
 * (10.0.0.5) and vm2 (10.0.0.6) on tenant subnet A, vm3 (10.1.0.5) on tenant subnet B; whoami servers tell
 * the source address they saw.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bridgeName, routerNamespaceName } from '../../src/agent/naming.js';
import { LinuxRouterDataPlane } from '../../src/agent/router/linux-router-data-plane.js';
import type { FloatingIpSpec, RouterPortSpec, RouterSpec } from '../../src/agent/router/router-spec.js';
import { runCommand } from '../../src/linux/run-command.js';
import { canUseNamespaces, Namespace, Sandbox } from '../support/netns.js';

const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';
const WHOAMI = join(fileURLToPath(import.meta.url), '..', '..', 'support', 'whoami-main.js');
const PORT = 8080;
const GATEWAY_ADDRESS = '172.24.4.2';
const GATEWAY_MAC = 'fa:16:3e:00:00:02';
const UPSTREAM = '172.24.4.1';
const FIP1 = '172.24.4.10';
const FIP2 = '172.24.4.11';

const routerId = randomUUID();
const externalNet = randomUUID();
const netA = randomUUID();
const netB = randomUUID();

function tenantPort(networkId: string, mac: string, address: string, cidr: string): RouterPortSpec {
  return {
    portId: randomUUID(),
    networkId,
    macAddress: mac,
    mtu: 1500,
    addresses: [{ subnetId: cidr, ipAddress: address, cidr, ipVersion: 4, gatewayIp: address }],
  };
}
const interfaces = [
  tenantPort(netA, 'fa:16:3e:00:00:0a', '10.0.0.1', '10.0.0.0/24'),
  tenantPort(netB, 'fa:16:3e:00:00:0b', '10.1.0.1', '10.1.0.0/24'),
];
const gatewayPort = randomUUID();

let revision = 0;
function spec(floatingIps: readonly FloatingIpSpec[]): RouterSpec {
  return {
    id: routerId,
    projectId: 'p',
    adminStateUp: true,
    revision: ++revision,
    gateway: {
      portId: gatewayPort,
      networkId: externalNet,
      macAddress: GATEWAY_MAC,
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
      ],
    },
    interfaces,
    floatingIps,
    routes: [],
  };
}
const fip = (floating: string, fixed: string): FloatingIpSpec => ({
  id: floating,
  floatingIpAddress: floating,
  fixedIpAddress: fixed,
  portId: fixed,
});

describe('floating IPs: delta, gratuitous ARPs, conntrack on associate, hairpin', {
  skip,
  concurrency: false,
}, () => {
  let sandbox: Sandbox;
  let host: Namespace;
  let outside: Namespace;
  let vm1: Namespace;
  let vm2: Namespace;
  let vm3: Namespace;
  let router: Namespace;
  let plane: LinuxRouterDataPlane;

  /** The source address the whoami server at `to` saw from `from` (undefined: no answer). */
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

  before(async () => {
    sandbox = new Sandbox('rfip');
    host = await sandbox.addNamespace('host');
    outside = await sandbox.addNamespace('out');
    vm1 = await sandbox.addNamespace('vm1');
    vm2 = await sandbox.addNamespace('vm2');
    vm3 = await sandbox.addNamespace('vm3');
    const options = { namespacePrefix: `${sandbox.prefix}-`, hostNamespace: host.name };
    plane = new LinuxRouterDataPlane(options);
    router = new Namespace(routerNamespaceName(routerId, options.namespacePrefix));
    await plane.converge(spec([]));
    await sandbox.addVeth(host, sandbox.device('o'), outside, 'eth0', {
      bridge: bridgeName(externalNet),
      peerAddresses: [`${UPSTREAM}/24`],
    });
    const vms: Array<[Namespace, string, string, string]> = [
      [vm1, 'a', '10.0.0.5/24', '10.0.0.1'],
      [vm2, 'b', '10.0.0.6/24', '10.0.0.1'],
      [vm3, 'c', '10.1.0.5/24', '10.1.0.1'],
    ];
    for (const [vm, device, address, via] of vms) {
      await sandbox.addVeth(host, sandbox.device(device), vm, 'eth0', {
        bridge: bridgeName(via.startsWith('10.0.') ? netA : netB),
        peerAddresses: [address],
      });
      await vm.ip(['route', 'add', 'default', 'via', via]);
    }
    for (const namespace of [outside, vm1]) {
      await sandbox
        .spawn(namespace, `whoami-${namespace.name}`, process.execPath, [WHOAMI, 'serve', String(PORT)])
        .waitForOutput(/listening/, 10_000);
    }
  });

  after(async () => {
    await sandbox?.teardown();
    await plane?.remove(routerId).catch(() => undefined);
    await runCommand('ip', ['netns', 'del', router.name], { allowFailure: true }).catch(() => undefined);
  });

  test('associate after a flow began: its tracked entry goes, the flow is translated from then on', async (t) => {
    // The outside sends to the address before it is associated (a neighbour cache entry left from an
    // earlier holder): the router tracks that flow untranslated.
    await outside.ip(['neigh', 'replace', FIP1, 'lladdr', GATEWAY_MAC, 'dev', 'eth0', 'nud', 'permanent']);
    assert.equal(await ask(outside, 'udp', FIP1, 40_002), undefined, 'not associated yet');
    const tracked = await router.exec('conntrack', ['-L', '-f', 'ipv4', '--orig-dst', FIP1], {
      allowFailure: true,
    });
    assert.match(tracked.stdout, /sport=40002/, 'the early flow is tracked');

    const capture = sandbox.spawn(outside, 'tcpdump-garp', 'tcpdump', [
      ...['-i', 'eth0', '-nn', '-l', '-e'],
      `arp and arp[14:4] = 0xac18040a and arp[24:4] = 0xac18040a`,
    ]);
    await capture.waitForOutput(/listening on/, 10_000);
    const started = performance.now();
    const report = await plane.converge(spec([fip(FIP1, '10.0.0.5')]));
    t.diagnostic(`associate (delta) converge: ${(performance.now() - started).toFixed(1)} ms`);
    assert.equal(report?.delta, true, 'applied as a delta');
    assert.deepEqual(report?.released, [FIP1], 'the early flow was deleted');
    await outside.ip(['neigh', 'del', FIP1, 'dev', 'eth0']);
    assert.equal(await ask(outside, 'udp', FIP1, 40_002), UPSTREAM, 'same 5-tuple, now translated');

    // Neutron's count: three rounds 2 s apart, each a gratuitous request and a gratuitous reply.
    await plane.announced(routerId);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the last frames reach tcpdump
    await capture.stop();
    const frames = capture.output().split('\n');
    // A request's target MAC (zero from our raw socket, broadcast from arping) may be printed in parentheses.
    const request = new RegExp(
      `Request who-has ${FIP1.replaceAll('.', '\\.')} (\\([^)]*\\) )?tell ${FIP1.replaceAll('.', '\\.')},`,
    );
    const requests = frames.filter((line) => request.test(line));
    const replies = frames.filter((line) => line.includes(`Reply ${FIP1} is-at ${GATEWAY_MAC}`));
    assert.deepEqual([requests.length, replies.length], [3, 3], capture.output());
  });

  test('hairpin, same subnet: vm2 reaches vm1 by its floating IP, seen as the gateway address', async () => {
    assert.equal(await ask(vm2, 'tcp', FIP1), GATEWAY_ADDRESS);
    assert.equal(await ask(vm2, 'udp', FIP1), GATEWAY_ADDRESS);
  });

  test('hairpin, other subnet: vm3 reaches vm1 by its floating IP; by its fixed IP without NAT', async () => {
    assert.equal(await ask(vm3, 'tcp', FIP1), GATEWAY_ADDRESS);
    assert.equal(await ask(vm3, 'tcp', '10.0.0.5'), '10.1.0.5', 'east-west keeps its addresses');
  });

  test('hairpin from an instance with a floating IP: seen as that floating IP; outside still as itself', async () => {
    await plane.converge(spec([fip(FIP1, '10.0.0.5'), fip(FIP2, '10.0.0.6')]));
    assert.equal(await ask(vm2, 'tcp', FIP1), FIP2);
    assert.equal(await ask(outside, 'tcp', FIP1), UPSTREAM, 'inbound from qg- is not SNATed');
    assert.equal(await ask(vm1, 'tcp', UPSTREAM), FIP1, 'outbound leaves with the floating IP');
  });

  test('a delta that fails falls back to converging from what exists', async () => {
    // Someone removed the table behind the data plane's back: the delta's element add fails.
    await router.exec('nft', ['delete', 'table', 'ip', 'qrouter']);
    const report = await plane.converge(spec([fip(FIP1, '10.0.0.5')]));
    assert.equal(report?.delta, false);
    assert.equal(await ask(outside, 'tcp', FIP1), UPSTREAM);
    await plane.remove(routerId);
  });
});
