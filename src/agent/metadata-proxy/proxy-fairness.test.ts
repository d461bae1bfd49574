import assert from 'node:assert/strict';
import { request } from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../common/logger.js';
import type { MetadataBackend, ProxiedRequest, ProxyAnswer } from './backends.js';
import { MetadataProxy } from './proxy-server.js';
import { LOOPBACK_KINDS, loopbackListener } from './testing/loopback-listener.js';

/**
 * The fair shares wired into the proxy (connection-slots.ts has the rules), on loopback: callers differ by
 * source address (127.0.0.x), and the backend holds every answer until the test releases it, so requests
 * in flight can be counted. test/e2e/metadata-fairness.test.ts is the same in namespaces at full size.
 */
const NETWORK = 'a7c5d1f0-5b7e-4c39-9f43-0d6f1b8f2e11';
const LIMITS = { connectionsPerSource: 4, connectionsPerNetwork: 6, requestsPerSource: 2 };

/** A backend that answers only when released; records who is being answered. */
function heldBackend() {
  const inFlight: ProxiedRequest[] = [];
  const releases: Array<() => void> = [];
  const backend: MetadataBackend = {
    name: 'builtin',
    methods: new Set(['GET']),
    answer(req): Promise<ProxyAnswer> {
      inFlight.push(req);
      return new Promise((resolve) =>
        releases.push(() => {
          inFlight.splice(inFlight.indexOf(req), 1);
          resolve({ status: 200, contentType: 'text/plain', body: req.remoteAddress });
        }),
      );
    },
  };
  const releaseAll = () => {
    for (const release of releases.splice(0)) release();
  };
  return { backend, inFlight, releaseAll };
}

function get(port: number, from: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', localAddress: from, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An idle connection from `from`; resolves once connected, `closed` when the proxy closes it. */
async function idle(port: number, from: string) {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress: from });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, closed };
}

const until = async (what: string, check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(check(), what);
};

for (const kind of LOOPBACK_KINDS)
  describe(`metadata proxy fair shares (${kind} listener)`, () => {
    let proxy: MetadataProxy;
    let port = 0;
    const held = heldBackend();

    before(async () => {
      const listen = loopbackListener(kind, (opened) => {
        port = opened;
      });
      proxy = new MetadataProxy({
        backend: held.backend,
        logger: createLogger({ level: 'silent' }),
        limits: LIMITS,
        listen,
      });
      await proxy.open(NETWORK, 'qdhcp-test');
    });
    after(() => proxy.stop());

    test('requests of one source beyond its share wait; another source is answered meanwhile', async () => {
      const mine = Array.from({ length: 4 }, () => get(port, '127.0.0.5'));
      await until('two of the source in flight', () => held.inFlight.length === 2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(held.inFlight.length, 2, 'no more than requestsPerSource reach the backend');
      const other = get(port, '127.0.0.6');
      await until('the other source reaches the backend', () =>
        held.inFlight.some((r) => r.remoteAddress === '127.0.0.6'),
      );
      while (held.inFlight.length > 0) {
        held.releaseAll();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.deepEqual(await Promise.all([...mine, other]), [200, 200, 200, 200, 200]);
      assert.equal(proxy.counters(NETWORK)['metadata_limited.source_requests'], 2);
    });

    test('a hoarder keeps its share; at the network cap it gives up an idle connection to a newcomer', async () => {
      const hoarded = [];
      for (let i = 0; i < LIMITS.connectionsPerSource + 2; i++) hoarded.push(await idle(port, '127.0.0.7'));
      // Past its own cap its oldest idle connections closed first.
      await Promise.all(hoarded.slice(0, 2).map((c) => c.closed));
      // A second source fills the network: 4 + 2 = connectionsPerNetwork.
      const second = [await idle(port, '127.0.0.9'), await idle(port, '127.0.0.9')];
      const answered = get(port, '127.0.0.8');
      await until('the newcomer reaches the backend', () => held.inFlight.length === 1);
      held.releaseAll();
      assert.equal(await answered, 200);
      // The one that made room is the hoarder's oldest left, never the smaller holder's.
      await hoarded[2]?.closed;
      assert.ok(second.every((c) => !c.socket.destroyed));
      const counters = proxy.counters(NETWORK);
      assert.equal(counters['metadata_limited.source_connections'], 2);
      assert.ok((counters['metadata_limited.network_connections'] ?? 0) >= 1);
      for (const c of [...hoarded, ...second]) c.socket.destroy();
    });

    test('at the network cap with every connection busy, a newcomer is refused, not queued forever', async () => {
      const sources = ['127.0.0.11', '127.0.0.12', '127.0.0.13'];
      const busy = sources.flatMap((from) => [get(port, from), get(port, from)]);
      await until('six in flight', () => held.inFlight.length === 6);
      await assert.rejects(get(port, '127.0.0.14'), /ECONNRESET|socket hang up/);
      held.releaseAll();
      assert.deepEqual(await Promise.all(busy), [200, 200, 200, 200, 200, 200]);
      assert.ok((proxy.counters(NETWORK)['metadata_limited.network_connections'] ?? 0) >= 1);
    });
  });
