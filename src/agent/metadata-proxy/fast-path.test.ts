import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GetInstanceResult } from '../../bus/dhcp-agent-rpc.js';
import { createLogger } from '../../common/logger.js';
import type { AgentRpc } from '../reconciler/agent-rpc.js';
import { createBuiltinBackend, type MetadataBackend, type ProxyAnswer } from './backends.js';
import { ConnectionSlots } from './connection-slots.js';
import { FastPath } from './fast-path.js';
import { createInstanceLookup } from './instance-lookup.js';
import type { Channel, ProxyConnection } from './proxy-channel.js';
import { parseSimpleRequestHead } from './simple-request-head.js';

/**
 * The fast path's answer lanes: at once (the backend has the answer at hand: send runs before answer()
 * returns, no promise per request) or awaited (no cached identification yet, a source's turn to wait, a
 * backend without answerAtOnce); either way counted, slots released, and a throwing backend answered 500.
 */
const OK: ProxyAnswer = { status: 200, contentType: 'text/plain', body: 'ok' };

function channel(requestsPerSource = 4): Channel {
  return {
    key: 'net-1',
    scope: { networkIds: ['net-1'], routerId: undefined },
    sockets: new Set(),
    slots: new ConnectionSlots<ProxyConnection>(
      { connectionsPerSource: 100, connectionsPerNetwork: 100, requestsPerSource },
      () => undefined,
    ),
    counters: new Map(),
  };
}

function fastPathWith(backend: MetadataBackend) {
  const counted: string[] = [];
  const fastPath = new FastPath({
    backend,
    logger: createLogger({ level: 'silent' }),
    maxHeaderBytes: 8192,
    firstBytesTimeoutMs: 1000,
    count: (_key, what) => counted.push(what),
    handOff: () => assert.fail('nothing is handed off here'),
  });
  return { fastPath, counted };
}

const parsed = parseSimpleRequestHead(
  Buffer.from('GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n'),
  8192,
);
assert.ok(parsed !== undefined);
const head = parsed;

function ask(fastPath: FastPath, on: Channel, source = '10.0.0.5') {
  const connection: ProxyConnection = { destroy: () => undefined };
  on.slots.admit(connection, source);
  let sent: string | undefined;
  const done = new Promise<string>((resolve) => {
    fastPath.answer(on, connection, source, head, (bytes) => {
      sent = bytes.toString('latin1');
      resolve(sent);
    });
  });
  return { sentAtOnce: sent, done };
}

test('with the answer at hand it is sent before answer() returns; without, it is awaited', async () => {
  let atHand = false;
  const backend: MetadataBackend = {
    name: 'builtin',
    methods: new Set(['GET']),
    answer: async () => OK,
    answerAtOnce: () => (atHand ? OK : undefined),
  };
  const { fastPath, counted } = fastPathWith(backend);
  const on = channel();
  const later = ask(fastPath, on);
  assert.equal(later.sentAtOnce, undefined, 'not at hand: awaited');
  assert.match(await later.done, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
  atHand = true;
  const now = ask(fastPath, on);
  assert.match(now.sentAtOnce ?? '', /^HTTP\/1\.1 200 OK\r\n/, 'at hand: sent at once');
  assert.deepEqual(counted, ['200', '200']);
  // An answer at once releases its request slot: with a cap of 1, the source's next request is at once too.
  const capped = channel(1);
  assert.notEqual(ask(fastPath, capped).sentAtOnce, undefined);
  assert.notEqual(ask(fastPath, capped).sentAtOnce, undefined);
});

test('a source waiting for its turn is awaited; a throwing answerAtOnce is a 500', async () => {
  let release: (() => void) | undefined;
  const slow: MetadataBackend = {
    name: 'builtin',
    methods: new Set(['GET']),
    answer: () => new Promise<ProxyAnswer>((resolve) => (release = () => resolve(OK))),
    // At hand from the second request on: the second must still wait for the source's turn.
    answerAtOnce: () => (atHand ? OK : undefined),
  };
  let atHand = false;
  const on = channel(1);
  const { fastPath } = fastPathWith(slow);
  const first = ask(fastPath, on);
  atHand = true;
  const second = ask(fastPath, on); // the source's one request slot is taken
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(second.sentAtOnce, undefined);
  release?.();
  await first.done;
  await new Promise((resolve) => setImmediate(resolve));
  release?.();
  assert.match(await second.done, /^HTTP\/1\.1 200 OK/);

  const broken = fastPathWith({
    name: 'builtin',
    methods: new Set(['GET']),
    answer: async () => OK,
    answerAtOnce: () => {
      throw new Error('boom');
    },
  });
  const failed = ask(broken.fastPath, channel());
  assert.match(failed.sentAtOnce ?? '', /^HTTP\/1\.1 500 /);
  assert.deepEqual(broken.counted, ['500']);
});

test('the builtin backend has an answer at hand once its lookup has settled, the same as answer()', async () => {
  const result = { identity: null, context: null } satisfies GetInstanceResult;
  const rpc: AgentRpc = { call: (async () => result) as unknown as AgentRpc['call'] };
  const backend = createBuiltinBackend(createInstanceLookup(rpc, { host: 'h' }));
  const request = {
    networkIds: ['net-1'],
    routerId: undefined,
    remoteAddress: '10.0.0.5',
    method: 'GET',
    path: '/latest/meta-data/instance-id',
    body: undefined,
    contentType: undefined,
  };
  assert.equal(backend.answerAtOnce?.(request), undefined, 'nothing looked up yet');
  const answered = await backend.answer(request);
  assert.equal(backend.answerAtOnce?.(request), answered, 'settled: the same answer at once');
  assert.equal(
    backend.answerAtOnce?.({ ...request, networkIds: ['net-1', 'net-2'] }),
    undefined,
    'a router scope waits',
  );
});
