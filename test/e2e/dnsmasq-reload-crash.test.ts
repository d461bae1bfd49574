import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DnsmasqDriver } from '../../src/agent/drivers/dnsmasq/dnsmasq-driver.js';
import { DataPlaneHarness } from '../../src/agent/drivers/testing/data-plane-harness.js';
import type { AgentNetwork, AgentPort } from '../../src/agent/model.js';
import { bridgeName, dhcpPortDeviceId } from '../../src/agent/naming.js';
import { AgentTestbed } from '../support/agent/testbed.js';
import type { ProberSummary } from '../support/dhcp-prober.js';
import { canUseNamespaces, type Namespace, Sandbox } from '../support/netns.js';
import type { ManagedProcess } from '../support/process.js';
import { seededRandom } from '../support/seeded-random.js';

/**
 * Issue 17: with the dnsmasq driver, deleting a port that has an extra DHCP option and a lease made dnsmasq
 * 2.90 crash on the SIGHUP that followed, and the network had no DHCP until it was respawned.
 *
 * 1. The upstream bug, reproduced with dnsmasq alone (why the driver never HUPs such a process): a host
 *    line with `set:<tag>` takes a lease, SIGHUP → SIGSEGV/SIGABRT, whatever the reload changes.
 * 2. The driver: port deletes (and creates) with extra options and leases while a prober asks every 100 ms
 *    (DISCOVER and unicast renewal, alternately) on the same network: no request unanswered (1 s each),
 *    dnsmasq never dies, each change is a replacement (make before break) in place of the SIGHUP.
 */
const PROBE = fileURLToPath(new URL('../support/dhcp-probe.js', import.meta.url));
const PROBER = fileURLToPath(new URL('../support/dhcp-prober.js', import.meta.url));

function dnsmasqVersion(): string | undefined {
  try {
    const out = execFileSync('dnsmasq', ['--version'], { encoding: 'utf8' });
    return /Dnsmasq version (\S+)/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

const version = dnsmasqVersion();
const skip = !canUseNamespaces()
  ? 'needs root for network namespaces'
  : version === undefined
    ? 'dnsmasq is not installed'
    : undefined;

/** One exchange from `client` for `mac` (broadcast replies), as `dhcp-probe` prints it. */
async function ask(client: Namespace, request: Record<string, unknown>): Promise<Record<string, unknown>> {
  const out = await client.exec(process.execPath, [PROBE, '--run', JSON.stringify(request)], {
    timeoutMs: 10_000,
  });
  return JSON.parse(out.stdout.trim().split('\n')[0] ?? '{}') as Record<string, unknown>;
}

/**
 * A lease for `mac` from `client`, as a client gets it: an INIT-REBOOT REQUEST first (answered when the
 * server has the lease on record), else DISCOVER, then REQUEST for the offer (SELECTING). What makes
 * dnsmasq hold an exchanged lease.
 */
async function takeLease(client: Namespace, mac: string, ip: string): Promise<void> {
  // To the subnet's broadcast address: a client namespace has no route for 255.255.255.255.
  const to = ip.replace(/\.\d+$/, '.255');
  const base = { bind: '0.0.0.0', port: 68, to, mac, broadcast: true, timeoutMs: 2000 };
  let reply = await ask(client, { ...base, type: 'REQUEST', requestedIp: ip });
  if (reply['type'] === undefined) {
    const offer = await ask(client, { ...base, type: 'DISCOVER' });
    const idHex = String((offer['options'] as Record<string, string> | undefined)?.['54:server-identifier']);
    const serverId = [...Buffer.from(idHex, 'hex')].join('.');
    assert.equal(offer['type'], 'OFFER', JSON.stringify(offer));
    reply = await ask(client, { ...base, type: 'REQUEST', requestedIp: ip, serverId });
  }
  assert.deepEqual({ type: reply['type'], yourIp: reply['yourIp'] }, { type: 'ACK', yourIp: ip });
}

describe('dnsmasq 2.90: SIGHUP after a tagged host took a lease (the upstream crash)', { skip }, () => {
  let sandbox: Sandbox;
  after(async () => {
    await sandbox?.teardown();
  });

  test('dnsmasq dies on the reload (2.90); without the tag it does not', async (t) => {
    if (version !== '2.90') {
      t.skip(`dnsmasq ${version}: the crash was seen in 2.90`);
      return;
    }
    sandbox = new Sandbox('dhc');
    // dnsmasq reads its files as `nobody`.
    chmodSync(sandbox.workDir, 0o755);
    const server = await sandbox.addNamespace('srv');
    const client = await sandbox.addNamespace('cli');
    await sandbox.addVeth(server, 'eth0', client, 'eth0', {
      localAddresses: ['10.87.0.1/24'],
      peerAddresses: ['10.87.0.99/24'],
    });
    const outcomes: Record<string, NodeJS.Signals | null> = {};
    for (const tagged of [true, false]) {
      const dir = sandbox.path(`dnsmasq-${tagged}`);
      mkdirSync(dir, { recursive: true });
      const tag = tagged ? ',set:port-a' : '';
      writeFileSync(`${dir}/host`, `fa:16:3e:87:00:10,host-10-87-0-10.openstacklocal,10.87.0.10${tag}\n`);
      writeFileSync(`${dir}/opts`, 'tag:port-a,option:tftp-server,10.87.0.5\n');
      // A lease on record (as the driver writes at start): dnsmasq answers the INIT-REBOOT REQUEST.
      const expiry = Math.floor(Date.now() / 1000) + 86400;
      writeFileSync(`${dir}/leases`, `${expiry} fa:16:3e:87:00:10 10.87.0.10 * *\n`);
      const dnsmasq: ManagedProcess = sandbox.spawn(server, `dnsmasq-${tagged}`, 'dnsmasq', [
        ...['-k', '--no-hosts', '--no-resolv', '--port=0', '--bind-interfaces', '--interface=eth0'],
        ...['--conf-file=/dev/null', '--domain=openstacklocal', `--log-facility=${dir}/log`],
        ...[`--dhcp-hostsfile=${dir}/host`, `--dhcp-optsfile=${dir}/opts`, `--dhcp-leasefile=${dir}/leases`],
        `--pid-file=${dir}/pid`,
        '--dhcp-range=set:subnet-1,10.87.0.0,static,255.255.255.0,86400s',
      ]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await takeLease(client, 'fa:16:3e:87:00:10', '10.87.0.10').catch((error: unknown) => {
        throw new Error(`${String(error)}\n${readFileSync(`${dir}/log`, 'utf8')}`);
      });
      dnsmasq.signal('SIGHUP');
      const exited = await dnsmasq.waitForExit(2000);
      outcomes[tagged ? 'tagged' : 'untagged'] = exited ? (dnsmasq.exit?.signal ?? null) : null;
      await dnsmasq.stop();
    }
    assert.ok(['SIGSEGV', 'SIGABRT'].includes(String(outcomes['tagged'])), JSON.stringify(outcomes));
    assert.equal(outcomes['untagged'], null, 'an untagged host survives the reload');
  });
});

const DELETES = 10;
const SEED = 2090;

for (const dnsEnabled of [true, false]) {
  describe(`dnsmasq driver: port deletes with extra options and leases never interrupt DHCP (DNS ${dnsEnabled ? 'on' : 'off'})`, {
    skip,
    concurrency: false,
  }, () => {
    let bed: AgentTestbed;
    let driver: DataPlaneHarness<DnsmasqDriver>;
    const networkId = randomUUID();
    const subnetId = randomUUID();
    const portOf = (mac: string, ip: string, tftp: string | undefined): AgentPort => ({
      id: randomUUID(),
      mac_address: mac,
      fixed_ips: [{ subnet_id: subnetId, ip_address: ip }],
      device_owner: 'compute:nova',
      ...(tftp !== undefined && { extra_dhcp_opts: [{ opt_name: '66', opt_value: tftp, ip_version: 4 }] }),
    });
    const dhcpPort: AgentPort = {
      ...portOf('fa:16:3e:86:00:02', '10.86.0.2', undefined),
      device_owner: 'network:dhcp',
      device_id: dhcpPortDeviceId('reload-host', networkId),
    };
    // The prober's own port carries an extra option too: every reload would meet a leased tagged host.
    const proberPort = portOf('fa:16:3e:86:00:50', '10.86.0.50', '10.86.0.5');
    const victims = Array.from({ length: DELETES }, (_, i) =>
      portOf(`fa:16:3e:86:01:${(i + 16).toString(16)}`, `10.86.0.${100 + i}`, `10.86.0.${200 + i}`),
    );
    const network: AgentNetwork = {
      id: networkId,
      admin_state_up: true,
      mtu: 1500,
      'provider:network_type': 'local',
      subnets: [
        {
          id: subnetId,
          ip_version: 4,
          cidr: '10.86.0.0/24',
          gateway_ip: '10.86.0.1',
          enable_dhcp: true,
          dns_nameservers: [],
          host_routes: [],
        },
      ],
      ports: [dhcpPort, proberPort, ...victims],
    };

    before(async () => {
      bed = await AgentTestbed.create(dnsEnabled ? 'drd' : 'drn');
      const deps = bed.driverDeps('reload-host', { dhcp: { dnsEnabled } });
      driver = new DataPlaneHarness(
        new DnsmasqDriver(deps, { stateDirectory: bed.path('dhcp'), restartDelayMs: 100 }),
        deps,
      );
    });
    after(async () => {
      await driver?.stop();
      await bed?.teardown();
    });

    test(`${DELETES} deletes (and as many creates) while a probe asks every 100 ms: no DHCP gap`, async () => {
      await driver.enable(network);
      const attach = { namespace: bed.host, bridge: bridgeName(networkId) };
      const proberNs = await bed.addClient(proberPort.mac_address, attach);
      await proberNs.ip(['addr', 'add', '10.86.0.50/24', 'dev', 'eth0']);
      const leaser = await bed.addClient('fa:16:3e:86:00:99', attach);
      await leaser.ip(['addr', 'add', '10.86.0.99/24', 'dev', 'eth0']);
      const request = { mac: proberPort.mac_address, ip: '10.86.0.50', server: '10.86.0.2', intervalMs: 100 };
      const broadcast = '10.86.0.255';
      const prober = bed.sandbox.spawn(proberNs, 'prober', process.execPath, [
        ...[PROBER, '--run', JSON.stringify({ ...request, broadcast, timeoutMs: 1000 })],
      ]);
      await prober.waitForOutput(/"started":true/, 10_000);
      const random = seededRandom(SEED);
      const pidBefore = driver.status(networkId)?.pid;
      const started = Date.now();
      for (const [i, victim] of victims.entries()) {
        await takeLease(leaser, victim.mac_address, `10.86.0.${100 + i}`);
        await driver.update({ kind: 'port-delete', networkId, portId: victim.id });
        await driver.settled(networkId);
        // A new port with an extra option, then a pause: creates reload too.
        const added = portOf(`fa:16:3e:86:02:${(i + 16).toString(16)}`, `10.86.0.${150 + i}`, '10.86.0.6');
        await driver.update({ kind: 'port-upsert', networkId, port: added });
        await driver.settled(networkId);
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 300)));
      }
      // Let the last replacement settle under the prober too.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      prober.signal('SIGTERM');
      const line = await prober.waitForOutput(/^\{"sent".*\}$/m, 10_000);
      const summary = JSON.parse(line[0]) as ProberSummary;
      const status = driver.status(networkId);
      const figures = {
        elapsedMs: Date.now() - started,
        ...summary,
        counters: status?.counters,
        pidChanged: status?.pid !== pidBefore,
      };
      process.stdout.write(
        `# dnsmasq reloads under a 100 ms prober (DNS ${dnsEnabled}): ${JSON.stringify(figures)}\n`,
      );
      // The probe ran through every change, at its cadence (one per 100 ms; half that counts as having run:
      // 20 replacements took 4–12 s on loaded machines, 3.9 s on a fast one, where a fixed 30 failed).
      assert.ok(summary.sent >= Math.floor(figures.elapsedMs / 200), JSON.stringify(figures));
      // Not one request may go unanswered. Broadcasts reach every process bound to port 67; a unicast
      // renewal goes to one of them by SO_REUSEPORT hashing, and before a predecessor goes the group is
      // steered to the successor (src/linux/reuseport-steering.ts). Without that, one hashed to the
      // predecessor in the milliseconds the kernel takes to tear it down was lost (0–2 of ~40 per run).
      assert.equal(summary.missed, 0, JSON.stringify(figures));
      assert.equal(status?.counters['unexpectedExits'], 0, JSON.stringify(figures));
      assert.equal(status?.counters['replacements'], 2 * DELETES, JSON.stringify(figures));
      // The process that runs now answers a remaining port.
      await takeLease(leaser, proberPort.mac_address, '10.86.0.50');
    });
  });
}
