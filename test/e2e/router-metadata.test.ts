/**
 * Metadata through the router (issue 13), the data path end to end: instances reach 169.254.169.254
 * through their default gateway; the router namespace redirects tcp/80 to 9697 with nftables, as the
 * router data plane does (`redirect to :9697` for packets arriving on `qr-` interfaces); the agent's
 * listener there (`RouterMetadata`, through the listening-socket registry and the native addon) identifies
 * the caller by (the router's networks, source address) with the real server's `metadata.get_instance`
 * (SQLite, in-process bus) and the builtin backend.
 *
 *   [vm-a] eth0 10.90.1.3 ══ qr-a 10.90.1.1 ┐
 *   [vm-b] eth0 10.90.2.3 ══ qr-b 10.90.2.1 ┴ [<prefix>-qrouter-<uuid>]  nft redirect → 0.0.0.0:9697 (this process)
 *
 * Every namespace and device carries the sandbox's prefix; the nft table lives in the router namespace.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createBuiltinBackend } from '../../src/agent/metadata-proxy/backends.js';
import { createInstanceLookup } from '../../src/agent/metadata-proxy/instance-lookup.js';
import { MetadataProxy } from '../../src/agent/metadata-proxy/proxy-server.js';
import {
  ROUTER_METADATA_PORT,
  RouterMetadata,
  type RouterMetadataHandle,
} from '../../src/agent/metadata-proxy/router-metadata.js';
import { createAgentRpc } from '../../src/agent/reconciler/agent-rpc.js';
import { TEST_CONFIG } from '../../src/api/testing/test-harness.js';
import { createInProcessBus } from '../../src/bus/in-process-bus.js';
import { defaultConfig } from '../../src/common/config.js';
import { createLogger } from '../../src/common/logger.js';
import { listeningSockets } from '../../src/linux/listening-sockets.js';
import { type CommandResult, runCommand } from '../../src/linux/run-command.js';
import { buildControlPlane, type ControlPlane } from '../../src/main/server.js';
import { canUseNamespaces, type Namespace, Sandbox } from '../support/netns.js';

const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';
type Json = Record<string, unknown>;

/** busybox wget of the metadata address from an instance namespace (runCommand's timeout bounds it). */
function wget(namespace: Namespace, path: string): Promise<CommandResult> {
  return runCommand(
    'ip',
    ['netns', 'exec', namespace.name, 'busybox', 'wget', '-q', '-O', '-', `http://169.254.169.254${path}`],
    { allowFailure: true, timeoutMs: 15_000 },
  );
}

describe('metadata through the router namespace', { skip, concurrency: false }, () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'qdhcp-rmd-'));
  const sandbox = new Sandbox('rmd');
  const routerId = randomUUID();
  let server: ControlPlane;
  let proxy: MetadataProxy;
  let handle: RouterMetadataHandle;
  let router: Namespace;
  let vmA: Namespace;
  let vmB: Namespace;
  const networks: Record<'a' | 'b', string> = { a: '', b: '' };
  const instances: Record<'a' | 'b', string> = { a: '', b: '' };

  async function api(method: 'POST' | 'GET', url: string, body?: Json): Promise<Json> {
    const response = await server.api.inject({
      method,
      url,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    assert.ok(response.statusCode < 300, `${method} ${url}: ${response.statusCode} ${response.body}`);
    return JSON.parse(response.body) as Json;
  }

  /** A network with one subnet and an instance holding `.3` (its port handed to an instance record). */
  async function networkWithInstance(name: 'a' | 'b', cidr: string, gateway: string, ip: string) {
    const network = (await api('POST', '/v2.0/networks', { network: { name: `rmd-${name}` } }))[
      'network'
    ] as Json;
    const subnet = (
      await api('POST', '/v2.0/subnets', {
        subnet: { network_id: network['id'], ip_version: 4, cidr, gateway_ip: gateway },
      })
    )['subnet'] as Json;
    const port = (
      await api('POST', '/v2.0/ports', {
        port: { network_id: network['id'], fixed_ips: [{ subnet_id: subnet['id'], ip_address: ip }] },
      })
    )['port'] as Json;
    const instance = (
      await api('POST', '/v2.0/qdhcp/instances', { instance: { name: `vm-${name}`, ports: [port['id']] } })
    )['instance'] as Json;
    networks[name] = String(network['id']);
    instances[name] = String(instance['id']);
  }

  before(async () => {
    const bus = createInProcessBus();
    server = await buildControlPlane(defaultConfig({ ...TEST_CONFIG, state_dir: stateDir }), { bus });
    await networkWithInstance('a', '10.90.1.0/24', '10.90.1.1', '10.90.1.3');
    await networkWithInstance('b', '10.90.2.0/24', '10.90.2.1', '10.90.2.3');

    router = await sandbox.addNamespace(`qrouter-${routerId}`);
    vmA = await sandbox.addNamespace('vma');
    vmB = await sandbox.addNamespace('vmb');
    const qrA = sandbox.device('qra');
    const qrB = sandbox.device('qrb');
    await sandbox.addVeth(router, qrA, vmA, 'eth0', {
      localAddresses: ['10.90.1.1/24'],
      peerAddresses: ['10.90.1.3/24'],
    });
    await sandbox.addVeth(router, qrB, vmB, 'eth0', {
      localAddresses: ['10.90.2.1/24'],
      peerAddresses: ['10.90.2.3/24'],
    });
    // The instances know 169.254.169.254 only through their default gateway (no metadata host route).
    await vmA.ip(['route', 'add', 'default', 'via', '10.90.1.1']);
    await vmB.ip(['route', 'add', 'default', 'via', '10.90.2.1']);
    // What the router data plane installs (one table per router), inside the router namespace only.
    const rules = [
      'add table ip qtest',
      'add chain ip qtest prerouting { type nat hook prerouting priority dstnat; }',
      `add rule ip qtest prerouting iifname { "${qrA}", "${qrB}" } ip daddr 169.254.169.254 tcp dport 80 redirect to :${ROUTER_METADATA_PORT}`,
    ];
    await runCommand('ip', ['netns', 'exec', router.name, 'nft', '-f', '-'], {
      input: `${rules.join('\n')}\n`,
    });

    proxy = new MetadataProxy({
      backend: createBuiltinBackend(
        createInstanceLookup(createAgentRpc(bus), { host: 'rmd-host', ttlMs: 0 }),
      ),
      logger: createLogger({ level: process.env['QDHCP_TEST_LOG'] ?? 'silent' }),
    });
    // Only network A is behind the router at first.
    handle = await new RouterMetadata(proxy).openRouterMetadata(router.name, [networks.a]);
  });

  after(async () => {
    await proxy?.stop(0).catch(() => undefined);
    await server?.close().catch(() => undefined);
    await sandbox.teardown();
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('the listener is a registry socket on 0.0.0.0:9697 inside the router namespace', () => {
    const held = listeningSockets.held().map((socket) => socket.spec);
    assert.ok(
      held.some(
        (spec) =>
          spec.namespace === router.name &&
          spec.kind === 'tcp4' &&
          spec.address === '0.0.0.0' &&
          spec.port === ROUTER_METADATA_PORT,
      ),
      JSON.stringify(held),
    );
  });

  test('an instance behind the router gets its own instance-id via 169.254.169.254', async () => {
    const out = await wget(vmA, '/openstack/latest/meta_data.json');
    assert.equal(out.code, 0, out.stderr);
    const meta = JSON.parse(out.stdout) as Json;
    assert.equal(meta['uuid'], instances.a);
    assert.equal(meta['name'], 'vm-a');
    const ec2 = await wget(vmA, '/latest/meta-data/local-ipv4');
    assert.equal(ec2.stdout, '10.90.1.3');
  });

  test('an instance of a network not on the router gets 404; once its network is added, its own answer', async () => {
    const refused = await wget(vmB, '/openstack/latest/meta_data.json');
    assert.notEqual(refused.code, 0, `expected 404, got ${refused.stdout}`);
    assert.match(refused.stderr, /404/);
    handle.update([networks.a, networks.b]);
    const out = await wget(vmB, '/openstack/latest/meta_data.json');
    assert.equal(out.code, 0, out.stderr);
    assert.equal((JSON.parse(out.stdout) as Json)['uuid'], instances.b);
    // And A's instance is still itself, not B's: the address decides within the router's networks.
    const again = await wget(vmA, '/openstack/latest/meta_data.json');
    assert.equal((JSON.parse(again.stdout) as Json)['uuid'], instances.a);
    assert.equal(handle.counters()['metadata.404'], 1);
  });

  test('closed: nothing answers in the router namespace any more', async () => {
    await handle.close();
    const out = await wget(vmA, '/latest/meta-data/instance-id');
    assert.notEqual(out.code, 0);
    assert.ok(
      !listeningSockets.held().some((socket) => socket.spec.namespace === router.name),
      'the registry no longer exports it',
    );
  });
});
