import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import type { Bus } from '../../bus/bus.js';
import { GetInstanceResult } from '../../bus/dhcp-agent-rpc.js';
import { createInProcessBus } from '../../bus/in-process-bus.js';
import { createLogger } from '../../common/logger.js';
import { instanceIdSignature } from '../../metadata/signature.js';
import { sampleContext } from '../../metadata/testing/fixtures.js';
import { createAgentRpc } from '../reconciler/agent-rpc.js';
import { createBuiltinBackend, createNovaProxyBackend, type MetadataBackend } from './backends.js';
import { createInstanceLookup } from './instance-lookup.js';
import { MetadataProxy } from './proxy-server.js';
import { LOOPBACK_KINDS, type LoopbackKind, loopbackListener } from './testing/loopback-listener.js';

/**
 * The proxy's HTTP edge and identification, on loopback: the listener factory is the one seam (in the agent
 * it opens 169.254.169.254:80 inside the DHCP namespace; test/e2e/metadata-proxy.test.ts covers that with
 * probes). Callers differ by source address (127.0.0.1 is the instance, 127.0.0.2 is unknown), and the
 * server side of `metadata.get_instance` is a handler on the in-process bus with the contract's shape.
 */
const NETWORK = '4b7dfef7-36f4-4346-82b8-f3c10e9b0149';
const KNOWN = '127.0.0.1';
const STRANGER = '127.0.0.2';
const sample = sampleContext();
/** The sample's EC2 instance id (`i-%08x` of its ec2Id 10); the OpenStack tree keeps the UUID. */
const EC2_INSTANCE_ID = 'i-0000000a';
const { userData, ...instanceFields } = sample.instance;
/** The sample instance as the server sends it (JSON on the bus), checked against the contract. */
const KNOWN_RESULT = JSON.parse(
  JSON.stringify({
    identity: {
      portId: sample.requestPort.id,
      instanceId: sample.instance.id,
      projectId: sample.instance.projectId,
    },
    context: {
      instance: {
        ...instanceFields,
        userDataBase64: userData === undefined ? null : Buffer.from(userData).toString('base64'),
      },
      requestPort: sample.requestPort,
      ports: sample.ports,
      domain: sample.domain,
    },
  }),
) as GetInstanceResult;
assert.ok(Value.Check(GetInstanceResult, KNOWN_RESULT));

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(
  port: number,
  path: string,
  options: { from?: string; method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        localAddress: options.from ?? KNOWN,
        headers: options.headers ?? {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Sends raw bytes and returns what came back before the server closed. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: KNOWN });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
    socket.on('error', reject);
    socket.end(bytes);
  });
}

/** A proxy for NETWORK on a loopback port, with the lookup answered by `handler` on an in-process bus. */
async function startProxy(makeBackend: (bus: Bus) => MetadataBackend, kind: LoopbackKind = 'net') {
  let port = 0;
  const listen = loopbackListener(kind, (opened) => {
    port = opened;
  });
  const bus = createInProcessBus();
  const calls: Array<Readonly<Record<string, unknown>>> = [];
  bus.serve('metadata.get_instance', async (params) => {
    calls.push(params);
    if (params['ipAddress'] === 'fail') throw new Error('server down');
    return params['networkId'] === NETWORK && params['ipAddress'] === KNOWN
      ? KNOWN_RESULT
      : { identity: null, context: null };
  });
  const proxy = new MetadataProxy({
    backend: makeBackend(bus),
    logger: createLogger({ level: 'silent' }),
    limits: { maxHeaderBytes: 2048, maxBodyBytes: 1024, requestTimeoutMs: 1500 },
    listen,
  });
  await proxy.open(NETWORK, 'qdhcp-test');
  return { proxy, port: () => port, calls };
}

const lookupOn = (bus: Bus) => createInstanceLookup(createAgentRpc(bus), { host: 'h1', ttlMs: 1000 });

// Every behaviour on both ways of accepting: a net.Server, and the addon's listener the agent uses.
for (const kind of LOOPBACK_KINDS)
  describe(`metadata proxy, builtin backend (${kind} listener)`, () => {
    let proxy: MetadataProxy;
    let port: number;
    let calls: Array<Readonly<Record<string, unknown>>>;

    before(async () => {
      const started = await startProxy((bus) => createBuiltinBackend(lookupOn(bus)), kind);
      proxy = started.proxy;
      port = started.port();
      calls = started.calls;
    });
    after(() => proxy.stop());

    test('the caller reads its own instance: EC2 and OpenStack trees, user data as bytes', async () => {
      const id = await get(port, '/latest/meta-data/instance-id');
      assert.equal(id.status, 200);
      assert.equal(id.body, EC2_INSTANCE_ID);
      assert.equal((await get(port, '/2009-04-04/user-data')).body, '#cloud-config\nhostname: web-1\n');
      const meta = JSON.parse((await get(port, '/openstack/latest/meta_data.json')).body) as Record<
        string,
        unknown
      >;
      assert.equal(meta['uuid'], sample.instance.id);
      assert.equal(
        (await get(port, '/latest/meta-data/local-ipv4')).body,
        KNOWN,
        'local-ipv4 is the request address',
      );
    });

    test('identification is the TCP peer only: spoofed headers neither grant nor change access', async () => {
      const spoof = {
        'X-Forwarded-For': KNOWN,
        'X-Instance-ID': sample.instance.id,
        'X-Instance-ID-Signature': 'f'.repeat(64),
        'X-Tenant-ID': sample.instance.projectId,
        'X-Neutron-Network-ID': NETWORK,
      };
      assert.equal(
        (await get(port, '/latest/meta-data/instance-id', { from: STRANGER, headers: spoof })).status,
        404,
      );
      const own = await get(port, '/latest/meta-data/instance-id', {
        headers: { 'X-Forwarded-For': STRANGER },
      });
      assert.equal(own.body, EC2_INSTANCE_ID);
      assert.ok(calls.every((call) => call['ipAddress'] === KNOWN || call['ipAddress'] === STRANGER));
      assert.ok(calls.every((call) => call['networkId'] === NETWORK && call['host'] === 'h1'));
    });

    test('only GET and HEAD; HEAD has the length and no body', async () => {
      const post = await get(port, '/latest/meta-data/', { method: 'POST', body: 'x' });
      assert.equal(post.status, 405);
      assert.equal(post.headers['allow'], 'GET, HEAD');
      const head = await get(port, '/latest/meta-data/instance-id', { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], String(EC2_INSTANCE_ID.length));
      assert.equal(head.body, '');
    });

    test('malformed HTTP → 400, oversized headers → 431, both counted; the proxy keeps serving', async () => {
      assert.match(await raw(port, 'GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400 /);
      // Not origin-form: refused before any backend sees it (the nova backend appends the path to its URL).
      assert.match(
        await raw(port, 'GET http://127.0.0.1:9/x HTTP/1.1\r\nHost: x\r\n\r\n'),
        /^HTTP\/1\.1 400 /,
      );
      assert.match(
        await raw(port, `GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`),
        /^HTTP\/1\.1 431 /,
      );
      assert.equal((await get(port, '/latest/meta-data/instance-id')).status, 200);
      const counters = proxy.counters(NETWORK);
      assert.equal(counters['metadata.bad_request'], 1);
      assert.equal(counters['metadata.400'], 1);
      assert.equal(counters['metadata.431'], 1);
      assert.ok((counters['metadata.200'] ?? 0) >= 5);
      assert.ok((counters['metadata.404'] ?? 0) >= 1);
      assert.equal(counters['metadata.405'], 1);
    });

    test('a client that dribbles its headers is cut off with 408 at the request timeout', async () => {
      const started = Date.now();
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port, localAddress: KNOWN });
        const chunks: Buffer[] = [];
        socket.write('GET /latest/meta-data/ HTTP/1.1\r\nHost: x\r\n');
        const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), 200);
        socket.on('data', (chunk) => chunks.push(chunk));
        socket.on('close', () => {
          clearInterval(drip);
          resolve(Buffer.concat(chunks).toString());
        });
        socket.on('error', reject);
      });
      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.ok(Date.now() - started < 5000, `cut off after ${Date.now() - started} ms`);
      assert.equal(proxy.counters(NETWORK)['metadata.408'], 1);
    });

    test('a guest’s GET in one segment takes the fast path; split or pipelined heads still get node:http', async () => {
      const curl =
        'GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: 169.254.169.254\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n';
      const before = proxy.counters(NETWORK)['metadata.200'] ?? 0;
      const fast = await raw(port, curl);
      // The fast path's own header spelling (node:http writes the names as the proxy gives them, lower case).
      assert.match(
        fast,
        /^HTTP\/1\.1 200 OK\r\nContent-Type: text\/plain; charset=utf-8\r\nContent-Length: 10\r\n/,
      );
      assert.match(
        fast,
        /\r\nDate: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\nConnection: close\r\n\r\ni-0000000a$/,
      );
      const head = await raw(port, curl.replace('GET', 'HEAD'));
      assert.match(head, /^HTTP\/1\.1 200 OK\r\n.*Content-Length: 10\r\n/s);
      assert.ok(head.endsWith('\r\n\r\n'), 'HEAD: no body');
      const split = await new Promise<string>((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port, localAddress: KNOWN });
        const chunks: Buffer[] = [];
        socket.write(curl.slice(0, 20));
        setTimeout(() => socket.write(curl.slice(20)), 50);
        socket.on('data', (chunk) => {
          chunks.push(chunk);
          if (Buffer.concat(chunks).toString().endsWith(EC2_INSTANCE_ID)) socket.end();
        });
        socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
        socket.on('error', reject);
      });
      assert.match(split, /^HTTP\/1\.1 200 OK\r\ncontent-type: /);
      assert.ok(split.endsWith(EC2_INSTANCE_ID));
      const pipelined = await raw(port, curl + curl.replace('Accept: */*', 'Connection: close'));
      assert.equal(pipelined.split(EC2_INSTANCE_ID).length, 3, `two answers: ${pipelined}`);
      assert.equal((proxy.counters(NETWORK)['metadata.200'] ?? 0) - before, 5);
    });

    test('a connection that sends nothing gets 408 at the headers timeout, counted', async () => {
      const before = proxy.counters(NETWORK)['metadata.408'] ?? 0;
      const started = Date.now();
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port, localAddress: KNOWN });
        const chunks: Buffer[] = [];
        socket.on('data', (chunk) => chunks.push(chunk));
        socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
        socket.on('error', reject);
      });
      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.ok(Date.now() - started >= 1000 && Date.now() - started < 5000, `${Date.now() - started} ms`);
      assert.equal(proxy.counters(NETWORK)['metadata.408'], before + 1);
    });

    test('a burst from one address is one bus call (1 s cache, shared in-flight lookup)', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const before = calls.length;
      const replies = await Promise.all(
        Array.from({ length: 50 }, () => get(port, '/latest/meta-data/hostname')),
      );
      assert.ok(replies.every((reply) => reply.status === 200 && reply.body === 'web-1.openstacklocal'));
      assert.equal(calls.length - before, 1);
    });

    test('closing drops the listener, its connections and its counters', async () => {
      await proxy.close(NETWORK);
      assert.equal(proxy.isOpen(NETWORK), false);
      await assert.rejects(get(port, '/'));
      assert.deepEqual(proxy.counters(NETWORK), {});
    });
  });

describe('metadata proxy, nova backend', () => {
  const SECRET = 's3cret';
  let nova: ReturnType<typeof createServer>;
  let novaUrl = '';
  const seen: IncomingHttpHeaders[] = [];
  let novaStatus = 200;

  before(async () => {
    nova = createServer((req, res) => {
      seen.push(req.headers);
      const id = String(req.headers['x-instance-id']);
      if (req.headers['x-instance-id-signature'] !== instanceIdSignature(SECRET, id)) {
        res.writeHead(403).end();
        return;
      }
      res
        .writeHead(novaStatus, { 'content-type': 'application/json' })
        .end(JSON.stringify({ uuid: id, path: req.url }));
    });
    await new Promise<void>((resolve) => nova.listen(0, '127.0.0.1', resolve));
    novaUrl = `http://127.0.0.1:${(nova.address() as AddressInfo).port}`;
  });
  after(() => nova.close());

  test('forwards signed with the peer as X-Forwarded-For; client headers are not passed on', async (t) => {
    const { proxy, port, calls } = await startProxy((bus) =>
      createNovaProxyBackend(lookupOn(bus), { url: novaUrl, sharedSecret: SECRET }),
    );
    t.after(() => proxy.stop());
    const reply = await get(port(), '/openstack/latest/meta_data.json?x=1', {
      headers: { 'X-Forwarded-For': '10.9.9.9', 'X-Instance-ID': 'someone-else', 'X-Tenant-ID': 'other' },
    });
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body), {
      uuid: sample.instance.id,
      path: '/openstack/latest/meta_data.json?x=1',
    });
    const upstream = seen.at(-1)!;
    assert.equal(upstream['x-forwarded-for'], KNOWN);
    assert.equal(upstream['x-tenant-id'], sample.instance.projectId);
    // Unknown caller: 404 without asking Nova.
    const count = seen.length;
    assert.equal((await get(port(), '/openstack', { from: STRANGER })).status, 404);
    assert.equal(seen.length, count);
    // Nova's 404 after a cached identification: identified again, retried once.
    novaStatus = 404;
    const lookups = calls.length;
    assert.equal((await get(port(), '/openstack')).status, 404);
    assert.equal(calls.length - lookups, 1, 'one fresh lookup after the cached one');
    novaStatus = 200;
  });

  test('a wrong secret is 403 from Nova, passed through; a failing lookup is 500', async (t) => {
    const { proxy, port } = await startProxy((bus) =>
      createNovaProxyBackend(lookupOn(bus), { url: novaUrl, sharedSecret: 'wrong' }),
    );
    t.after(() => proxy.stop());
    assert.equal((await get(port(), '/openstack')).status, 403);
    const failing = await startProxy((bus) =>
      createNovaProxyBackend(
        { find: () => createInstanceLookup(createAgentRpc(bus), { host: 'h1' }).find(NETWORK, 'fail') },
        { url: novaUrl, sharedSecret: SECRET },
      ),
    );
    t.after(() => failing.proxy.stop());
    assert.equal((await get(failing.port(), '/openstack')).status, 500);
  });
});
