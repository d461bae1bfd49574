/**
 * `securitygroups.info` through the control plane's real bus handler (schema check included), on SQLite
 * and PostgreSQL: a port's groups and their rules, and the member addresses of a remote group following
 * membership; unknown ports are left out; bad params refused.
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
import { SecurityGroupInfoResult } from '../bus/security-group-rpc.js';

async function info(client: Client, portIds: string[]): Promise<SecurityGroupInfoResult> {
  const reply = await client.plane().bus.request({
    schema: 'qdhcp.request',
    version: 1,
    method: 'securitygroups.info',
    params: { host: 'test-host', portIds },
  });
  assert.ok(
    Value.Check(SecurityGroupInfoResult, reply),
    `reply matches the contract: ${JSON.stringify(reply)}`,
  );
  return reply as SecurityGroupInfoResult;
}

async function group(client: Client, name: string): Promise<string> {
  const reply = await client.request('POST', '/v2.0/security-groups', { security_group: { name } });
  return String(resource(reply, 'security_group')['id']);
}

forEachBackend('securitygroups.info', (client) => {
  test('groups, rules and remote-group members of the asked ports', async () => {
    const network = await makeNetwork(client);
    await makeSubnet(client, network, '10.16.0.0/24');
    const web = await group(client, 'web');
    const db = await group(client, 'db');
    const rule = await client.request('POST', '/v2.0/security-group-rules', {
      security_group_rule: {
        security_group_id: db,
        direction: 'ingress',
        protocol: 'tcp',
        port_range_min: 5432,
        port_range_max: 5432,
        remote_group_id: web,
      },
    });
    assert.equal(rule.status, 201);
    const dbPort = await makePort(client, network, { security_groups: [db] });
    const before = await info(client, [dbPort.id, '6b0c5bd3-6d47-4f73-8f37-8e0f0a1b2c3d']);
    assert.deepEqual(before.ports, [
      { id: dbPort.id, port_security_enabled: true, security_groups: [db], fixed_ips: [dbPort.ip] },
    ]);
    assert.deepEqual(
      before.securityGroups.map((g) => g.id),
      [db],
    );
    const rules = before.securityGroups[0]!.rules;
    assert.equal(rules.length, 3, 'two egress rules and the one from web');
    assert.ok(rules.some((r) => r.remote_group_id === web && r.port_range_min === 5432));
    assert.deepEqual(before.members, { [web]: { IPv4: [], IPv6: [] } });

    const webPort = await makePort(client, network, { security_groups: [web] });
    const after = await info(client, [dbPort.id]);
    assert.deepEqual(after.members, { [web]: { IPv4: [webPort.ip], IPv6: [] } }, 'membership followed');
    const paired = await client.request('PUT', `/v2.0/ports/${webPort.id}`, {
      port: { allowed_address_pairs: [{ ip_address: '10.16.0.200' }] },
    });
    assert.equal(paired.status, 200);
    assert.deepEqual(
      (await info(client, [dbPort.id])).members,
      { [web]: { IPv4: [webPort.ip, '10.16.0.200'], IPv6: [] } },
      'an address pair is a member address',
    );
    assert.equal((await client.request('DELETE', `/v2.0/ports/${webPort.id}`)).status, 204);
    assert.deepEqual((await info(client, [dbPort.id])).members, { [web]: { IPv4: [], IPv6: [] } });
    assert.deepEqual(await info(client, []), { ports: [], securityGroups: [], members: {}, memberPorts: {} });
  });

  test('params that break the contract are refused', async () => {
    await assert.rejects(
      client.plane().bus.request({
        schema: 'qdhcp.request',
        version: 1,
        method: 'securitygroups.info',
        params: { host: 'h', portIds: 'all' },
      }),
      /params do not match the contract/,
    );
  });
});
