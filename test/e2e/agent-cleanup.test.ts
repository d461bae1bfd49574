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
  /** A network deleted while the agent was down: its bridge and VXLAN uplink are left, no namespace. */
  const gone = randomUUID();
  /** A network whose bridge still carries a device that is not qdhcp's (an instance's tap). */
  const busy = randomUUID();
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
    await bed.host.ip(['link', 'add', bridgeName(gone), 'type', 'bridge']);
    await bed.host.ip(['link', 'add', 'vxlan-4711', 'type', 'vxlan', 'id', '4711', 'dstport', '4789']);
    await bed.host.ip(['link', 'set', 'vxlan-4711', 'master', bridgeName(gone)]);
    await bed.host.ip(['link', 'add', bridgeName(busy), 'type', 'bridge']);
    await bed.host.ip(['link', 'add', 'vxlan-4712', 'type', 'vxlan', 'id', '4712', 'dstport', '4789']);
    await bed.host.ip(['link', 'set', 'vxlan-4712', 'master', bridgeName(busy)]);
    await bed.host.ip(['link', 'add', 'tapinstance0', 'type', 'veth', 'peer', 'name', 'tapinstance1']);
    await bed.host.ip(['link', 'set', 'tapinstance0', 'master', bridgeName(busy)]);
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

  const exists = async (device: string): Promise<boolean> =>
    (await bed.host.ip(['link', 'show', 'dev', device], { allowFailure: true })).code === 0;

  test('--dry-run (through the CLI) lists the stale namespace and the stale bridge, and changes nothing', async () => {
    const cli = [`${repoRoot()}/dist/src/cli/main.js`, 'netns-cleanup', '--namespace-prefix'];
    const result = await runCommand(process.execPath, [
      ...[...cli, bed.namespacePrefix, '--host-namespace', bed.host.name],
      ...['--physical-interface-mappings', `physnet1:${bed.providerNic}`, '--dry-run'],
    ]);
    assert.equal(
      result.stdout,
      `would delete namespace ${dhcpNamespaceName(stale, bed.namespacePrefix)}\n` +
        'would delete vxlan vxlan-4711\n' +
        `would delete bridge ${bridgeName(gone)}\n`,
    );
    assert.equal((await ours()).length, 2);
    assert.ok(await exists(bridgeName(gone)));
    const namespacesOnly = await runCommand(process.execPath, [
      ...[...cli, bed.namespacePrefix, '--host-namespace', bed.host.name],
      ...['--l2-owner', 'neutron-linuxbridge', '--dry-run'],
    ]);
    assert.equal(
      namespacesOnly.stdout,
      `would delete namespace ${dhcpNamespaceName(stale, bed.namespacePrefix)}\n`,
    );
  });

  test('default: the stale namespace and bridge go; the served one and a busy bridge stay', async () => {
    const result = await cleanupNamespaces({
      namespacePrefix: bed.namespacePrefix,
      hostNamespace: bed.host.name,
      all: false,
      dryRun: false,
      stateDirectory: undefined,
      mappedInterfaces: new Set([bed.providerNic]),
    });
    assert.deepEqual(result.errors, []);
    assert.deepEqual(await ours(), [dhcpNamespaceName(served, bed.namespacePrefix)]);
    assert.equal(await exists(bridgeName(gone)), false);
    assert.equal(await exists('vxlan-4711'), false);
    assert.ok(await exists(bridgeName(served)), 'served bridge kept');
    assert.ok(await exists(bed.providerNic), 'provider NIC kept');
    assert.ok(await exists(bridgeName(busy)), 'bridge with an instance tap kept');
    assert.ok(await exists('vxlan-4712'), 'its uplink kept');
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
