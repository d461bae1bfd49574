import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { DnsmasqDriver } from '../../src/agent/drivers/dnsmasq/dnsmasq-driver.js';
import { DataPlaneHarness } from '../../src/agent/drivers/testing/data-plane-harness.js';
import type { AgentNetwork, AgentPort } from '../../src/agent/model.js';
import { bridgeName, dhcpPortDeviceId } from '../../src/agent/naming.js';
import { udhcpcOnce } from '../support/agent/dhcp-clients.js';
import { AgentTestbed } from '../support/agent/testbed.js';
import { canUseNamespaces } from '../support/netns.js';
import { runDriverContract } from './driver-contract.js';

function dnsmasqMissing(): string | undefined {
  try {
    execFileSync('dnsmasq', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'dnsmasq is not installed';
  }
}

runDriverContract({
  name: 'dnsmasq',
  skip: dnsmasqMissing(),
  create: (deps, bed) => new DnsmasqDriver(deps, { stateDirectory: bed.path('dhcp'), restartDelayMs: 200 }),
});

const skip = canUseNamespaces() ? dnsmasqMissing() : 'needs root for network namespaces';

describe('dnsmasq driver specifics: files, SIGHUP on change, restart when it dies', {
  skip,
  concurrency: false,
}, () => {
  let bed: AgentTestbed;
  let driver: DataPlaneHarness<DnsmasqDriver>;
  const networkId = randomUUID();
  const subnetId = randomUUID();
  const dhcpPort: AgentPort = {
    id: randomUUID(),
    mac_address: 'fa:16:3e:79:00:aa',
    fixed_ips: [{ subnet_id: subnetId, ip_address: '10.79.0.2' }],
    device_owner: 'network:dhcp',
    device_id: dhcpPortDeviceId('dnsmasq-host', networkId),
  };
  const vm: AgentPort = {
    id: randomUUID(),
    mac_address: 'fa:16:3e:79:00:01',
    fixed_ips: [{ subnet_id: subnetId, ip_address: '10.79.0.21' }],
    device_owner: 'compute:nova',
  };
  const network: AgentNetwork = {
    id: networkId,
    admin_state_up: true,
    mtu: 1500,
    'provider:network_type': 'local',
    subnets: [
      {
        id: subnetId,
        ip_version: 4,
        cidr: '10.79.0.0/24',
        gateway_ip: '10.79.0.1',
        enable_dhcp: true,
        dns_nameservers: [],
        host_routes: [],
      },
    ],
    ports: [dhcpPort, vm],
  };

  before(async () => {
    bed = await AgentTestbed.create('dnm');
    const deps = bed.driverDeps('dnsmasq-host');
    driver = new DataPlaneHarness(
      new DnsmasqDriver(deps, { stateDirectory: bed.path('dhcp'), restartDelayMs: 100 }),
      deps,
    );
  });
  after(async () => {
    await driver?.stop();
    await bed?.teardown();
  });

  test("files are Neutron's, world-readable; dnsmasq runs with Neutron's command line", async () => {
    await driver.enable(network);
    const dir = bed.path(`dhcp/${networkId}`);
    assert.equal(
      readFileSync(`${dir}/host`, 'utf8'),
      'fa:16:3e:79:00:01,host-10-79-0-21.openstacklocal,10.79.0.21\n',
    );
    assert.equal(readFileSync(`${dir}/interface`, 'utf8'), `ns-${dhcpPort.id.slice(0, 11)}`);
    assert.equal(statSync(`${dir}/host`).mode & 0o777, 0o644);
    assert.match(readFileSync(`${dir}/leases`, 'utf8'), /^\d+ fa:16:3e:79:00:01 10\.79\.0\.21 /m);
    const pid = driver.status(networkId)?.pid;
    assert.ok(pid);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    assert.ok(
      cmdline.includes(`--dhcp-range=set:subnet-${subnetId},10.79.0.0,static,255.255.255.0,86400s`),
      cmdline.join(' '),
    );
    assert.ok(cmdline.includes(`--dhcp-hostsfile=${dir}/host`));
  });

  test('a port change rewrites the files and HUPs the same process', async () => {
    const before = driver.status(networkId);
    await driver.update({
      kind: 'port-upsert',
      networkId,
      port: { ...vm, fixed_ips: [{ subnet_id: subnetId, ip_address: '10.79.0.31' }] },
    });
    await driver.settled(networkId);
    const after = driver.status(networkId);
    assert.equal(after?.pid, before?.pid);
    assert.equal(after?.counters['reloads'], (before?.counters['reloads'] ?? 0) + 1);
    assert.match(readFileSync(bed.path(`dhcp/${networkId}/host`), 'utf8'), /,10\.79\.0\.31\n$/);
    const client = await bed.addClient(vm.mac_address, {
      namespace: bed.host,
      bridge: bridgeName(networkId),
    });
    assert.equal((await udhcpcOnce(bed, client))?.['ip'], '10.79.0.31');
  });

  test('a dnsmasq left by a previous agent run is replaced, not fought with', async () => {
    const previous = driver.status(networkId)?.pid;
    assert.ok(previous);
    // A second driver on the same state directory plays the restarted agent; the first one's dnsmasq is
    // still running and holds port 67 in the namespace.
    const deps = bed.driverDeps('dnsmasq-host');
    const restarted = new DataPlaneHarness(
      new DnsmasqDriver(deps, { stateDirectory: bed.path('dhcp'), restartDelayMs: 60_000 }),
      deps,
    );
    try {
      await restarted.enable({
        ...network,
        ports: [dhcpPort, { ...vm, fixed_ips: [{ subnet_id: subnetId, ip_address: '10.79.0.31' }] }],
      });
      const pid = restarted.status(networkId)?.pid;
      assert.ok(pid !== undefined && pid !== previous);
      assert.equal(existsSync(`/proc/${previous}`), false, 'the old dnsmasq was stopped');
    } finally {
      await restarted.stop();
    }
    // The first driver sees its dnsmasq die and starts it again (next test relies on a running one).
  });

  test('a dnsmasq that dies is restarted and serves again', async () => {
    const running = async (other?: number): Promise<number | undefined> => {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const pid = driver.status(networkId)?.pid;
        if (pid !== undefined && pid !== other) return pid;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return undefined;
    };
    // (The previous test killed this driver's dnsmasq: wait for its restart first.)
    const first = await running();
    assert.ok(first, 'dnsmasq runs');
    const restartsBefore = driver.status(networkId)?.counters['restarts'] ?? 0;
    process.kill(first, 'SIGKILL');
    const pid = await running(first);
    assert.ok(pid !== undefined && pid !== first, 'a new dnsmasq runs');
    assert.equal(driver.status(networkId)?.counters['restarts'], restartsBefore + 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const client = await bed.addClient('fa:16:3e:79:00:01', {
      namespace: bed.host,
      bridge: bridgeName(networkId),
    });
    assert.equal((await udhcpcOnce(bed, client))?.['ip'], '10.79.0.31');
  });
});
