import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../common/logger.js';
import { instanceIdSignature } from '../../metadata/signature.js';
import type { AgentNetwork, AgentPort } from '../model.js';
import { NetworkState } from '../reconciler/network-state.js';
import { DEFAULT_DHCP_SETTINGS } from '../settings.js';
import { createNovaLocalBackend, type MetadataBackend } from './backends.js';
import { LocalInstances } from './local-instances.js';
import { createNeutronAgentBackend } from './neutron-agent-backend.js';
import { type ListenerFactory, MetadataProxy } from './proxy-server.js';

/**
 * The two backends for a qdhcp agent beside a real neutron-server, through the real proxy on loopback
 * (the listener factory is the one seam; in the agent it listens inside the DHCP namespace): callers differ
 * by source address (127.0.0.1 is the instance, 127.0.0.2 a stranger). `neutron-agent` forwards to a real
 * HTTP listener on a UNIX socket that records what arrives, as neutron-metadata-agent would receive it;
 * `nova-local` signs to a Nova stand-in that checks the signature.
 */
const NETWORK = '4b7dfef7-36f4-4346-82b8-f3c10e9b0149';
const KNOWN = '127.0.0.1';
const STRANGER = '127.0.0.2';
const INSTANCE = '0f4e2d8a-3c6b-4e1f-9a7d-5b2c8e1f3a6d';
const PROJECT = 'f1e2d3c4b5a697887766554433221100';
const SECRET = 'unit-shared-secret';

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

function send(
  port: number,
  path: string,
  options: { from?: string; method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        localAddress: options.from ?? KNOWN,
        headers: options.headers ?? {},
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

async function startProxy(backend: MetadataBackend): Promise<{ proxy: MetadataProxy; port: number }> {
  let port = 0;
  const listen: ListenerFactory = async (_namespace, onConnection) => {
    const server = net.createServer(onConnection);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    return server;
  };
  const proxy = new MetadataProxy({ backend, logger: createLogger({ level: 'silent' }), listen });
  await proxy.open(NETWORK, 'qdhcp-test');
  return { proxy, port };
}

/** Every header a client may try to forge, none of which may reach the upstream. */
const FORGED: Record<string, string> = {
  'X-Forwarded-For': '10.0.0.66',
  'X-Neutron-Network-ID': 'ffffffff-ffff-4fff-8fff-ffffffffffff',
  'X-Neutron-Router-ID': 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee',
  'X-Instance-ID': 'someone-else',
  'X-Instance-ID-Signature': 'forged',
  'X-Tenant-ID': 'other-project',
};

interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

describe('neutron-agent backend: to neutron-metadata-agent over its UNIX socket', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qdhcp-neutron-agent-'));
  const socketPath = join(dir, 'metadata_proxy');
  const recorded: Recorded[] = [];
  let agentStand: Server;
  let proxy: MetadataProxy;
  let port: number;
  /** What the listener answers next (the metadata agent's own statuses pass through as they are). */
  let answer = { status: 200, type: 'text/plain', body: 'i-0000000a' };

  before(async () => {
    agentStand = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        recorded.push({
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks).toString(),
        });
        if (request.url === '/stall') return; // never answers: the proxy's timeout
        response.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => agentStand.listen(socketPath, resolve));
    ({ proxy, port } = await startProxy(createNeutronAgentBackend({ socketPath, timeoutMs: 1000 })));
  });

  after(async () => {
    await proxy.stop();
    agentStand.closeAllConnections();
    await new Promise<void>((resolve) => agentStand.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  test("the request arrives with the namespace's network and the TCP peer, and only them: forged headers are gone", async () => {
    const reply = await send(port, '/latest/meta-data/instance-id?x=1', { headers: FORGED });
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'i-0000000a');
    const got = recorded.at(-1);
    assert.ok(got);
    assert.equal(got.method, 'GET');
    assert.equal(got.url, '/latest/meta-data/instance-id?x=1');
    assert.equal(got.headers['x-neutron-network-id'], NETWORK);
    assert.equal(got.headers['x-forwarded-for'], KNOWN);
    for (const name of ['x-neutron-router-id', 'x-instance-id', 'x-instance-id-signature', 'x-tenant-id']) {
      assert.equal(got.headers[name], undefined, name);
    }
  });

  test('each caller is named by its own address; POST bodies and their content type pass through', async () => {
    await send(port, '/openstack/latest/password', {
      from: STRANGER,
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', ...FORGED },
      body: 'secret-password',
    });
    const got = recorded.at(-1);
    assert.ok(got);
    assert.equal(got.method, 'POST');
    assert.equal(got.headers['x-forwarded-for'], STRANGER);
    assert.equal(got.headers['content-type'], 'text/plain');
    assert.equal(got.body, 'secret-password');
  });

  const passedThrough = [
    { status: 404, type: 'text/html', body: '<h1>404 Not Found</h1>' },
    { status: 500, type: 'text/plain', body: 'An unknown error has occurred.' },
    { status: 200, type: 'application/json', body: '{"uuid":"x"}' },
  ];
  for (const upstream of passedThrough) {
    test(`the metadata agent's ${upstream.status} ${upstream.type} is what the instance gets`, async () => {
      answer = upstream;
      const reply = await send(port, '/openstack/latest/meta_data.json');
      assert.equal(reply.status, upstream.status);
      assert.equal(reply.headers['content-type'], upstream.type);
      assert.equal(reply.body, upstream.body);
    });
  }

  test('no answer in time is 504, a socket nobody listens on is 503 (as haproxy)', async () => {
    assert.equal((await send(port, '/stall')).status, 504);
    const { proxy: orphan, port: orphanPort } = await startProxy(
      createNeutronAgentBackend({ socketPath: join(dir, 'nobody-here') }),
    );
    try {
      assert.equal((await send(orphanPort, '/latest/meta-data/')).status, 503);
    } finally {
      await orphan.stop();
    }
  });
});

/** A network whose ports the agent holds: the instance's port at KNOWN, a port without an instance. */
function networkWith(ports: readonly AgentPort[]): AgentNetwork {
  return { id: NETWORK, admin_state_up: true, mtu: 1500, subnets: [], ports };
}

const RULES = { dhcpDeviceId: () => 'dhcp-x', dhcp: DEFAULT_DHCP_SETTINGS };
const instancePort: AgentPort = {
  id: '6a3f5b2c-9d1e-4f7a-8b0c-1d2e3f4a5b6c',
  mac_address: 'fa:16:3e:b2:03:74',
  fixed_ips: [{ subnet_id: 's', ip_address: KNOWN }],
  device_owner: 'compute:nova',
  device_id: INSTANCE,
  project_id: PROJECT,
};

describe('LocalInstances: the caller from the agent’s own ports', () => {
  const cases: ReadonlyArray<{
    readonly name: string;
    readonly ports: readonly AgentPort[];
    readonly address: string;
    readonly expected: { instanceId: string; projectId: string } | null;
  }> = [
    {
      name: 'the port with the address',
      ports: [instancePort],
      address: KNOWN,
      expected: { instanceId: INSTANCE, projectId: PROJECT },
    },
    {
      name: 'tenant_id when project_id is absent (older servers)',
      ports: [{ ...instancePort, project_id: undefined, tenant_id: 'legacy' }],
      address: KNOWN,
      expected: { instanceId: INSTANCE, projectId: 'legacy' },
    },
    { name: 'no port with the address', ports: [instancePort], address: STRANGER, expected: null },
    {
      name: 'a port without an instance',
      ports: [{ ...instancePort, device_id: '' }],
      address: KNOWN,
      expected: null,
    },
    {
      name: 'a port without a project',
      ports: [{ ...instancePort, project_id: undefined }],
      address: KNOWN,
      expected: null,
    },
    {
      name: 'two ports with the address (Neutron: exactly one or nobody)',
      ports: [instancePort, { ...instancePort, id: 'other', device_id: 'other-vm' }],
      address: KNOWN,
      expected: null,
    },
  ];
  for (const { name, ports, address, expected } of cases) {
    test(name, async () => {
      const instances = new LocalInstances();
      await instances.apply(NetworkState.of(networkWith(ports), 1, RULES));
      assert.deepEqual(instances.identify(NETWORK, address), expected);
      assert.equal(instances.identify('another-network', address), null, 'other networks know nobody');
      // A router's scope: the same answer when the network is among the router's, nobody when not.
      assert.deepEqual(instances.identifyAmong(['another-network', NETWORK], address), expected);
      assert.equal(instances.identifyAmong(['another-network'], address), null);
    });
  }

  test('follows the snapshots: a port moved or deleted identifies nobody; a removed network neither', async () => {
    const instances = new LocalInstances();
    const first = NetworkState.of(networkWith([instancePort]), 1, RULES);
    await instances.apply(first);
    assert.ok(instances.identify(NETWORK, KNOWN));
    const moved = first.apply({
      kind: 'port-upsert',
      port: { ...instancePort, fixed_ips: [{ subnet_id: 's', ip_address: STRANGER }], revision_number: 2 },
      revision: 2,
    }).next;
    await instances.apply(moved);
    assert.equal(instances.identify(NETWORK, KNOWN), null);
    assert.equal(instances.identify(NETWORK, STRANGER)?.instanceId, INSTANCE);
    await instances.apply(moved.apply({ kind: 'port-delete', portId: instancePort.id, revision: 3 }).next);
    assert.equal(instances.identify(NETWORK, STRANGER), null);
    await instances.apply(first);
    await instances.remove(NETWORK);
    assert.equal(instances.identify(NETWORK, KNOWN), null);
  });
});

describe('nova-local backend: signed to Nova for the caller found locally', () => {
  const seen: IncomingHttpHeaders[] = [];
  let nova: Server;
  let proxy: MetadataProxy;
  let port: number;

  before(async () => {
    nova = createServer((request, response) => {
      seen.push(request.headers);
      const id = String(request.headers['x-instance-id']);
      if (request.headers['x-instance-id-signature'] !== instanceIdSignature(SECRET, id)) {
        response.writeHead(403).end();
        return;
      }
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ uuid: id, path: request.url }));
    });
    await new Promise<void>((resolve) => nova.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(nova.address() as AddressInfo).port}`;
    const instances = new LocalInstances();
    await instances.apply(NetworkState.of(networkWith([instancePort]), 1, RULES));
    ({ proxy, port } = await startProxy(createNovaLocalBackend(instances, { url, sharedSecret: SECRET })));
  });

  after(async () => {
    await proxy.stop();
    await new Promise<void>((resolve) => nova.close(() => resolve()));
  });

  test('Nova gets the instance, its project, the peer address and a valid signature, whatever the client claims', async () => {
    const reply = await send(port, '/openstack/latest/meta_data.json', { headers: FORGED });
    assert.equal(reply.status, 200, reply.body);
    assert.deepEqual(JSON.parse(reply.body), { uuid: INSTANCE, path: '/openstack/latest/meta_data.json' });
    const headers = seen.at(-1);
    assert.equal(headers?.['x-instance-id'], INSTANCE);
    assert.equal(headers?.['x-tenant-id'], PROJECT);
    assert.equal(headers?.['x-forwarded-for'], KNOWN);
    assert.equal(headers?.['x-neutron-network-id'], undefined);
  });

  test('a stranger gets 404 and Nova is never asked', async () => {
    const asked = seen.length;
    assert.equal((await send(port, '/openstack/latest/meta_data.json', { from: STRANGER })).status, 404);
    assert.equal(seen.length, asked);
  });
});
