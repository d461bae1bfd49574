/**
 * The changes a `qdhcp.security-group-event` carries (issue 14), through the real API and bus, on SQLite
 * and PostgreSQL: a rule added or deleted from the group's revision before it, a port joining and leaving
 * a group as its addresses in it from the members revision before — the same revisions
 * `securitygroups.info` then answers, so an agent holding them can apply the next change without a read;
 * members an agent says it holds at their revision are not sent again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import {
  type Client,
  forEachBackend,
  makeNetwork,
  makePort,
  makeSubnet,
  resource,
} from '../api/testing/test-harness.js';
import type { BusEvent } from '../bus/index.js';
import {
  SecurityGroupEventV1 as EventSchema,
  type SecurityGroupEventV1,
  SecurityGroupInfoResult,
} from '../bus/security-group-rpc.js';

async function info(
  client: Client,
  portIds: string[],
  knownMembers?: Record<string, number>,
): Promise<SecurityGroupInfoResult> {
  const reply = await client.plane().bus.request({
    schema: 'qdhcp.request',
    version: 1,
    method: 'securitygroups.info',
    params: { host: 'test-host', portIds, ...(knownMembers !== undefined && { knownMembers }) },
  });
  assert.ok(Value.Check(SecurityGroupInfoResult, reply));
  return reply as SecurityGroupInfoResult;
}

/** The security group events published from now on, each checked against the contract. */
function collectEvents(client: Client): SecurityGroupEventV1[] {
  const events: SecurityGroupEventV1[] = [];
  client.plane().bus.subscribe(
    (event: BusEvent) => {
      if (event.schema === 'qdhcp.security-group-event') {
        assert.ok(Value.Check(EventSchema, event), 'the event matches the contract');
        events.push(event);
      }
    },
    { host: 'test-host' },
  );
  return events;
}

async function makeGroup(client: Client, name: string): Promise<string> {
  const created = await client.request('POST', '/v2.0/security-groups', { security_group: { name } });
  return String(resource(created, 'security_group')['id']);
}

/** Groups `web` and `db` and a port in `db` on a new network with `cidr`. */
async function webAndDb(client: Client, cidr: string) {
  const network = await makeNetwork(client);
  await makeSubnet(client, network, cidr);
  const web = await makeGroup(client, 'web');
  const db = await makeGroup(client, 'db');
  const dbPort = await makePort(client, network, { security_groups: [db] });
  return { network, web, db, dbPort };
}

/** A rule of `group` letting TCP in from the members of `remote`; its id. */
async function tcpFromGroup(client: Client, group: string, remote: string): Promise<string> {
  const created = await client.request('POST', '/v2.0/security-group-rules', {
    security_group_rule: {
      security_group_id: group,
      direction: 'ingress',
      protocol: 'tcp',
      remote_group_id: remote,
    },
  });
  return String(resource(created, 'security_group_rule')['id']);
}

forEachBackend('security group events carry their changes', (client) => {
  test('rules from the group revision, members by port from the members revision', async () => {
    const events = collectEvents(client);
    const last = () => events.at(-1)?.changes;
    const { network, web, db, dbPort } = await webAndDb(client, '10.17.0.0/24');
    const revision = (await info(client, [dbPort.id])).securityGroups[0]?.revision_number ?? -1;

    const ruleId = await tcpFromGroup(client, db, web);
    const added = last()?.rules[0];
    assert.equal(added?.securityGroupId, db);
    assert.equal(added?.baseRevision, revision);
    assert.equal(added?.revision, revision + 1);
    assert.deepEqual(
      added?.added.map((r) => [r.id, r.remote_group_id]),
      [[ruleId, web]],
    );
    const read = await info(client, [dbPort.id]);
    assert.equal(read.securityGroups[0]?.revision_number, revision + 1, 'info answers the new revision');
    assert.deepEqual(read.memberPorts, { [web]: { revision: 0, ports: {} } });

    const webPort = await makePort(client, network, { security_groups: [web] });
    assert.deepEqual(
      last()?.members.find((m) => m.securityGroupId === web),
      {
        securityGroupId: web,
        baseRevision: 0,
        revision: 1,
        ports: [{ id: webPort.id, addresses: [webPort.ip] }],
      },
    );
    assert.deepEqual((await info(client, [dbPort.id])).memberPorts, {
      [web]: { revision: 1, ports: { [webPort.id]: [webPort.ip] } },
    });
    const held = await info(client, [dbPort.id], { [web]: 1 });
    assert.deepEqual([held.members, held.memberPorts], [{}, {}], 'members held at their revision: not sent');
    const stale = await info(client, [dbPort.id], { [web]: 0 });
    assert.deepEqual(stale.memberPorts?.[web]?.revision, 1, 'members held at an older revision: sent');
    const moved = await client.request('PUT', `/v2.0/ports/${webPort.id}`, {
      port: { security_groups: [db] },
    });
    assert.equal(moved.status, 200);
    const members = last()?.members ?? [];
    assert.deepEqual(
      members.find((m) => m.securityGroupId === web),
      { securityGroupId: web, baseRevision: 1, revision: 2, ports: [{ id: webPort.id, addresses: [] }] },
      'left web',
    );
    assert.deepEqual(
      members.find((m) => m.securityGroupId === db)?.ports,
      [{ id: webPort.id, addresses: [webPort.ip] }],
      'joined db',
    );

    assert.equal((await client.request('DELETE', `/v2.0/security-group-rules/${ruleId}`)).status, 204);
    assert.deepEqual(last()?.rules, [
      {
        securityGroupId: db,
        baseRevision: revision + 1,
        revision: revision + 2,
        removed: [ruleId],
        added: [],
      },
    ]);
  });
});

forEachBackend('deleting a group that other groups name as remote', (client) => {
  test('moves the naming groups to a new revision and carries their rules removed', async () => {
    const events = collectEvents(client);
    const { web, db, dbPort } = await webAndDb(client, '10.18.0.0/24');
    const ruleId = await tcpFromGroup(client, db, web);
    const before = (await info(client, [dbPort.id])).securityGroups[0]?.revision_number ?? -1;

    assert.equal((await client.request('DELETE', `/v2.0/security-groups/${web}`)).status, 204);
    assert.deepEqual(events.at(-1)?.changes?.rules, [
      { securityGroupId: db, baseRevision: before, revision: before + 1, removed: [ruleId], added: [] },
    ]);
    const after = await info(client, [dbPort.id]);
    assert.equal(after.securityGroups[0]?.revision_number, before + 1, 'info answers the new revision');
    assert.equal(
      (await client.request('GET', `/v2.0/security-group-rules/${ruleId}`)).status,
      404,
      'the rule went with the group',
    );
  });
});
