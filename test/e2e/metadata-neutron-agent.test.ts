import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import amqp from 'amqplib';
import { type CommandResult, runCommand } from '../../src/linux/run-command.js';
import { instanceIdSignature } from '../../src/metadata/signature.js';
import { AllInOne, type Json, type ProbeInstance } from '../support/agent/all-in-one.js';
import { canUseNamespaces, uniquePrefix } from '../support/netns.js';
import { ManagedProcess } from '../support/process.js';

/**
 * `metadata_backend = neutron-agent` with the REAL neutron-metadata-agent (python3-neutron, Zed) behind the
 * socket: probe → the agent's proxy in the DHCP namespace → neutron-metadata-agent's UNIX socket → its
 * `get_ports` RPC over RabbitMQ → a signed request to a Nova stand-in that checks the signature. The
 * metadata agent asks neutron-server who the caller is; here the test answers that one RPC itself
 * (oslo.messaging's wire format: topic `q-plugin` on the `neutron` exchange, reply on the default exchange
 * to `_reply_q`), from the ports qdhcp's API holds, on a private vhost of the machine's RabbitMQ that the
 * test creates and deletes. The run with a real neutron-server belongs to the real-Neutron e2e (issue 16).
 */
const METADATA_AGENT = '/usr/bin/neutron-metadata-agent';
const SECRET = 'e2e-real-agent-secret';

/** Why the test cannot run here, or undefined. */
async function missing(): Promise<string | undefined> {
  if (!canUseNamespaces()) return 'needs root for network namespaces';
  if (!existsSync(METADATA_AGENT)) return 'neutron-metadata-agent (python3-neutron) is not installed';
  const vhosts = await rabbitmqctl(['list_vhosts']).catch(() => undefined);
  return vhosts?.code === 0 ? undefined : 'no local RabbitMQ to make a private vhost on';
}

/** The machine's RabbitMQ, only ever for our own vhost (created and deleted by this test). */
function rabbitmqctl(args: readonly string[]): Promise<CommandResult> {
  return runCommand('rabbitmqctl', ['-q', ...args], { timeoutMs: 30_000, allowFailure: true });
}

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
    { allowFailure: true, timeoutMs: 30_000 },
  );
}

/** One `get_ports` call as the metadata agent made it. */
interface PortsCall {
  readonly filters: { network_id?: string[]; fixed_ips?: { ip_address?: string[] } };
}

/**
 * neutron-server's side of the one RPC neutron-metadata-agent makes (`MetadataPluginAPI.get_ports`): a
 * consumer of `q-plugin` on the `neutron` topic exchange that answers from qdhcp's API (the ports with
 * that address on that network, as Neutron's admin view with `tenant_id`).
 */
async function answerGetPorts(url: string, apiUrl: string, calls: PortsCall[]): Promise<() => Promise<void>> {
  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  // As oslo.messaging declares it (amqp_durable_queues = false, amqp_auto_delete = false).
  await channel.assertExchange('neutron', 'topic', { durable: false, autoDelete: false });
  await channel.assertQueue('q-plugin', { durable: false, autoDelete: false });
  await channel.bindQueue('q-plugin', 'neutron', 'q-plugin');
  await channel.consume('q-plugin', (message) => {
    if (message === null) return;
    channel.ack(message);
    void (async () => {
      const envelope = JSON.parse(message.content.toString()) as { 'oslo.message': string };
      const call = JSON.parse(envelope['oslo.message']) as {
        method: string;
        args: PortsCall;
        _msg_id: string;
        _reply_q: string;
      };
      let result: unknown = null;
      if (call.method === 'get_ports') {
        calls.push(call.args);
        const networks = call.args.filters.network_id ?? [];
        const addresses = call.args.filters.fixed_ips?.ip_address ?? [];
        const ports: Json[] = [];
        for (const network of networks) {
          const response = await fetch(`${apiUrl}/v2.0/ports?network_id=${network}`);
          for (const port of ((await response.json()) as { ports: Json[] }).ports) {
            const ips = (port['fixed_ips'] as Json[]).map((fixed) => String(fixed['ip_address']));
            if (ips.some((ip) => addresses.includes(ip))) ports.push(port);
          }
        }
        result = ports;
      }
      const reply = {
        result,
        failure: null,
        ending: true,
        _msg_id: call._msg_id,
        _unique_id: uniquePrefix('r'),
      };
      channel.publish(
        '',
        call._reply_q,
        Buffer.from(JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(reply) })),
        {
          contentType: 'application/json',
        },
      );
    })();
  });
  return async () => {
    await channel.close().catch(() => undefined);
    await connection.close().catch(() => undefined);
  };
}

const skip = await missing();

describe('neutron-agent backend with the real neutron-metadata-agent', {
  skip,
  concurrency: false,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'qdhcp-mda-'));
  const socketPath = join(dir, 'metadata_proxy');
  const vhost = `qdhcp-${uniquePrefix('mda')}`;
  const novaSeen: IncomingHttpHeaders[] = [];
  const calls: PortsCall[] = [];
  const instances = new Map<string, string>();
  let nova: Server | undefined;
  let metadataAgent: ManagedProcess | undefined;
  let stopRpc: (() => Promise<void>) | undefined;
  let aio: AllInOne;
  let network: Json;
  let vm1: ProbeInstance;

  before(async () => {
    assert.equal((await rabbitmqctl(['add_vhost', vhost])).code, 0, 'private vhost');
    await rabbitmqctl(['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
    nova = createServer((request, response) => {
      novaSeen.push(request.headers);
      const id = String(request.headers['x-instance-id']);
      const signed = request.headers['x-instance-id-signature'] === instanceIdSignature(SECRET, id);
      if (!signed || instances.get(id) !== request.headers['x-tenant-id']) {
        response.writeHead(signed ? 404 : 403).end();
        return;
      }
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ uuid: id, from: request.headers['x-forwarded-for'], path: request.url }));
    });
    await new Promise<void>((resolve) => nova?.listen(0, '127.0.0.1', resolve));
    const config = join(dir, 'metadata_agent.ini');
    writeFileSync(
      config,
      [
        '[DEFAULT]',
        `transport_url = rabbit://guest:guest@127.0.0.1:5672/${vhost}`,
        `state_path = ${dir}`,
        `metadata_proxy_socket = ${socketPath}`,
        'nova_metadata_host = 127.0.0.1',
        `nova_metadata_port = ${(nova.address() as AddressInfo).port}`,
        `metadata_proxy_shared_secret = ${SECRET}`,
        'metadata_workers = 0',
        'debug = true',
        '[agent]',
        // No state reports: nothing answers q-reports-plugin here.
        'report_interval = 0',
        '',
      ].join('\n'),
    );
    aio = await AllInOne.start('mda', [
      '--metadata-backend',
      'neutron-agent',
      '--metadata-proxy-socket',
      socketPath,
    ]);
    stopRpc = await answerGetPorts(`amqp://guest:guest@127.0.0.1:5672/${vhost}`, aio.apiUrl, calls);
    metadataAgent = ManagedProcess.start('neutron-metadata-agent', METADATA_AGENT, ['--config-file', config]);
    network = (await aio.servedNetwork('mda', '10.84.0.0/24')).network;
    vm1 = await aio.probeInstance(String(network['id']), 'vm1', { name: 'vm1', hostname: 'vm1' });
    instances.set(
      String(vm1.instance['id']),
      String(vm1.instance['project_id'] ?? vm1.instance['tenant_id']),
    );
    await aio.waitFor(
      'neutron-metadata-agent listens',
      async () => (existsSync(socketPath) ? true : undefined),
      90_000,
    );
  });

  after(async () => {
    await aio?.teardown();
    await metadataAgent?.stop();
    await stopRpc?.();
    await new Promise<void>((resolve) => (nova === undefined ? resolve() : nova.close(() => resolve())));
    await rabbitmqctl(['delete_vhost', vhost]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a probe reads its own instance through the real metadata agent, signed, whatever it claims', async () => {
    const out = await wget(vm1.namespace, '/openstack/latest/meta_data.json', {
      'X-Forwarded-For': '10.0.0.66',
      'X-Neutron-Router-ID': 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee',
      'X-Instance-ID': 'someone-else',
    });
    assert.equal(out.code, 0, `${out.stderr}\n${metadataAgent?.output() ?? ''}`);
    assert.deepEqual(JSON.parse(out.stdout), {
      uuid: vm1.instance['id'],
      from: vm1.ip,
      path: '/openstack/latest/meta_data.json',
    });
    // The metadata agent looked the caller up by what the proxy sent: this network, the probe's address.
    assert.deepEqual(calls.at(-1)?.filters, {
      network_id: [network['id']],
      fixed_ips: { ip_address: [vm1.ip] },
    });
    assert.equal(novaSeen.at(-1)?.['x-tenant-id'], instances.get(String(vm1.instance['id'])));
  });

  test('a port without an instance gets 404 from the metadata agent', async () => {
    await aio.leasedProbe(String(network['id']), 'anon');
    const out = await wget(aio.probeNamespace('anon'), '/openstack/latest/meta_data.json');
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /404/);
  });
});
