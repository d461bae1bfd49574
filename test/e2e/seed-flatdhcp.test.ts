/**
 * Seed 002's nova-network FlatDHCP deployment, reproduced with qdhcp's commands (issue 13, docs/flatdhcp.md):
 * `qdhcp all-in-one --bridge-mappings physnet1:<br100>,public:<pub>` and the real `openstack` CLI.
 *
 *   [host ns]  <prefix>br100 (operator's, stands for br100) ── tap… ══ ns-… [qdhcp-<fixed>]
 *                    ├── tap… ══ eth0 [qprobe-a]  ├── tap… ══ eth0 [qprobe-b]   (instances, via qdhcp probe)
 *                    └── tap… ══ qr-… 10.0.0.1 [qrouter-<r1>] qg-… 172.24.4.x ══ tap… ──┐
 *              <prefix>pub (operator's "public" bridge) ───────────────────────────────┘── veth ══ [out]
 *                                                                     172.24.4.1, whoami server
 *
 * Proves: static `mac,host,ip` leases on the mapped bridge, A pings B, A reaches the outside with the
 * router's gateway address as source (SNAT), metadata through the router (route via 10.0.0.1, not the DHCP
 * port), a floating IP in both directions and its removal, the router's namespace gone with the router, and
 * nothing of it in the root namespace.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { routerNamespaceName } from '../../src/agent/naming.js';
import { listNamespaces } from '../../src/linux/ip-batch.js';
import { runCommand } from '../../src/linux/run-command.js';
import { AllInOne, type Json } from '../support/agent/all-in-one.js';
import { canUseNamespaces, Namespace } from '../support/netns.js';
import { type CliResult, runOpenstack } from '../support/openstack-cli.js';

const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';
const WHOAMI = join(fileURLToPath(import.meta.url), '..', '..', 'support', 'whoami-main.js');
const PORT = 8080;
const UPSTREAM = '172.24.4.1';
const METADATA = 'http://169.254.169.254';

describe("seed 002's FlatDHCP deployment with qdhcp all-in-one", { skip, concurrency: false }, () => {
  let aio: AllInOne;
  let home = '';
  let br100 = '';
  let pub = '';
  let mappings = '';
  let outside: Namespace;
  let gatewayAddress = '';
  let routerId = '';
  const probes = new Map<string, { namespace: Namespace; portId: string; ip: string; mac: string }>();

  /** `openstack COMMAND ARGS` against the all-in-one API; the command words come as one first argument. */
  function os(command: string, ...args: string[]): Promise<CliResult> {
    return runOpenstack(aio.apiUrl, home, [...command.split(' '), ...args], 60_000);
  }
  async function json(command: string, ...args: string[]): Promise<Json> {
    const result = await os(command, ...args, '-f', 'json');
    assert.equal(result.code, 0, `openstack ${command} ${args.join(' ')}: ${result.stderr}`);
    return JSON.parse(result.stdout) as Json;
  }
  async function ok(command: string, ...args: string[]): Promise<void> {
    const result = await os(command, ...args);
    assert.equal(result.code, 0, `openstack ${command} ${args.join(' ')}: ${result.stderr}`);
  }

  /** The source address the server at `to` saw from `from` (undefined: no answer within 1.5 s). */
  async function ask(from: Namespace, to: string): Promise<string | undefined> {
    const result = await from.exec(process.execPath, [WHOAMI, 'ask', 'tcp', to, String(PORT)], {
      allowFailure: true,
      timeoutMs: 10_000,
    });
    return result.code === 0 ? result.stdout.trim().split(':')[0] : undefined;
  }

  /** Asks until the answer is `expected` (the agent applies changes asynchronously); bounded. */
  async function askUntil(from: Namespace, to: string, expected: string | undefined, what: string) {
    let last: string | undefined;
    for (let attempt = 0; attempt < 15; attempt++) {
      last = await ask(from, to);
      if (last === expected) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.fail(`${what}: expected ${expected ?? 'no answer'}, last ${last ?? 'no answer'}\n${aio.output()}`);
  }

  /** An instance on br100: `qdhcp probe create --bridge-mappings …` (its port is created by the probe). */
  async function instance(name: string): Promise<void> {
    const out = await aio.probe('create', [
      '--network',
      'novanetwork',
      '--name',
      name,
      '--bridge-mappings',
      mappings,
    ]);
    assert.equal(out.code, 0, `${out.stdout}${out.stderr}\n${aio.output()}`);
    const ip = /bound (\d+\.\d+\.\d+\.\d+)\//.exec(out.stdout)?.[1];
    const portId = /port (\S+) mac/.exec(out.stdout)?.[1];
    const mac = /mac (\S+) fixed/.exec(out.stdout)?.[1];
    assert.ok(ip && portId && mac, out.stdout);
    probes.set(name, { namespace: new Namespace(aio.probeNamespace(name)), portId, ip, mac });
  }
  const probe = (name: string) => {
    const found = probes.get(name);
    assert.ok(found, `probe ${name}`);
    return found;
  };

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'qdhcp-seed-flatdhcp-'));
    aio = await AllInOne.start('sfd', (bed) => {
      br100 = bed.sandbox.device('br100');
      pub = bed.sandbox.device('pub');
      mappings = `physnet1:${br100},public:${pub}`;
      return ['--bridge-mappings', mappings];
    });
    // The operator's bridges exist before any network uses them (qdhcp never creates a mapped bridge).
    const { sandbox, host } = aio.bed;
    await sandbox.addBridge(host, br100);
    await sandbox.addBridge(host, pub);
    outside = await sandbox.addNamespace('out');
    await sandbox.addVeth(host, sandbox.device('o'), outside, 'eth0', {
      bridge: pub,
      peerAddresses: [`${UPSTREAM}/24`],
    });
    await sandbox
      .spawn(outside, 'whoami-outside', process.execPath, [WHOAMI, 'serve', String(PORT)])
      .waitForOutput(/listening/, 10_000);
  });

  after(async () => {
    await aio?.teardown();
    if (home !== '') rmSync(home, { recursive: true, force: true });
  });

  test('the walk-through: networks, router, two instances with their static leases on br100', {
    timeout: 300_000,
  }, async () => {
    await ok(
      'network create',
      '--provider-network-type',
      'flat',
      '--provider-physical-network',
      'physnet1',
      'novanetwork',
    );
    await ok(
      'subnet create',
      '--network',
      'novanetwork',
      '--subnet-range',
      '10.0.0.0/24',
      '--gateway',
      '10.0.0.1',
      'fixed',
    );
    await ok(
      'network create',
      '--external',
      '--provider-network-type',
      'flat',
      '--provider-physical-network',
      'public',
      'public',
    );
    await ok(
      'subnet create',
      ...['--network', 'public', '--subnet-range', '172.24.4.0/24', '--gateway', UPSTREAM, '--no-dhcp'],
      'public-subnet',
    );
    routerId = String((await json('router create', 'r1'))['id']);
    await ok('router set', '--external-gateway', 'public', 'r1');
    await ok('router add subnet', 'r1', 'fixed');
    const gateway = (await json('router show', 'r1'))['external_gateway_info'] as {
      external_fixed_ips: { ip_address: string }[];
    };
    gatewayAddress = gateway.external_fixed_ips[0]?.ip_address ?? '';
    assert.match(gatewayAddress, /^172\.24\.4\./);

    await instance('a');
    await instance('b');
    for (const name of ['a', 'b']) {
      const { portId, ip, mac, namespace } = probe(name);
      // The static host entry: the port's MAC gets the port's fixed IP and a host name of that address.
      const port = await json('port show', portId);
      const fixed = port['fixed_ips'] as { ip_address: string }[];
      assert.equal(port['mac_address'], mac);
      assert.equal(ip, fixed[0]?.ip_address);
      const log = await runCommand('cat', [join(aio.bed.path('state'), 'probes', name, 'udhcpc.log')]);
      assert.match(log.stdout, new RegExp(`ip=${ip.replaceAll('.', '\\.')}\\|`));
      assert.match(log.stdout, new RegExp(`hostname=host-${ip.replaceAll('.', '-')}\\|`));
      assert.match(log.stdout, /router=10\.0\.0\.1\|/);
      // The instance's veth (plugged as a tap) is on the operator's bridge, not a brq… of qdhcp's.
      const links = await aio.bed.host.ip(['-j', 'link', 'show', `tap${portId.slice(0, 11)}`]);
      assert.equal((JSON.parse(links.stdout) as { master?: string }[])[0]?.master, br100);
      // Routed subnet: metadata goes via the gateway (the router), never via the DHCP port.
      const route = await namespace.ip(['route', 'show', '169.254.169.254']);
      assert.match(route.stdout, /^169\.254\.169\.254 via 10\.0\.0\.1 dev eth0/, route.stdout);
    }
    const dhcpPorts = await json('port list', '--network', 'novanetwork', '--device-owner', 'network:dhcp');
    assert.ok(JSON.stringify(dhcpPorts).includes('10.0.0.'), 'a DHCP port on the fixed network');
  });

  test('instance A pings B across br100, and the outside', async () => {
    const a = probe('a');
    const ping = await a.namespace.exec('ping', ['-c', '1', '-W', '2', probe('b').ip], {
      allowFailure: true,
      timeoutMs: 10_000,
    });
    assert.equal(ping.code, 0, ping.stdout);
    const out = await a.namespace.exec('ping', ['-c', '1', '-W', '2', UPSTREAM], {
      allowFailure: true,
      timeoutMs: 10_000,
    });
    assert.equal(out.code, 0, `A pings the outside through the router: ${out.stdout}`);
  });

  test('A reaches the outside, which sees the router gateway address (SNAT), never A', async () => {
    await askUntil(probe('a').namespace, UPSTREAM, gatewayAddress, 'SNAT source');
  });

  test("A's metadata GET goes through the router's redirect to the agent's listener", async () => {
    const a = probe('a');
    // As the doc's `qdhcp instance create cirros --port …`: the probe's port becomes the instance's.
    const created = await aio.qdhcp([
      ...['instance', 'create', '--name', 'cirros', '--port', a.portId],
      ...['--api', aio.apiUrl, '-f', 'json'],
    ]);
    assert.equal(created.code, 0, created.stderr);
    const record = JSON.parse(created.stdout) as Json;
    const got = await runCommand(
      'ip',
      [
        ...['netns', 'exec', a.namespace.name, 'busybox', 'wget', '-q', '-O', '-'],
        `${METADATA}/2009-04-04/meta-data/instance-id`,
      ],
      { allowFailure: true, timeoutMs: 15_000 },
    );
    assert.equal(got.code, 0, `${got.stderr}\n${aio.output()}`);
    assert.equal(got.stdout, record['ec2_instance_id']);
    // It went through the qrouter- namespace's redirect (the seed's DNAT of 169.254.169.254:80), which counted it.
    const table = await runCommand('ip', [
      ...['netns', 'exec', routerNamespaceName(routerId, aio.bed.namespacePrefix)],
      ...['nft', 'list', 'table', 'ip', 'qrouter'],
    ]);
    const redirect = table.stdout.split('\n').find((line) => line.includes('redirect to :9697'));
    assert.match(redirect ?? '', /counter packets [1-9]/, table.stdout);
  });

  test('nothing of the router is in the root namespace', async () => {
    const addresses = await runCommand('ip', ['-4', '-o', 'addr', 'show']);
    assert.doesNotMatch(addresses.stdout, /inet 10\.0\.0\.|inet 172\.24\.4\./);
    const routes = await runCommand('ip', ['-4', 'route', 'show', 'table', 'all']);
    assert.doesNotMatch(routes.stdout, /10\.0\.0\.0\/24|172\.24\.4\.0\/24|169\.254\.169\.254/);
    const tables = await runCommand('nft', ['list', 'tables'], { allowFailure: true });
    assert.doesNotMatch(tables.stdout, /qrouter/);
    assert.ok((await listNamespaces()).includes(routerNamespaceName(routerId, aio.bed.namespacePrefix)));
  });

  test('floating IP: the outside reaches A at it and A leaves with it; unset stops both', {
    timeout: 120_000,
  }, async () => {
    const a = probe('a');
    aio.bed.sandbox
      .spawn(a.namespace, 'whoami-a', process.execPath, [WHOAMI, 'serve', String(PORT)])
      .waitForOutput(/listening/, 10_000);
    const floating = String((await json('floating ip create', 'public'))['floating_ip_address']);
    await ok('floating ip set', '--port', a.portId, floating);
    await askUntil(outside, floating, UPSTREAM, 'outside → floating IP');
    await askUntil(a.namespace, UPSTREAM, floating, 'A leaves with its floating IP');
    await ok('floating ip unset', '--port', floating);
    await askUntil(outside, floating, undefined, 'outside → floating IP after unset');
    await askUntil(a.namespace, UPSTREAM, gatewayAddress, 'A leaves with the gateway address again');
    await ok('floating ip delete', floating);
  });

  test('router delete (after its subnet and gateway) removes its namespace', {
    timeout: 120_000,
  }, async () => {
    await ok('router remove subnet', 'r1', 'fixed');
    await ok('router unset', '--external-gateway', 'r1');
    await ok('router delete', 'r1');
    const name = routerNamespaceName(routerId, aio.bed.namespacePrefix);
    await aio.waitFor('router namespace removed', async () =>
      (await listNamespaces()).includes(name) ? undefined : true,
    );
    await askUntil(probe('a').namespace, UPSTREAM, undefined, 'no way out without the router');
    // The operator's bridges are theirs: still there after the router and its ports went.
    for (const bridge of [br100, pub]) {
      const shown = await aio.bed.host.ip(['link', 'show', bridge], { allowFailure: true });
      assert.equal(shown.code, 0, `${bridge} kept`);
    }
  });
});
