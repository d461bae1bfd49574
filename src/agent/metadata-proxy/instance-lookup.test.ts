import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GetInstanceResult } from '../../bus/dhcp-agent-rpc.js';
import type { AgentRpc } from '../reconciler/agent-rpc.js';
import { createInstanceLookup } from './instance-lookup.js';

/** The cache in front of `metadata.get_instance`: TTL, shared in-flight calls, failures, the size bound. */
const NOBODY: GetInstanceResult = { identity: null, context: null };

function countingRpc(fail = new Set<string>()) {
  const calls: string[] = [];
  const rpc: AgentRpc = {
    call: (async (_method: string, params: { ipAddress: string }) => {
      calls.push(params.ipAddress);
      await new Promise((resolve) => setImmediate(resolve));
      if (fail.has(params.ipAddress)) throw new Error('bus down');
      return NOBODY;
    }) as AgentRpc['call'],
  };
  return { rpc, calls };
}

test('answers are reused for the TTL, then asked again; fresh bypasses the cache', async () => {
  let now = 0;
  const { rpc, calls } = countingRpc();
  const lookup = createInstanceLookup(rpc, { host: 'h', ttlMs: 1000, now: () => now });
  assert.equal((await lookup.find('n', '10.0.0.5')).cached, false);
  now = 999;
  assert.equal((await lookup.find('n', '10.0.0.5')).cached, true);
  assert.equal((await lookup.find('n2', '10.0.0.5')).cached, false, 'the network is part of the key');
  now = 1000;
  assert.equal((await lookup.find('n', '10.0.0.5')).cached, false);
  assert.equal((await lookup.find('n', '10.0.0.5', { fresh: true })).cached, false);
  assert.deepEqual(calls, ['10.0.0.5', '10.0.0.5', '10.0.0.5', '10.0.0.5']);
});

test('concurrent asks share one call; a failure is not cached', async () => {
  const fail = new Set(['10.0.0.9']);
  const { rpc, calls } = countingRpc(fail);
  const lookup = createInstanceLookup(rpc, { host: 'h' });
  await Promise.all(Array.from({ length: 20 }, () => lookup.find('n', '10.0.0.7')));
  assert.equal(calls.length, 1);
  await assert.rejects(lookup.find('n', '10.0.0.9'), /bus down/);
  fail.clear();
  assert.equal((await lookup.find('n', '10.0.0.9')).cached, false, 'asked again after the failure');
});

test('the cache keeps at most maxEntries; ttl 0 caches nothing', async () => {
  const { rpc, calls } = countingRpc();
  const lookup = createInstanceLookup(rpc, { host: 'h', maxEntries: 2, now: () => 0 });
  for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) await lookup.find('n', ip);
  assert.equal((await lookup.find('n', '10.0.0.3')).cached, true);
  assert.equal((await lookup.find('n', '10.0.0.1')).cached, false, 'the oldest entry was dropped');
  const uncached = createInstanceLookup(rpc, { host: 'h', ttlMs: 0 });
  await uncached.find('n', '10.0.0.4');
  assert.equal((await uncached.find('n', '10.0.0.4')).cached, false);
  assert.equal(calls.length, 6);
});

test('an unchanged answer after the TTL is the same object (rendered answers stay cached), up to revisionMs', async () => {
  let now = 0;
  let hostname = 'a';
  const rpc: AgentRpc = {
    call: (async () => ({
      identity: { instanceId: 'i', projectId: 'p' },
      context: { hostname },
    })) as unknown as AgentRpc['call'],
  };
  const lookup = createInstanceLookup(rpc, { host: 'h', ttlMs: 1000, revisionMs: 15_000, now: () => now });
  const first = (await lookup.find('n', '10.0.0.5')).result;
  now = 1000;
  const second = await lookup.find('n', '10.0.0.5');
  assert.equal(second.cached, false, 'the server was asked again');
  assert.equal(second.result, first, 'the same answer: the same object');
  now = 2000;
  hostname = 'b';
  const changed = (await lookup.find('n', '10.0.0.5')).result;
  assert.notEqual(changed, first, 'a changed answer is a new object at once');
  assert.deepEqual(changed.context, { hostname: 'b' });
  now = 16_500;
  assert.equal(
    (await lookup.find('n', '10.0.0.5')).result,
    changed,
    'still within revisionMs of its first use',
  );
  now = 17_600; // the TTL of the 16.5 s ask is over, and 15.6 s since the object's first use
  assert.notEqual((await lookup.find('n', '10.0.0.5')).result, changed, 'a new object after revisionMs');
});
