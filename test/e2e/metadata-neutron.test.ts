import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CommandResult, runCommand } from '../../src/linux/run-command.js';
import { AllInOne, type Json, type ProbeInstance } from '../support/agent/all-in-one.js';
import { canUseNamespaces } from '../support/netns.js';
import { NovaStandIn } from '../support/nova-stand-in.js';

/**
 * The metadata backends for an agent beside a real neutron-server (issue 16), end to end in the agent
 * process: `qdhcp all-in-one` with `metadata_backend = nova-local` (the caller found in the agent's own
 * ports, signed to a Nova stand-in on 127.0.0.1 that checks the signature; Neutron's option names
 * nova_metadata_host/port) and then `neutron-agent` (forwarded to a UNIX socket where this test records what
 * neutron-metadata-agent would receive). Probes on two networks with the same CIDR read 169.254.169.254
 * with busybox wget, sending forged identity headers.
 *
 * The real neutron-metadata-agent behind the socket (with a real neutron-server to ask who the caller is) is
 * test/e2e/metadata-real-neutron.test.ts.
 */
const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';
const SECRET = 'e2e-neutron-secret';
const FORGED = {
  'X-Forwarded-For': '10.0.0.66',
  'X-Neutron-Network-ID': 'ffffffff-ffff-4fff-8fff-ffffffffffff',
  'X-Instance-ID': 'someone-else',
  'X-Tenant-ID': 'other-project',
};

function wget(namespace: string, path: string, headers: Record<string, string> = {}): Promise<CommandResult> {
  const headerArgs = Object.entries(headers).flatMap(([name, value]) => ['--header', `${name}: ${value}`]);
  return runCommand(
    'ip',
    [
      'netns',
      'exec',
      namespace,
      'busybox',
      'wget',
      '-q',
      '-O',
      '-',
      ...headerArgs,
      `http://169.254.169.254${path}`,
    ],
    { allowFailure: true, timeoutMs: 15_000 },
  );
}

/** An HTTP server that records each request's headers and answers with `answer(headers)`. */
async function recordingServer(
  listen: (server: Server) => Promise<void>,
  answer: (headers: IncomingHttpHeaders) => { status: number; body: string },
): Promise<{ server: Server; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    seen.push(request.headers);
    const { status, body } = answer(request.headers);
    response.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await listen(server);
  return { server, seen };
}

const close = (server: Server | undefined) =>
  new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));

describe('metadata backends for Neutron, end to end', { skip, concurrency: false }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'qdhcp-mdn-'));
  const socketPath = join(dir, 'metadata_proxy');
  let aio: AllInOne;
  let nova: NovaStandIn;
  let metadataAgent: { server: Server; seen: IncomingHttpHeaders[] };
  let networkA: Json;
  let networkB: Json;
  let vm1: ProbeInstance;
  let vmB: ProbeInstance;

  before(async () => {
    nova = await NovaStandIn.start(SECRET);
    metadataAgent = await recordingServer(
      (server) => new Promise((resolve) => server.listen(socketPath, resolve)),
      (headers) => ({ status: 200, body: JSON.stringify({ network: headers['x-neutron-network-id'] }) }),
    );
    const novaPort = nova.port;
    aio = await AllInOne.start('mdn', [
      ...['--metadata-backend', 'nova-local', '--metadata-proxy-shared-secret', SECRET],
      ...['--nova-metadata-host', '127.0.0.1', '--nova-metadata-port', String(novaPort)],
    ]);
    networkA = (await aio.servedNetwork('mdn-a', '10.83.0.0/24')).network;
    // Same CIDR on purpose: an address alone identifies nobody.
    networkB = (await aio.servedNetwork('mdn-b', '10.83.0.0/24')).network;
    vm1 = await aio.probeInstance(String(networkA['id']), 'vm1', { name: 'vm1', hostname: 'vm1' });
    vmB = await aio.probeInstance(String(networkB['id']), 'vmb', { name: 'vmb', hostname: 'vmb' });
    for (const vm of [vm1, vmB]) nova.addInstance(String(vm.instance['id']));
  });

  after(async () => {
    await aio?.teardown();
    await nova?.stop();
    await close(metadataAgent?.server);
    rmSync(dir, { recursive: true, force: true });
  });

  test('nova-local: each probe reaches Nova signed as its own instance and project, whatever it claims', async () => {
    for (const vm of [vm1, vmB]) {
      // The instance record set the port's device_id a moment ago: the agent's ports follow by event.
      const body = await aio.waitFor(`${vm.probe} identified`, async () => {
        const out = await wget(vm.namespace, '/openstack/latest/meta_data.json', FORGED);
        return out.code === 0 ? out.stdout : undefined;
      });
      assert.deepEqual(JSON.parse(body), {
        uuid: vm.instance['id'],
        from: vm.ip,
        path: '/openstack/latest/meta_data.json',
      });
      const headers = nova.seen.at(-1);
      assert.equal(headers?.['x-tenant-id'], String(vm.instance['project_id'] ?? vm.instance['tenant_id']));
      assert.equal(headers?.['x-neutron-network-id'], undefined);
    }
  });

  test('nova-local: a port without an instance gets 404 and Nova is never asked', async () => {
    await aio.leasedProbe(String(networkA['id']), 'anon');
    const asked = nova.seen.length;
    const out = await wget(aio.probeNamespace('anon'), '/openstack/latest/meta_data.json');
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /404/);
    assert.equal(nova.seen.length, asked);
  });

  test("neutron-agent: the metadata agent's socket gets the probe's network and address, and no forged header", async () => {
    await aio.restart(['--metadata-backend', 'neutron-agent', '--metadata-proxy-socket', socketPath]);
    for (const [vm, network] of [
      [vm1, networkA],
      [vmB, networkB],
    ] as const) {
      const body = await aio.waitFor(`${vm.probe} forwarded`, async () => {
        const out = await wget(vm.namespace, '/latest/meta-data/instance-id', FORGED);
        return out.code === 0 ? out.stdout : undefined;
      });
      assert.deepEqual(JSON.parse(body), { network: network['id'] });
      const headers = metadataAgent.seen.at(-1);
      assert.equal(headers?.['x-forwarded-for'], vm.ip);
      assert.equal(headers?.['x-neutron-network-id'], network['id']);
      assert.equal(headers?.['x-instance-id'], undefined);
      assert.equal(headers?.['x-tenant-id'], undefined);
    }
  });
});
