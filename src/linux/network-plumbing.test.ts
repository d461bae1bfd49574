import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { after, test } from 'node:test';
import { namespacePath } from './namespace-sockets.js';
import { readNamespaceState } from './netlink-state.js';
import { ensureDhcpNamespace, removeDhcpNamespace } from './network-plumbing.js';

const namespace = `nplb${process.pid}`;

/** What an `ip netns add` killed halfway leaves: the file under /run/netns, no namespace mounted on it. */
function leaveBrokenNamespaceFile(): void {
  mkdirSync('/run/netns', { recursive: true });
  closeSync(openSync(namespacePath(namespace), 'w'));
}

after(async () => {
  await removeDhcpNamespace(namespace).catch(() => undefined);
});

test('a namespace file left by a killed `ip netns add` is replaced by a working namespace', async () => {
  leaveBrokenNamespaceFile();
  assert.throws(() => readNamespaceState(namespace), 'nothing can enter the broken file');
  assert.equal(await ensureDhcpNamespace(namespace), true, 'created again');
  assert.ok(readNamespaceState(namespace).links.has('lo'));
  assert.equal(await ensureDhcpNamespace(namespace), false, 'a working namespace is kept');
});

test('removing a broken namespace removes its file (it used to fail on entering it)', async () => {
  await removeDhcpNamespace(namespace);
  leaveBrokenNamespaceFile();
  await removeDhcpNamespace(namespace);
  assert.equal(existsSync(namespacePath(namespace)), false);
});
