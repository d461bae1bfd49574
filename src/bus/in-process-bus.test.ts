import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { createInProcessBus } from './in-process-bus.js';
import { type ResourceEvent, ResourceEventV1, resourceEvent } from './messages.js';

/** A v1 event as an agent receives it; kept so later contract versions are tested against it. */
const V1_FIXTURE = {
  schema: 'qdhcp.resource-event',
  version: 1,
  resource: 'port',
  action: 'created',
  id: '633851e6-2282-404d-b785-94c81d43314e',
  networkId: '2f92db00-8bcc-4557-9d6d-e3971b458558',
  networkRevision: 7,
  state: { id: '633851e6-2282-404d-b785-94c81d43314e', mac_address: 'fa:16:3e:00:00:01' },
  occurredAt: '2026-11-22T10:09:31.000Z',
};

function event(revision: number): ResourceEvent {
  return resourceEvent({
    resource: 'network',
    action: 'updated',
    id: 'n',
    networkId: 'n',
    networkRevision: revision,
    state: {},
  });
}

test('the v1 fixture matches the v1 schema; a wrong version does not', () => {
  assert.ok(Value.Check(ResourceEventV1, V1_FIXTURE));
  assert.ok(!Value.Check(ResourceEventV1, { ...V1_FIXTURE, version: 2 }));
  assert.ok(Value.Check(ResourceEventV1, event(1)));
});

test('subscribers get events in publish order; a failing subscriber affects no other', async () => {
  const errors: unknown[] = [];
  const bus = createInProcessBus({ onHandlerError: (error) => errors.push(error) });
  const seen: number[] = [];
  bus.subscribe(async (e) => {
    if (e.schema !== 'qdhcp.resource-event') return;
    await new Promise((resolve) => setTimeout(resolve, 5 - e.networkRevision));
    seen.push(e.networkRevision);
  });
  bus.subscribe(() => {
    throw new Error('boom');
  });
  for (const revision of [1, 2, 3, 4]) await bus.publish(event(revision));
  await bus.close();
  assert.deepEqual(seen, [1, 2, 3, 4]);
  assert.equal(errors.length, 4);
});

test('unsubscribe stops delivery; close is idempotent', async () => {
  const bus = createInProcessBus();
  const seen: number[] = [];
  const unsubscribe = bus.subscribe((e) => {
    if (e.schema === 'qdhcp.resource-event') seen.push(e.networkRevision);
  });
  await bus.publish(event(1));
  unsubscribe();
  unsubscribe();
  await bus.publish(event(2));
  await bus.close();
  await bus.close();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen, [1]);
});

test('request/reply: served method answers, unknown method and timeout reject', async () => {
  const bus = createInProcessBus();
  bus.serve('echo', async (params) => params['value']);
  assert.throws(() => bus.serve('echo', async () => 0), /already served/);
  const request = (method: string) => ({
    schema: 'qdhcp.request' as const,
    version: 1 as const,
    method,
    params: { value: 42 },
  });
  assert.equal(await bus.request(request('echo')), 42);
  await assert.rejects(bus.request(request('nope')), /no server/);
  bus.serve('slow', () => new Promise((resolve) => setTimeout(resolve, 200)));
  await assert.rejects(bus.request(request('slow'), { timeoutMs: 10 }), /timed out/);
  await bus.close();
});
