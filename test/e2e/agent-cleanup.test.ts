import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { cleanupNamespaces } from '../../src/agent/cleanup.js';
import { BuiltinHarness } from '../../src/agent/drivers/testing/data-plane-harness.js';
import type { AgentNetwork } from '../../src/agent/model.js';
import { bridgeName, dhcpNamespaceName, dhcpPortDeviceId } from '../../src/agent/naming.js';
import { listNamespaces } from '../../src/linux/ip-batch.js';
import { runCommand } from '../../src/linux/run-command.js';
import { AgentTestbed } from '../support/agent/testbed.js';
import { repoRoot } from '../support/fixtures.js';
import { canUseNamespaces } from '../support/netns.js';

const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';

describe('qdhcp netns-cleanup', { skip, concurrency: false }, () => {
  let bed: AgentTestbed;
  let driver: BuiltinHarness;
  const served = randomUUID();
  const stale = randomUUID();
  let sleeper: ReturnType<typeof spawn> | undefined;

  before(async () => {
    bed = await AgentTestbed.create('cln');
    driver = new BuiltinHarness(
      bed.driverDeps('cleanup-host', {
        plumbing: { physicalInterfaceMappings: new Map([['physnet1', bed.providerNic]]) },
      }),
    );
    const subnet = randomUUID();
    const network: AgentNetwork = {
      id: served,
      admin_state_up: true,
      mtu: 1500,
      'provider:network_type': 'flat',
      'provider:physical_network': 'physnet1',
      subnets: [
        {
          id: subnet,
          ip_version: 4,
          cidr: '10.76.0.0/24',
          gateway_ip: '10.76.0.1',
          enable_dhcp: true,
          dns_nameservers: [],
          host_routes: [],
        },
      ],
      ports: [
        {
          id: randomUUID(),
          mac_address: 'fa:16:3e:76:00:aa',
          fixed_ips: [{ subnet_id: subnet, ip_address: '10.76.0.2' }],
          device_owner: 'network:dhcp',
          device_id: dhcpPortDeviceId('cleanup-host', served),
        },
      ],
    };
    await driver.enable(network);
    // A namespace left behind with nothing in it (its device is gone): what "stale" means.
    await runCommand('ip', ['netns', 'add', dhcpNamespaceName(stale, bed.namespacePrefix)]);
    // A process inside the served namespace, as a per-network helper would be.
    sleeper = spawn('ip', ['netns', 'exec', dhcpNamespaceName(served, bed.namespacePrefix), 'sleep', '60'], {
      stdio: 'ignore',
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
  });

  after(async () => {
    sleeper?.kill('SIGKILL');
    await driver?.stop();
    await bed?.teardown();
  });

  const ours = async (): Promise<string[]> =>
    (await listNamespaces())
      .filter((name) => name.startsWith(bed.namespacePrefix) && name.includes('qdhcp-'))
      .sort();

  test('--dry-run (through the CLI) lists only the stale namespace and changes nothing', async () => {
    const result = await runCommand(process.execPath, [
      `${repoRoot()}/dist/src/cli/main.js`,
      'netns-cleanup',
      '--namespace-prefix',
      bed.namespacePrefix,
      '--dry-run',
    ]);
    assert.equal(result.stdout, `would delete namespace ${dhcpNamespaceName(stale, bed.namespacePrefix)}\n`);
    assert.equal((await ours()).length, 2);
  });

  test('default: the stale namespace goes, the served one stays', async () => {
    const result = await cleanupNamespaces({
      namespacePrefix: bed.namespacePrefix,
      hostNamespace: bed.host.name,
      all: false,
      dryRun: false,
      stateDirectory: undefined,
    });
    assert.deepEqual(result.errors, []);
    assert.deepEqual(await ours(), [dhcpNamespaceName(served, bed.namespacePrefix)]);
  });

  test('--all: processes killed, namespaces and the brq bridge removed, the provider NIC kept', async () => {
    await driver.stop();
    const exited = new Promise((resolve) => sleeper?.once('exit', resolve));
    const result = await cleanupNamespaces({
      namespacePrefix: bed.namespacePrefix,
      hostNamespace: bed.host.name,
      all: true,
      dryRun: false,
      stateDirectory: undefined,
    });
    assert.deepEqual(result.errors, []);
    assert.ok(
      result.lines.some((line) => line.startsWith('kill process')),
      result.lines.join('\n'),
    );
    await exited;
    assert.deepEqual(await ours(), []);
    const bridge = await bed.host.ip(['link', 'show', 'dev', bridgeName(served)], { allowFailure: true });
    assert.notEqual(bridge.code, 0, 'bridge removed');
    const nic = await bed.host.ip(['link', 'show', 'dev', bed.providerNic]);
    assert.equal(nic.code, 0);
  });
});
