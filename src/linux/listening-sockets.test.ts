import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { closeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { describeSocketFd, notifySystemd, openDescriptorChannel, sendDescriptors } from './fd-passing.js';
import { descriptorMatches, type ListeningSocketSpec, ListeningSockets } from './listening-sockets.js';

const namespace = `lst${process.pid}`;
const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });
let dir = '';

before(() => {
  ip('netns', 'add', namespace);
  ip('-n', namespace, 'link', 'set', 'lo', 'up');
  dir = mkdtempSync(join(tmpdir(), 'qdhcp-lst-'));
});
after(() => {
  ip('netns', 'del', namespace);
  rmSync(dir, { recursive: true, force: true });
});

const udp: ListeningSocketSpec = { namespace, kind: 'udp4', address: '127.0.0.1', port: 5301 };
const tcp: ListeningSocketSpec = { namespace, kind: 'tcp4', address: '127.0.0.1', port: 5302 };

test('describeSocket names the bound address, port, type and the namespace the socket is in', () => {
  const sockets = new ListeningSockets();
  const fd = sockets.acquire(udp);
  try {
    const found = describeSocketFd(fd);
    assert.equal(found.family, 'inet');
    assert.equal(found.type, 'dgram');
    assert.equal(found.address, '127.0.0.1');
    assert.equal(found.port, 5301);
    assert.equal(descriptorMatches(fd, udp), true);
    assert.equal(descriptorMatches(fd, { ...udp, port: 5399 }), false);
    assert.equal(descriptorMatches(fd, { ...udp, kind: 'tcp4' }), false);
    // The same address in the root namespace is another socket.
    assert.equal(descriptorMatches(fd, { ...udp, namespace: 'no-such-namespace' }), false);
  } finally {
    closeSync(fd);
  }
});

test('sockets pass through a channel and are adopted by spec; a datagram sent to the old socket reaches the adopted one', async () => {
  const before = new ListeningSockets();
  const udpFd = before.acquire(udp);
  const tcpFd = before.acquire(tcp);
  assert.deepEqual(
    before.held().map((held) => held.spec.kind),
    ['udp4', 'tcp4'],
  );
  const channel = openDescriptorChannel(join(dir, 'fds'));
  try {
    sendDescriptors(channel.path, Buffer.from('two'), [udpFd, tcpFd], 1000);
    const message = channel.receive(1000);
    assert.ok(message);
    assert.equal(message.payload.toString(), 'two');
    assert.equal(message.fds.length, 2);
    closeSync(udpFd);
    closeSync(tcpFd);
    before.closed(udpFd);
    before.closed(tcpFd);
    assert.deepEqual(before.held(), []);

    const successor = new ListeningSockets();
    successor.inherit([
      { spec: udp, fd: message.fds[0] ?? -1 },
      { spec: tcp, fd: message.fds[1] ?? -1 },
    ]);
    const adopted = successor.acquire(udp);
    assert.equal(adopted, message.fds[0]);
    assert.deepEqual(successor.counts(), { opened: 0, adopted: 1, mismatched: 0, unclaimed: 1 });
    assert.equal(successor.closeUnclaimed(), 1);

    // Readable through the adopted descriptor: the kernel socket outlived the closed original.
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind({ fd: adopted }, resolve));
    const got = new Promise<string>((resolve) => socket.once('message', (data) => resolve(data.toString())));
    ip('netns', 'exec', namespace, 'bash', '-c', 'printf hello > /dev/udp/127.0.0.1/5301');
    assert.equal(await got, 'hello');
    socket.close();
  } finally {
    channel.close();
  }
});

test('an inherited descriptor that is not what its spec says is closed and a socket opened anew', () => {
  const previous = new ListeningSockets();
  const fd = previous.acquire({ ...udp, port: 5303 });
  const successor = new ListeningSockets();
  const spec = { ...udp, port: 5304 };
  successor.inherit([{ spec, fd }]);
  const opened = successor.acquire(spec);
  assert.equal(describeSocketFd(opened).port, 5304);
  assert.deepEqual(successor.counts(), { opened: 1, adopted: 0, mismatched: 1, unclaimed: 0 });
  closeSync(opened);
});

test('receive returns undefined when nothing comes in time; sending to nobody fails with the errno', () => {
  const channel = openDescriptorChannel(join(dir, 'quiet'));
  try {
    assert.equal(channel.receive(20), undefined);
  } finally {
    channel.close();
  }
  assert.throws(() => sendDescriptors(join(dir, 'nobody'), Buffer.from('x'), [], 100), { code: 'ENOENT' });
});

test('notifySystemd sends to $NOTIFY_SOCKET and says false without it', () => {
  const saved = process.env.NOTIFY_SOCKET;
  const channel = openDescriptorChannel(join(dir, 'notify'));
  try {
    delete process.env.NOTIFY_SOCKET;
    assert.equal(notifySystemd('READY=1'), false);
    process.env.NOTIFY_SOCKET = channel.path;
    assert.equal(notifySystemd('MAINPID=42\nREADY=1'), true);
    assert.equal(channel.receive(1000)?.payload.toString(), 'MAINPID=42\nREADY=1');
  } finally {
    if (saved === undefined) delete process.env.NOTIFY_SOCKET;
    else process.env.NOTIFY_SOCKET = saved;
    channel.close();
  }
});

test('a udp6 socket (DHCPv6) is opened IPv6-only on its device, joined to its group, and matched by kind, device and namespace', () => {
  ip('-n', namespace, 'link', 'add', 'v6a', 'type', 'veth', 'peer', 'name', 'v6b');
  ip('-n', namespace, 'link', 'set', 'v6a', 'up');
  const spec: ListeningSocketSpec = {
    namespace,
    kind: 'udp6',
    address: '::',
    port: 5303,
    device: 'v6a',
    joinGroup: 'ff02::1:2',
  };
  const sockets = new ListeningSockets();
  const fd = sockets.acquire(spec);
  try {
    const found = describeSocketFd(fd);
    assert.equal(found.family, 'inet6');
    assert.equal(found.type, 'dgram');
    assert.equal(found.device, 'v6a');
    assert.equal(descriptorMatches(fd, spec), true);
    assert.equal(descriptorMatches(fd, { ...spec, device: 'v6b' }), false);
    assert.equal(descriptorMatches(fd, { ...spec, kind: 'udp4' }), false);
    // The group membership is the kernel's: /proc/net/igmp6 of the namespace lists it on the device.
    const groups = execFileSync('ip', ['netns', 'exec', namespace, 'cat', '/proc/net/igmp6'], {
      encoding: 'utf8',
    });
    assert.match(groups, /v6a\s+ff020000000000000000000000010002/);
    assert.throws(() => sockets.acquire({ ...spec, port: 5304, joinGroup: 'not-an-address' }), /joinGroup/);
  } finally {
    closeSync(fd);
    ip('-n', namespace, 'link', 'del', 'v6a');
  }
});
