import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isQdhcpError } from '../../common/errors.js';
import { createLogger } from '../../common/logger.js';
import { type ListeningSocketSpec, ListeningSockets } from '../../linux/listening-sockets.js';
import { handoverSocketPath, serveHandover } from './handover-server.js';
import { receiveSockets } from './takeover.js';

const namespace = `hot${process.pid}`;
const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });
const logger = createLogger({ name: 'handover-test', level: 'silent' });
let dir = '';

before(() => {
  ip('netns', 'add', namespace);
  ip('-n', namespace, 'link', 'set', 'lo', 'up');
  dir = mkdtempSync(join(tmpdir(), 'qdhcp-hot-'));
});
after(() => {
  ip('netns', 'del', namespace);
  rmSync(dir, { recursive: true, force: true });
});

/** `count` UDP sockets on 127.0.0.1 from port `base` in the test namespace. */
function specs(base: number, count: number): ListeningSocketSpec[] {
  return Array.from({ length: count }, (_, index) => ({
    namespace,
    kind: 'udp4' as const,
    address: '127.0.0.1',
    port: base + index,
  }));
}

test('a successor receives every socket (more than one chunk), and the old agent releases only after took-over', {
  timeout: 30_000,
}, async () => {
  const old = new ListeningSockets();
  const served = specs(6000, 300); // > 253: two chunks
  for (const spec of served) old.acquire(spec);
  const events: string[] = [];
  let handedOver!: () => void;
  const done = new Promise<void>((resolve) => {
    handedOver = resolve;
  });
  const path = handoverSocketPath(dir);
  const server = await serveHandover({
    path,
    sockets: old,
    servedNetworks: () => ['net-a', 'net-b'],
    release: async () => {
      events.push('released');
      for (const { fd } of old.held()) old.closed(fd);
    },
    onHandedOver: () => {
      events.push('handed over');
      handedOver();
    },
    logger,
  });
  try {
    const successor = new ListeningSockets();
    const pending = await receiveSockets({ path, stateDir: dir, sockets: successor });
    assert.equal(pending.sockets, 300);
    assert.deepEqual(pending.networks, ['net-a', 'net-b']);
    assert.deepEqual(events, [], 'nothing released before took-over');
    const adopted = served.map((spec) => successor.acquire(spec));
    assert.deepEqual(successor.counts(), { opened: 0, adopted: 300, mismatched: 0, unclaimed: 0 });

    // The successor answers on an adopted socket while the old one still holds its copy.
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind({ fd: adopted[299] ?? -1 }, resolve));
    const got = new Promise<string>((resolve) => socket.once('message', (data) => resolve(data.toString())));
    ip('netns', 'exec', namespace, 'bash', '-c', 'printf probe > /dev/udp/127.0.0.1/6299');
    assert.equal(await got, 'probe');
    socket.close();

    await pending.complete();
    await done;
    assert.deepEqual(events, ['released', 'handed over']);
    for (const fd of adopted.slice(0, 299)) successor.closed(fd);
  } finally {
    await server.close();
  }
});

test('a second successor while one is in progress is refused; a successor that goes away changes nothing', {
  timeout: 30_000,
}, async () => {
  const old = new ListeningSockets();
  old.acquire(specs(6400, 1)[0] as ListeningSocketSpec);
  let released = false;
  const path = join(dir, 'second.sock');
  const server = await serveHandover({
    path,
    sockets: old,
    servedNetworks: () => [],
    release: async () => {
      released = true;
    },
    onHandedOver: () => undefined,
    logger,
  });
  try {
    const first = await receiveSockets({ path, stateDir: dir, sockets: new ListeningSockets() });
    await assert.rejects(
      receiveSockets({ path, stateDir: dir, sockets: new ListeningSockets() }),
      (error: unknown) => isQdhcpError(error, 'HANDOVER_FAILED') && /refused/.test(error.message),
    );
    first.abort();
    // An invalid line from a client: the old agent drops the connection and goes on.
    const client = net.connect(path);
    await new Promise((resolve) => client.once('connect', resolve));
    client.resume(); // read, so that the old agent's close is seen
    client.write('{"formatVersion":1,"type":"hello"}\n');
    await new Promise((resolve) => client.once('close', resolve));
    // And a well-formed takeover still works afterwards.
    const again = await receiveSockets({ path, stateDir: dir, sockets: new ListeningSockets() });
    assert.equal(released, false);
    await again.complete();
    assert.equal(released, true);
  } finally {
    await server.close();
  }
});

test('took-over is final: a release slower than the message timeout is waited for, an old agent gone is not an error', {
  timeout: 30_000,
}, async () => {
  const serve = async (name: string, release: () => Promise<void>) => {
    const old = new ListeningSockets();
    old.acquire(specs(name === 'slow' ? 6500 : 6501, 1)[0] as ListeningSocketSpec);
    const path = join(dir, `${name}.sock`);
    const server = await serveHandover({
      ...{ path, sockets: old, servedNetworks: () => [], release, onHandedOver: () => undefined, logger },
    });
    return { path, server };
  };
  let releases = 0;
  // The old agent's stop at scale (bench/handover: 10 s at 200 networks), here 3× the message timeout.
  const slow = await serve('slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, 600));
    releases++;
  });
  // An old agent that never says `released` (killed while stopping).
  const stuck = await serve('stuck', () => new Promise<void>(() => undefined));
  try {
    const first = await receiveSockets({
      ...{ path: slow.path, stateDir: dir, sockets: new ListeningSockets(), timeoutMs: 200 },
    });
    assert.equal(await first.complete(), true);
    assert.equal(releases, 1);
    const second = await receiveSockets({
      ...{ path: stuck.path, stateDir: dir, sockets: new ListeningSockets(), timeoutMs: 200 },
      releaseTimeoutMs: 300,
    });
    assert.equal(await second.complete(), false);
  } finally {
    await slow.server.close();
    await stuck.server.close();
  }
});

test('nobody listening: HANDOVER_FAILED naming the path', async () => {
  await assert.rejects(
    receiveSockets({ path: join(dir, 'nobody.sock'), stateDir: dir, sockets: new ListeningSockets() }),
    (error: unknown) => isQdhcpError(error, 'HANDOVER_FAILED') && error.message.includes('nobody.sock'),
  );
});
