/**
 * The contract every bus transport passes (`bus.ts`): the same assertions run over the in-process bus
 * (`in-process-bus.test.ts`) and over RabbitMQ (`amqp-bus.test.ts`).
 *
 * @module
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { isQdhcpError, QdhcpError } from '../../common/errors.js';
import { addressOf } from '../addressing.js';
import type { Bus } from '../bus.js';
import { type L3Router, type RouterEventV1, SyncRoutersResult } from '../l3-agent-rpc.js';
import { type BusEvent, type BusRequest, type ResourceEvent, resourceEvent } from '../messages.js';

/** The processes of one test: servers and agents, each with its bus (in-process: one shared bus). */
export interface BusTransport {
  /** The bus of a (new) server process. */
  server(): Promise<Bus>;
  /** The bus of a (new) agent process. */
  agent(): Promise<Bus>;
  /** Closes every bus it made and removes what it left on the broker. */
  close(): Promise<void>;
}

/** A resource event of network `networkId` with `revision`. */
export function testEvent(revision: number, networkId = 'net-1'): ResourceEvent {
  return resourceEvent({
    resource: 'port',
    action: 'updated',
    id: `port-${revision}`,
    networkId,
    networkRevision: revision,
    state: {},
  });
}

/** A request of `method` with `params`. */
export function testRequest(method: string, params: Record<string, unknown> = {}): BusRequest {
  return { schema: 'qdhcp.request', version: 1, method, params };
}

/** Polls `check` until true; fails after `timeoutMs`. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Records what one subscriber receives (revisions of resource events, in order). */
export function recorder(): { seen: number[]; handler: (event: BusEvent) => void } {
  const seen: number[] = [];
  return {
    seen,
    handler: (event) => {
      if (event.schema === 'qdhcp.resource-event') seen.push(event.networkRevision);
    },
  };
}

/** Registers the contract tests; `open` makes a fresh transport per test. */
export function busContract(label: string, open: () => Promise<BusTransport>): void {
  const withTransport = (name: string, body: (transport: BusTransport) => Promise<void>) =>
    test(`${label}: ${name}`, async () => {
      const transport = await open();
      try {
        await body(transport);
      } finally {
        await transport.close();
      }
    });

  withTransport('request/reply: the served method answers with its result', async (t) => {
    const server = await t.server();
    const agent = await t.agent();
    server.serve('echo', async (params) => ({ echoed: params['value'], list: [1, 'two', null] }));
    await server.flush();
    const reply = await agent.request(testRequest('echo', { value: 'x' }));
    assert.deepEqual(reply, { echoed: 'x', list: [1, 'two', null] });
    assert.throws(() => server.serve('echo', async () => 0), /already served/);
    assert.equal(agent.stats().requests.total >= 1, true);
  });

  withTransport('a method nobody serves, a failing handler, no answer in time: clear errors', async (t) => {
    const server = await t.server();
    const agent = await t.agent();
    server.serve('fails', async () => {
      throw new Error('network 42 is gone');
    });
    server.serve('slow', () => new Promise((resolve) => setTimeout(() => resolve(1), 1500)));
    await server.flush();
    await assert.rejects(agent.request(testRequest('nope')), /no server for bus method nope/);
    await assert.rejects(agent.request(testRequest('fails')), /network 42 is gone/);
    await assert.rejects(agent.request(testRequest('slow'), { timeoutMs: 100 }), /timed out/);
    assert.equal(agent.stats().requests.failed >= 3, true);
  });

  withTransport(
    'a coded error reaches the caller with its code, message, params and retryable',
    async (t) => {
      const server = await t.server();
      const agent = await t.agent();
      server.serve('full', async () => {
        throw new QdhcpError('IP_ADDRESS_GENERATION_FAILURE', { net_id: 'net-7' });
      });
      server.serve('plain', async () => {
        throw new Error('no code here');
      });
      await server.flush();
      await assert.rejects(agent.request(testRequest('full')), (error: unknown) => {
        assert.ok(isQdhcpError(error, 'IP_ADDRESS_GENERATION_FAILURE'), String(error));
        assert.equal(error.message, 'No more IP addresses available on network net-7.');
        assert.deepEqual(error.params, { net_id: 'net-7' });
        assert.equal(error.retryable, false);
        assert.equal(error.status, 409);
        return true;
      });
      await assert.rejects(agent.request(testRequest('plain')), (error: unknown) => {
        assert.ok(isQdhcpError(error, 'BUS_HANDLER_FAILED'), String(error));
        assert.match(error.message, /no code here/);
        assert.equal(error.retryable, true);
        return true;
      });
      await assert.rejects(agent.request(testRequest('nope')), (error: unknown) =>
        isQdhcpError(error, 'BUS_NO_SERVER'),
      );
    },
  );

  withTransport(
    'the L3 contract: router events reach their host only, l3.sync_routers answers a router',
    async (t) => {
      const server = await t.server();
      const agentA = await t.agent();
      const agentB = await t.agent();
      const seenA: RouterEventV1[] = [];
      const seenB: RouterEventV1[] = [];
      const keep = (into: RouterEventV1[]) => (event: BusEvent) => {
        if (event.schema === 'qdhcp.router-event') into.push(event);
      };
      agentA.subscribe(keep(seenA), { host: 'host-a' });
      agentB.subscribe(keep(seenB), { host: 'host-b' });
      const router: L3Router = {
        id: 'router-1',
        projectId: 'p',
        adminStateUp: true,
        gateway: null,
        interfaces: [
          {
            portId: 'port-1',
            networkId: 'net-1',
            macAddress: 'fa:16:3e:00:00:01',
            mtu: 1500,
            addresses: [
              {
                subnetId: 'sub-1',
                ipAddress: '10.0.0.1',
                cidr: '10.0.0.0/24',
                ipVersion: 4,
                gatewayIp: '10.0.0.1',
              },
            ],
          },
        ],
        floatingIps: [],
        routes: [{ destination: '10.9.0.0/16', nexthop: '10.0.0.9' }],
        revision: 3,
      };
      server.serve('l3.sync_routers', async (params) => ({
        routers: params['host'] === 'host-a' ? [router] : [],
      }));
      await Promise.all([agentA.flush(), agentB.flush(), server.flush()]);
      const event: RouterEventV1 = {
        schema: 'qdhcp.router-event',
        version: 1,
        host: 'host-a',
        routerId: 'router-1',
        action: 'updated',
        revision: 3,
        occurredAt: new Date(0).toISOString(),
      };
      // Addressed by `addressOf` (the control plane's addressedBus): a router event goes to its host.
      await server.publish(event, await addressOf(event, async () => ['host-b']));
      await eventually(() => seenA.length === 1, 'router event at host-a');
      assert.deepEqual(seenA, [event]);
      const reply = (await agentA.request(testRequest('l3.sync_routers', { host: 'host-a' }))) as unknown;
      assert.ok(Value.Check(SyncRoutersResult, reply));
      assert.deepEqual(reply, { routers: [router] });
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(seenB, [], 'host-b got nothing');
    },
  );

  withTransport('events reach the hosts they are addressed to; fan-outs reach every host', async (t) => {
    const server = await t.server();
    const agentA = await t.agent();
    const agentB = await t.agent();
    const a = recorder();
    const b = recorder();
    const serverSide = recorder();
    agentA.subscribe(a.handler, { host: 'host-a' });
    agentB.subscribe(b.handler, { host: 'host-b' });
    server.subscribe(serverSide.handler);
    await Promise.all([agentA.flush(), agentB.flush()]);
    await server.publish(testEvent(1), { hosts: ['host-a'] });
    await server.publish(testEvent(2), { hosts: ['host-b'] });
    await server.publish(testEvent(3), { hosts: [] });
    await server.publish(testEvent(4), { hosts: ['host-a', 'host-b'] });
    await server.publish(testEvent(5));
    await eventually(() => a.seen.includes(5) && b.seen.includes(5), 'the fan-out at both agents');
    await eventually(() => serverSide.seen.includes(5), 'the server-side subscriber');
    assert.deepEqual(a.seen, [1, 4, 5]);
    assert.deepEqual(b.seen, [2, 4, 5]);
    assert.deepEqual(serverSide.seen, [1, 2, 3, 4, 5], 'server-side: everything its process publishes');
  });

  withTransport('each subscriber sees events in publish order; a failing one affects no other', async (t) => {
    const server = await t.server();
    const agent = await t.agent();
    const ordered = recorder();
    const slow: number[] = [];
    let failures = 0;
    agent.subscribe(ordered.handler, { host: 'h' });
    agent.subscribe(
      async (event) => {
        if (event.schema !== 'qdhcp.resource-event') return;
        await new Promise((resolve) => setTimeout(resolve, event.networkRevision % 3));
        slow.push(event.networkRevision);
      },
      { host: 'h' },
    );
    agent.subscribe(
      () => {
        failures++;
        throw new Error('boom');
      },
      { host: 'h' },
    );
    await agent.flush();
    const revisions = Array.from({ length: 50 }, (_, i) => i + 1);
    for (const revision of revisions) await server.publish(testEvent(revision), { hosts: ['h'] });
    await eventually(() => slow.length === 50, 'fifty events at the slow subscriber');
    assert.deepEqual(ordered.seen, revisions);
    assert.deepEqual(slow, revisions);
    assert.equal(failures, 50);
  });

  withTransport('unsubscribe stops delivery (twice is harmless)', async (t) => {
    const server = await t.server();
    const agent = await t.agent();
    const gone = recorder();
    const stays = recorder();
    const unsubscribe = agent.subscribe(gone.handler, { host: 'h' });
    agent.subscribe(stays.handler, { host: 'h' });
    await agent.flush();
    await server.publish(testEvent(1), { hosts: ['h'] });
    await eventually(() => gone.seen.length === 1, 'the first event');
    unsubscribe();
    unsubscribe();
    await server.publish(testEvent(2), { hosts: ['h'] });
    await eventually(() => stays.seen.length === 2, 'the second event at the other subscriber');
    assert.deepEqual(gone.seen, [1]);
  });

  withTransport(
    'an event published while a request is answered reaches a subscription made before it',
    async (t) => {
      const server = await t.server();
      const agent = await t.agent();
      server.serve('sync', async () => {
        await server.publish(testEvent(7), { hosts: ['late'] });
        return 'synced';
      });
      const late = recorder();
      agent.subscribe(late.handler, { host: 'late' });
      assert.equal(await agent.request(testRequest('sync')), 'synced');
      await eventually(() => late.seen.length === 1, 'the event published during the request');
    },
  );
}
