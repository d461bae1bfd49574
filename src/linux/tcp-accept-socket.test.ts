import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { describe, test } from 'node:test';
import { AcceptEvent } from './tcp-accept-socket.js';
import { rawLoopbackListener } from './testing/raw-loopback.js';

/**
 * The addon's listener on loopback with real client sockets: what each event kind carries, an answer larger
 * than the socket's send buffer (written later by the addon), a connection handed to a net.Socket with its
 * unread bytes, and a stopped listener refusing connections.
 */
interface Seen {
  readonly kind: number;
  readonly fd: number;
  readonly peer: string;
  readonly bytes: string;
}

function started() {
  const { listener, port } = rawLoopbackListener();
  const seen: Seen[] = [];
  let onEvent: (event: Seen) => void = () => undefined;
  listener.start((count, batch) => {
    for (let i = 0; i < count; i++) {
      const kind = batch.kinds[i]!;
      const withPeer = kind === AcceptEvent.accepted || kind === AcceptEvent.acceptedWithData;
      const event = {
        kind,
        fd: batch.fds[i]!,
        peer: withPeer ? batch.peer(i) : '',
        bytes: batch.firstBytes(i).toString('latin1'),
      };
      seen.push(event);
      onEvent(event);
    }
  });
  const next = (want: (event: Seen) => boolean) =>
    new Promise<Seen>((resolve) => {
      const found = seen.find(want);
      if (found !== undefined) return resolve(found);
      onEvent = (event) => {
        if (want(event)) resolve(event);
      };
    });
  return { listener, port, seen, next };
}

/** Everything the server sent until it closed. */
function readAll(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
}

describe('RawTcpListener (native/netns/src/tcp-accept.c)', () => {
  test('first bytes with the accept, or later as data; the peer from the accept; one reply then closed', async () => {
    const server = started();
    const eager = net.connect({ host: '127.0.0.1', port: server.port, localAddress: '127.0.0.3' });
    eager.write('GET / HTTP/1.0\r\n\r\n');
    const eagerAnswer = readAll(eager);
    const first = await server.next((e) => e.bytes.startsWith('GET /'));
    assert.ok(first.kind === AcceptEvent.acceptedWithData || first.kind === AcceptEvent.data);
    assert.equal(server.seen.find((e) => e.fd === first.fd && e.peer !== '')?.peer, '127.0.0.3');
    server.listener.reply(first.fd, Buffer.from('answer'));
    assert.equal((await eagerAnswer).toString(), 'answer');

    server.seen.length = 0; // the closed connection's fd number may come back for the next one
    const slow = net.connect({ host: '127.0.0.1', port: server.port, localAddress: '127.0.0.4' });
    const accepted = await server.next((e) => e.peer === '127.0.0.4');
    assert.equal(accepted.kind, AcceptEvent.accepted, 'nothing sent yet');
    slow.write('late');
    const data = await server.next((e) => e.fd === accepted.fd && e.kind === AcceptEvent.data);
    assert.equal(data.bytes, 'late');
    const slowAnswer = readAll(slow);
    server.listener.reply(data.fd, Buffer.from('ok'));
    assert.equal((await slowAnswer).toString(), 'ok');
    server.listener.close();
  });

  test('a silent connection that closes is reported gone; a stopped listener refuses', async () => {
    const server = started();
    const quiet = net.connect({ host: '127.0.0.1', port: server.port, localAddress: '127.0.0.5' });
    const accepted = await server.next((e) => e.peer === '127.0.0.5');
    quiet.end();
    const gone = await server.next((e) => e.fd === accepted.fd && e.kind === AcceptEvent.gone);
    assert.equal(gone.bytes, '');
    server.listener.close();
    server.listener.close(); // twice is fine
    const refused = net.connect({ host: '127.0.0.1', port: server.port });
    await assert.rejects(
      new Promise((resolve, reject) => {
        refused.on('connect', resolve);
        refused.on('error', reject);
      }),
      /ECONNREFUSED/,
    );
  });

  test('an answer larger than the send buffer reaches a client that reads late, whole', async () => {
    const server = started();
    const client = net.connect({ host: '127.0.0.1', port: server.port });
    client.pause(); // reads nothing until the addon has had to wait for room
    client.write('GET /big HTTP/1.0\r\n\r\n');
    const request = await server.next((e) => e.bytes.startsWith('GET /big'));
    const big = Buffer.alloc(32 * 1024 * 1024, 0x61);
    big.write('start');
    big.write('end', big.length - 3);
    assert.equal(server.listener.reply(request.fd, big), false, 'more than the buffers hold: written later');
    // Closing the listener meanwhile does not cut the answer still being written.
    server.listener.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.resume();
    const received = await readAll(client);
    assert.equal(received.length, big.length);
    assert.ok(received.equals(big));
  });

  test('a released connection is a net.Socket that reads on where the addon stopped', async () => {
    const server = started();
    const client = net.connect({ host: '127.0.0.1', port: server.port });
    client.write('first');
    const request = await server.next((e) => e.bytes === 'first');
    const socket = server.listener.release(request.fd);
    const rest = new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(chunk.toString())));
    client.write('second');
    assert.equal(await rest, 'second');
    assert.equal(socket.remoteAddress, '127.0.0.1');
    const answer = readAll(client);
    socket.end('bye');
    assert.equal((await answer).toString(), 'bye');
    server.listener.close();
  });

  test('an answer and its FIN leave as one segment (MSG_MORE, then close)', () => {
    // TCP segments per connection in a namespace of its own, loopback only, so nothing else counts: SYN,
    // SYN-ACK, ACK, request, answer+FIN, the client's ACK+FIN, the last ACK (and one spare) — 10 when the
    // FIN followed the answer in a segment of its own (each also acknowledged apart). Counted in a child
    // run with `ip netns exec`, where /proc/net/snmp is that namespace's.
    const namespace = `tas${process.pid}`;
    const listenerModule = new URL('./testing/raw-loopback.js', import.meta.url).href;
    const script = `
      import { readFileSync } from 'node:fs';
      import net from 'node:net';
      const { rawLoopbackListener } = await import(${JSON.stringify(listenerModule)});
      const segments = () => {
        const [names, values] = readFileSync('/proc/net/snmp', 'utf8').split('\\n').filter((l) => l.startsWith('Tcp:')).map((l) => l.split(' '));
        return Number(values[names.indexOf('OutSegs')]);
      };
      const { listener, port } = rawLoopbackListener();
      listener.start((count, batch) => {
        for (let i = 0; i < count; i++)
          if (batch.kinds[i] === 2 || batch.kinds[i] === 3) listener.reply(batch.fds[i], Buffer.from('HTTP/1.1 200 OK\\r\\n\\r\\nok'));
      });
      const one = () => new Promise((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write('GET / HTTP/1.1\\r\\n\\r\\n'));
        socket.resume();
        socket.on('close', resolve);
        socket.on('error', reject);
      });
      await one();
      const before = segments();
      for (let i = 0; i < 20; i++) await one();
      await new Promise((resolve) => setTimeout(resolve, 200));
      process.stdout.write(String((segments() - before) / 20));
      listener.close();
    `;
    execFileSync('ip', ['netns', 'add', namespace]);
    try {
      execFileSync('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
      const perConnection = Number(
        execFileSync(
          'ip',
          ['netns', 'exec', namespace, process.execPath, '--input-type=module', '-e', script],
          { encoding: 'utf8', timeout: 30_000 },
        ),
      );
      // 8 with the FIN on the answer; a late answer on a busy machine adds the request's own ACK (9);
      // 10 or more with a separate FIN.
      assert.ok(perConnection < 9.5, `${perConnection} TCP segments per connection (10 with a separate FIN)`);
    } finally {
      execFileSync('ip', ['netns', 'del', namespace]);
    }
  });
});
