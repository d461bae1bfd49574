import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { nextMessage } from '../../test/support/datagrams.js';
import { loopbackNamespace } from '../../test/support/loopback-namespace.js';
import { isQdhcpError } from '../common/errors.js';
import { bindUdpInNamespace, listenTcpInNamespace } from './namespace-sockets.js';

const namespace = loopbackNamespace('nsk');

function listening(protocol: 'u' | 't', inNamespace: boolean): string {
  const args = [`-ln${protocol}H`];
  return inNamespace
    ? execFileSync('ip', ['netns', 'exec', namespace, 'ss', ...args], { encoding: 'utf8' })
    : execFileSync('ss', args, { encoding: 'utf8' });
}

test('a UDP socket bound inside a namespace lives there, not in ours, and carries traffic', async () => {
  const server = await bindUdpInNamespace({ namespace, address: '127.0.0.1', port: 16767, device: 'lo' });
  const client = await bindUdpInNamespace({ namespace, address: '127.0.0.1', port: 0 });
  try {
    assert.match(listening('u', true), /127\.0\.0\.1%lo:16767/);
    assert.doesNotMatch(listening('u', false), /:16767\b/);
    const received = nextMessage(server);
    client.send('hello', 16767, '127.0.0.1');
    assert.equal(await received, 'hello');
  } finally {
    server.close();
    client.close();
  }
});

test('a TCP server listening inside a namespace accepts connections made inside it', async () => {
  const server = await listenTcpInNamespace({ namespace, address: '127.0.0.1', port: 16780 }, (socket) => {
    socket.end('pong');
  });
  try {
    assert.match(listening('t', true), /127\.0\.0\.1:16780/);
    assert.doesNotMatch(listening('t', false), /:16780\b/);
    // Asynchronous on purpose: this process must keep accepting while the client runs.
    const { stdout } = await promisify(execFile)(
      'ip',
      ['netns', 'exec', namespace, 'node', '-e', NODE_TCP_CLIENT, '127.0.0.1', '16780'],
      { encoding: 'utf8', timeout: 5000 },
    );
    assert.equal(stdout, 'pong');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('errors name the failing call: a missing namespace, an address in use', async () => {
  await assert.rejects(
    bindUdpInNamespace({ namespace: `${namespace}-missing`, address: '0.0.0.0', port: 0 }),
    (error: unknown) =>
      isQdhcpError(error, 'SOCKET_OPEN_FAILED') &&
      error.params['errno'] === 'ENOENT' &&
      (error.cause as NodeJS.ErrnoException).syscall === 'open',
  );
  const tcp = await listenTcpInNamespace({ namespace, address: '127.0.0.1', port: 16781 }, () => {});
  try {
    // A second listener on the same address and port: bind succeeds with SO_REUSEADDR, listen fails.
    await assert.rejects(
      listenTcpInNamespace({ namespace, address: '127.0.0.1', port: 16781 }, () => {}),
      (error: unknown) => isQdhcpError(error, 'SOCKET_OPEN_FAILED') && error.params['errno'] === 'EADDRINUSE',
    );
  } finally {
    await new Promise((resolve) => tcp.close(resolve));
  }
});

// With \`node -e\`, the arguments after the script start at argv[1].
const NODE_TCP_CLIENT = `
const s = require('net').connect(Number(process.argv[2]), process.argv[1]);
let d = ''; s.on('data', (c) => (d += c)); s.on('end', () => process.stdout.write(d));
setTimeout(() => process.exit(2), 3000).unref();`;
