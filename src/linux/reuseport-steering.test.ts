/**
 * Two processes bound to one UDP port on 127.0.0.1 with SO_REUSEPORT (python3: Node 20's dgram cannot set
 * it), as a dnsmasq and its successor on port 67. Datagrams from many source ports are spread over both by
 * the kernel's hash; steered, every one goes to the newest.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { test } from 'node:test';
import { steerToNewestMember } from './reuseport-steering.js';

/** A receiver on 127.0.0.1:port that prints one line per datagram it reads. */
const RECEIVER = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("ready", flush=True)
while True:
    data, _ = s.recvfrom(64)
    print(data.decode(), flush=True)
`;

interface Receiver {
  readonly child: ChildProcess;
  readonly got: string[];
}

async function startReceiver(port: number): Promise<Receiver> {
  const child = spawn('python3', ['-c', RECEIVER, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const got: string[] = [];
  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') resolve();
        else got.push(line);
      }
    });
    child.once('exit', (code) => reject(new Error(`receiver exited (${code})`)));
    setTimeout(() => reject(new Error('receiver not ready in 10 s')), 10_000).unref();
  });
  return { child, got };
}

/** `count` datagrams, each from a socket of its own (a source port of its own, so the hash varies). */
async function sendFromManyPorts(port: number, count: number, tag: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) =>
      socket.send(`${tag}-${i}`, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
    );
    socket.close();
  }
}

async function settled(receivers: readonly Receiver[], total: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (receivers.reduce((sum, r) => sum + r.got.length, 0) < total && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
}

test('steerToNewestMember: spread by the hash before, all to the newest member after', async () => {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const older = await startReceiver(port);
  const receivers = [older];
  try {
    assert.equal(await steerToNewestMember(older.child.pid ?? 0, port), false, 'alone: nothing to steer');
    const newer = await startReceiver(port);
    receivers.push(newer);
    await sendFromManyPorts(port, 64, 'hashed');
    await settled(receivers, 64);
    assert.ok(older.got.length > 0 && newer.got.length > 0, 'the hash spreads over both');

    // Steered through the older member's descriptor (the one about to go), as the dnsmasq driver does.
    assert.equal(await steerToNewestMember(older.child.pid ?? 0, port), true);
    const olderBefore = older.got.length;
    const newerBefore = newer.got.length;
    await sendFromManyPorts(port, 64, 'steered');
    await settled(receivers, olderBefore + newerBefore + 64);
    assert.equal(older.got.length, olderBefore, 'nothing more for the older member');
    assert.equal(newer.got.length, newerBefore + 64);
  } finally {
    for (const receiver of receivers) receiver.child.kill('SIGKILL');
  }
});
