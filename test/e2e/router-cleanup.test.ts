import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { cleanupNamespaces } from '../../src/agent/cleanup.js';
import {
  bridgeName,
  routerInterfaceDeviceName,
  routerNamespaceName,
  tapName,
} from '../../src/agent/naming.js';
import { listNamespaces } from '../../src/linux/ip-batch.js';
import { runCommand } from '../../src/linux/run-command.js';
import { AgentTestbed } from '../support/agent/testbed.js';
import { canUseNamespaces } from '../support/netns.js';

const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';

/**
 * Router namespaces under cleanup (issue 13, src/agent/cleanup-plan.ts): a working router (its `qr-` device
 * inside, the `tap…` peer on a `brq…` bridge of the test's host namespace), a stale one (only `lo`, what a
 * machine death leaves after its devices went) — made with `ip` as the router data plane makes them
 * (naming.ts), so the plan is checked against what the kernel reports.
 */
describe('netns-cleanup and router namespaces', { skip, concurrency: false }, () => {
  let bed: AgentTestbed;
  const working = randomUUID();
  const stale = randomUUID();
  const network = randomUUID();
  const port = randomUUID();
  const bridge = bridgeName(network);
  const tap = tapName(port);
  const namespace = (routerId: string): string => routerNamespaceName(routerId, bed.namespacePrefix);

  before(async () => {
    bed = await AgentTestbed.create('rcl');
    await runCommand('ip', ['netns', 'add', namespace(working)]);
    await runCommand('ip', ['netns', 'add', namespace(stale)]);
    await bed.host.ip(['link', 'add', bridge, 'type', 'bridge']);
    await bed.host.ip(['link', 'add', 'vxlan-4721', 'type', 'vxlan', 'id', '4721', 'dstport', '4789']);
    await bed.host.ip(['link', 'set', 'vxlan-4721', 'master', bridge]);
    const inside = routerInterfaceDeviceName(port);
    await bed.host.ip(['link', 'add', tap, 'type', 'veth', 'peer', 'name', inside]);
    await bed.host.ip(['link', 'set', tap, 'master', bridge]);
    await bed.host.ip(['link', 'set', inside, 'netns', namespace(working)]);
  });

  after(async () => {
    await bed?.removeNamespaces([namespace(working), namespace(stale)]);
    await bed?.teardown();
  });

  const routers = async (): Promise<string[]> =>
    (await listNamespaces())
      .filter((name) => name.startsWith(bed.namespacePrefix) && name.includes('qrouter-'))
      .sort();
  const exists = async (device: string): Promise<boolean> =>
    (await bed.host.ip(['link', 'show', 'dev', device], { allowFailure: true })).code === 0;
  const cleanup = (all: boolean, keep?: ReadonlySet<string>) =>
    cleanupNamespaces({
      namespacePrefix: bed.namespacePrefix,
      hostNamespace: bed.host.name,
      all,
      dryRun: false,
      stateDirectory: undefined,
      ...(keep !== undefined && { keep }),
    });

  test('agent start (networks to keep given): router namespaces are the router reconciler’s, untouched', async () => {
    const result = await cleanup(false, new Set([network]));
    assert.deepEqual(result.errors, []);
    assert.deepEqual(await routers(), [namespace(working), namespace(stale)].sort());
  });

  test('default: the stale router namespace goes; the working one and the bridge its tap is on stay', async () => {
    const result = await cleanup(false);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.lines, [`delete namespace ${namespace(stale)}`]);
    assert.deepEqual(await routers(), [namespace(working)]);
    assert.ok(await exists(tap), 'working router tap kept');
    assert.ok(await exists(bridge), 'bridge carrying a router tap kept');
  });

  test('--all: the working router goes with its tap, then the bridge it freed and its uplink', async () => {
    const result = await cleanup(true);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(await routers(), []);
    assert.equal(await exists(tap), false, 'tap went with the qr- device');
    assert.equal(await exists('vxlan-4721'), false);
    assert.equal(await exists(bridge), false);
  });
});
