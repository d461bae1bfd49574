import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { createInProcessBus } from './in-process-bus.js';
import { type ResourceEvent, ResourceEventV1, resourceEvent } from './messages.js';
import { busContract } from './testing/bus-contract.js';

// One process: servers and agents share the bus.
busContract('in-process', async () => {
  const bus = createInProcessBus();
  return { server: async () => bus, agent: async () => bus, close: () => bus.close() };
});

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

test('close is idempotent; nothing is delivered after it', async () => {
  const bus = createInProcessBus();
  const seen: number[] = [];
  bus.subscribe((e) => {
    if (e.schema === 'qdhcp.resource-event') seen.push(e.networkRevision);
  });
  await bus.publish(event(1));
  await bus.close();
  await bus.close();
  await bus.publish(event(2));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen, [1]);
});
