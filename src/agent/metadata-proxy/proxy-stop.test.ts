import assert from 'node:assert/strict';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInProcessBus } from '../../bus/in-process-bus.js';
import { createLogger } from '../../common/logger.js';
import { createAgentRpc } from '../reconciler/agent-rpc.js';
import { createBuiltinBackend } from './backends.js';
import { createInstanceLookup } from './instance-lookup.js';
import { type ListenerFactory, MetadataProxy } from './proxy-server.js';

/**
 * `MetadataProxy.stop` as a handover uses it (src/agent/handover/): the old agent stops while its successor
 * accepts on the same listening sockets, so a connection the old one had accepted must still be answered —
 * also when its request arrives a moment after `stop` began (bench/handover found those reset) — while a
 * connection that never sends anything does not hold the stop for the whole drain.
 */
const NETWORK = '4b7dfef7-36f4-4346-82b8-f3c10e9b0149';

async function startProxy(): Promise<{ proxy: MetadataProxy; port: number }> {
  let port = 0;
  const listen: ListenerFactory = async (_namespace, onConnection) => {
    const server = net.createServer(onConnection);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    return server;
  };
  const bus = createInProcessBus();
  // Nobody is known: the answer is a 404, which is an answer all the same.
  bus.serve('metadata.get_instance', async () => ({ identity: null, context: null }));
  const proxy = new MetadataProxy({
    backend: createBuiltinBackend(createInstanceLookup(createAgentRpc(bus), { host: 'h1', ttlMs: 1000 })),
    logger: createLogger({ level: 'silent' }),
    limits: { maxHeaderBytes: 2048, maxBodyBytes: 1024, requestTimeoutMs: 1500 },
    listen,
  });
  await proxy.open(NETWORK, 'qdhcp-test');
  return { proxy, port };
}

/** A connection the proxy has accepted (connected, then a moment for the accept), and what it receives. */
async function accepted(port: number): Promise<{ socket: net.Socket; received: Promise<string> }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const received = new Promise<string>((resolve) => {
    socket.on('error', (error) => resolve(`error: ${error.message}`));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
  });
  await once(socket, 'connect');
  await sleep(50);
  return { socket, received };
}

test('stop: a request arriving just after stop began, on a connection accepted before, is answered', async () => {
  const { proxy, port } = await startProxy();
  const { socket, received } = await accepted(port);
  const stopping = proxy.stop();
  await sleep(100);
  socket.end('GET /latest/meta-data/ HTTP/1.1\r\nHost: 169.254.169.254\r\nConnection: close\r\n\r\n');
  const answer = await received;
  await stopping;
  assert.match(answer, /^HTTP\/1\.1 404 /, answer);
});

test('stop: a connection that stays silent is dropped after a short grace, not the whole drain', async () => {
  const { proxy, port } = await startProxy();
  const { received } = await accepted(port);
  const started = Date.now();
  await proxy.stop(5000);
  const took = Date.now() - started;
  assert.equal(await received, '');
  assert.ok(took < 2000, `stop took ${took} ms`);
});
