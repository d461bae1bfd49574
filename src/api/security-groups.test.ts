import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Client,
  forEachBackend,
  makeNetwork,
  makePort,
  makeSubnet,
  type Reply,
  resource,
} from './testing/test-harness.js';

const bob = { 'x-project-id': 'bob' };
const carol = { 'x-project-id': 'carol' };

function errorType(reply: Reply): string | undefined {
  return (reply.body['NeutronError'] as { type: string } | undefined)?.type;
}

function errorMessage(reply: Reply): string {
  return (reply.body['NeutronError'] as { message: string } | undefined)?.message ?? '';
}

async function makeGroup(
  client: Client,
  attributes: Record<string, unknown> = {},
  headers: Record<string, string> = bob,
): Promise<Record<string, unknown>> {
  const reply = await client.request(
    'POST',
    '/v2.0/security-groups',
    { security_group: { name: 'web', ...attributes } },
    headers,
  );
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return resource(reply, 'security_group');
}

function createRule(
  client: Client,
  group: string,
  rule: Record<string, unknown>,
  headers: Record<string, string> = bob,
) {
  return client.request(
    'POST',
    '/v2.0/security-group-rules',
    { security_group_rule: { security_group_id: group, direction: 'ingress', ...rule } },
    headers,
  );
}

async function defaultGroupOf(
  client: Client,
  headers: Record<string, string>,
): Promise<Record<string, unknown>> {
  const reply = await client.request('GET', '/v2.0/security-groups?name=default', undefined, headers);
  const groups = reply.body['security_groups'] as Record<string, unknown>[];
  assert.equal(groups.length, 1, JSON.stringify(reply.body));
  return groups[0]!;
}

type Rule = Record<string, unknown>;
const shape = (r: Rule) =>
  `${r['direction']} ${r['ethertype']} ${r['protocol']} ${r['remote_group_id'] === null ? '-' : 'self'}`;

/** Rule bodies and what Neutron makes of them (securitygroups_db.py, the tempest cases). */
const ACCEPTED: ReadonlyArray<{ rule: Rule; expect: Rule; why: string }> = [
  {
    rule: { protocol: 'TCP', port_range_min: 22, port_range_max: 22 },
    expect: { protocol: 'tcp' },
    why: 'names lower-cased',
  },
  { rule: { protocol: 17 }, expect: { protocol: '17' }, why: 'numbers kept, as text' },
  {
    rule: { protocol: '6', port_range_min: '80', port_range_max: '81' },
    expect: { port_range_min: 80, port_range_max: 81 },
    why: 'port text converted',
  },
  { rule: { protocol: 'any' }, expect: { protocol: null }, why: "'any' is no protocol" },
  {
    rule: { protocol: 'tcp', port_range_min: 1, port_range_max: 65535 },
    expect: { port_range_min: null, port_range_max: null },
    why: 'the whole range is no range',
  },
  {
    rule: { protocol: 'icmp', port_range_min: 8, port_range_max: 0 },
    expect: { port_range_min: 8, port_range_max: 0 },
    why: 'ICMP type and code',
  },
  {
    rule: { protocol: 'icmp', port_range_min: 11, port_range_max: null },
    expect: { port_range_max: null },
    why: 'ICMP type without code',
  },
  {
    rule: { ethertype: 'ipv6', protocol: 'icmp' },
    expect: { ethertype: 'IPv6', protocol: 'ipv6-icmp' },
    why: 'legacy ICMP for IPv6',
  },
  {
    rule: { ethertype: 'IPv6', protocol: 'icmpv6' },
    expect: { protocol: 'ipv6-icmp' },
    why: 'legacy icmpv6 name',
  },
  {
    rule: { ethertype: 'IPv6', protocol: '1' },
    expect: { protocol: '58' },
    why: 'legacy ICMP number for IPv6',
  },
  {
    rule: { protocol: 'tcp', remote_ip_prefix: '10.1.2.3' },
    expect: { remote_ip_prefix: '10.1.2.3/32', normalized_cidr: '10.1.2.3/32' },
    why: 'mask added',
  },
  {
    rule: { protocol: 'udp', remote_ip_prefix: '10.1.2.3/24' },
    expect: { remote_ip_prefix: '10.1.2.3/24', normalized_cidr: '10.1.2.0/24' },
    why: 'host bits kept, normalized_cidr without',
  },
  {
    rule: { ethertype: 'IPv6', remote_ip_prefix: '2001:DB8::1/64' },
    expect: { remote_ip_prefix: '2001:db8::1/64', normalized_cidr: '2001:db8::/64' },
    why: 'IPv6 prefix canonical',
  },
];

const REFUSED: ReadonlyArray<{ rule: Rule; status: number; type: string; message?: string }> = [
  { rule: { protocol: 'bad_protocol_name' }, status: 400, type: 'SecurityGroupRuleInvalidProtocol' },
  { rule: { protocol: 256 }, status: 400, type: 'SecurityGroupRuleInvalidProtocol' },
  { rule: { ethertype: 'bad_ethertype' }, status: 400, type: 'SecurityGroupRuleInvalidEtherType' },
  { rule: { direction: 'sideways' }, status: 400, type: 'HTTPBadRequest' },
  {
    rule: { protocol: 'tcp', port_range_min: -16, port_range_max: 80 },
    status: 400,
    type: 'SecurityGroupInvalidPortValue',
    message: 'Invalid value for port -16',
  },
  {
    rule: { protocol: 'tcp', port_range_min: 80, port_range_max: 79 },
    status: 400,
    type: 'SecurityGroupInvalidPortRange',
    message: 'port_range_min must be <= port_range_max',
  },
  {
    rule: { protocol: 'tcp', port_range_min: 80, port_range_max: 65536 },
    status: 400,
    type: 'SecurityGroupInvalidPortValue',
    message: 'Invalid value for port 65536',
  },
  { rule: { protocol: 'tcp', port_range_max: 6 }, status: 400, type: 'SecurityGroupInvalidPortRange' },
  {
    rule: { protocol: 'tcp', port_range_min: 0, port_range_max: 6 },
    status: 400,
    type: 'SecurityGroupInvalidPortValue',
  },
  {
    rule: { protocol: 'icmp', port_range_min: 1, port_range_max: 256 },
    status: 400,
    type: 'SecurityGroupInvalidIcmpValue',
    message: 'Invalid value for ICMP code',
  },
  {
    rule: { protocol: 'icmp', port_range_min: 300, port_range_max: 1 },
    status: 400,
    type: 'SecurityGroupInvalidIcmpValue',
    message: 'Invalid value for ICMP type',
  },
  {
    rule: { protocol: 'icmp', port_range_max: 6 },
    status: 400,
    type: 'SecurityGroupMissingIcmpType',
    message: 'ICMP type (port-range-min) is missing',
  },
  {
    rule: { protocol: 'gre', port_range_min: 1, port_range_max: 2 },
    status: 400,
    type: 'SecurityGroupInvalidProtocolForPort',
  },
  {
    rule: { port_range_min: 1, port_range_max: 2 },
    status: 400,
    type: 'SecurityGroupProtocolRequiredWithPorts',
  },
  { rule: { protocol: 'ipv6-icmp' }, status: 400, type: 'SecurityGroupEthertypeConflictWithProtocol' },
  { rule: { protocol: '58' }, status: 400, type: 'SecurityGroupEthertypeConflictWithProtocol' },
  { rule: { remote_ip_prefix: '192.168.1./24' }, status: 400, type: 'InvalidCIDR' },
  { rule: { remote_ip_prefix: '192.168.1.1/33' }, status: 400, type: 'InvalidCIDR' },
  { rule: { remote_ip_prefix: '256' }, status: 400, type: 'InvalidCIDR' },
  {
    rule: { ethertype: 'IPv6', remote_ip_prefix: '10.0.0.0/8' },
    status: 400,
    type: 'SecurityGroupRuleParameterConflict',
    message: 'Conflicting value ethertype',
  },
  { rule: { remote_ip_prefix: '2001:db8::/64' }, status: 400, type: 'SecurityGroupRuleParameterConflict' },
  { rule: { remote_group_id: 'bad_group_id' }, status: 404, type: 'SecurityGroupNotFound' },
  {
    rule: { security_group_id: '6b0c5bd3-6d47-4f73-8f37-8e0f0a1b2c3d' },
    status: 404,
    type: 'SecurityGroupNotFound',
  },
];

forEachBackend(
  'security groups API',
  (client) => {
    test('the security-group, stateful-security-group and normalized-cidr extensions are listed', async () => {
      const reply = await client.request('GET', '/v2.0/extensions');
      const aliases = (reply.body['extensions'] as { alias: string }[]).map((e) => e.alias);
      for (const alias of ['security-group', 'stateful-security-group', 'security-groups-normalized-cidr'])
        assert.ok(aliases.includes(alias), alias);
    });

    test('listing gives the project its default group once, with Neutron default rules', async () => {
      const first = await defaultGroupOf(client, bob);
      const again = await defaultGroupOf(client, bob);
      assert.equal(first['id'], again['id']);
      assert.equal(first['description'], 'Default security group');
      assert.equal(first['stateful'], true);
      const rules = (first['security_group_rules'] as Rule[]).map(shape).sort();
      assert.deepEqual(rules, [
        'egress IPv4 null -',
        'egress IPv6 null -',
        'ingress IPv4 null self',
        'ingress IPv6 null self',
      ]);
      for (const rule of first['security_group_rules'] as Rule[]) {
        if (rule['remote_group_id'] !== null) assert.equal(rule['remote_group_id'], first['id']);
        assert.equal(rule['project_id'], 'bob');
      }
      const carols = await defaultGroupOf(client, carol);
      assert.notEqual(carols['id'], first['id']);
    });

    test('create, show, list, update, delete; a new group egresses anywhere', async () => {
      const group = await makeGroup(client, { description: 'd' });
      for (const key of [
        'id',
        'name',
        'description',
        'stateful',
        'tenant_id',
        'project_id',
        'security_group_rules',
        'revision_number',
        'created_at',
        'updated_at',
        'tags',
      ])
        assert.ok(key in group, key);
      assert.deepEqual((group['security_group_rules'] as Rule[]).map(shape).sort(), [
        'egress IPv4 null -',
        'egress IPv6 null -',
      ]);
      const id = String(group['id']);
      const shown = await client.request('GET', `/v2.0/security-groups/${id}`, undefined, bob);
      assert.equal(resource(shown, 'security_group')['name'], 'web');
      const updated = await client.request(
        'PUT',
        `/v2.0/security-groups/${id}`,
        { security_group: { name: 'web2', stateful: false } },
        bob,
      );
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      assert.equal(resource(updated, 'security_group')['name'], 'web2');
      assert.equal(resource(updated, 'security_group')['stateful'], false);
      assert.equal(
        resource(updated, 'security_group')['revision_number'],
        Number(group['revision_number']) + 1,
      );
      const hidden = await client.request('GET', `/v2.0/security-groups/${id}`, undefined, carol);
      assert.equal(errorType(hidden), 'SecurityGroupNotFound');
      assert.equal(
        (await client.request('DELETE', `/v2.0/security-groups/${id}`, undefined, bob)).status,
        204,
      );
      const rules = await client.request('GET', `/v2.0/security-group-rules?security_group_id=${id}`);
      assert.deepEqual(rules.body['security_group_rules'], []);
      assert.equal(
        errorType(await client.request('DELETE', `/v2.0/security-groups/${id}`, undefined, bob)),
        'SecurityGroupNotFound',
      );
    });

    test('names: "default" is taken (409), the default group keeps its name, too long or not text is 400', async () => {
      const taken = await client.request(
        'POST',
        '/v2.0/security-groups',
        { security_group: { name: 'Default' } },
        bob,
      );
      assert.deepEqual([taken.status, errorType(taken)], [409, 'SecurityGroupDefaultAlreadyExists']);
      const group = await makeGroup(client);
      const rename = await client.request(
        'PUT',
        `/v2.0/security-groups/${group['id']}`,
        { security_group: { name: 'default' } },
        bob,
      );
      assert.equal(rename.status, 409);
      const def = await defaultGroupOf(client, bob);
      const renameDefault = await client.request(
        'PUT',
        `/v2.0/security-groups/${def['id']}`,
        { security_group: { name: 'x' } },
        bob,
      );
      assert.deepEqual(
        [renameDefault.status, errorType(renameDefault)],
        [409, 'SecurityGroupCannotUpdateDefault'],
      );
      const describeDefault = await client.request(
        'PUT',
        `/v2.0/security-groups/${def['id']}`,
        { security_group: { description: 'mine' } },
        bob,
      );
      assert.equal(describeDefault.status, 200);
      for (const name of ['x'.repeat(256), true]) {
        const bad = await client.request('POST', '/v2.0/security-groups', { security_group: { name } }, bob);
        assert.equal(bad.status, 400, String(name));
      }
    });

    test('the default group: not deletable by its project (409), by an admin yes; recreated on next need', async () => {
      const def = await defaultGroupOf(client, carol);
      const refused = await client.request('DELETE', `/v2.0/security-groups/${def['id']}`, undefined, carol);
      assert.deepEqual([refused.status, errorType(refused)], [409, 'SecurityGroupCannotRemoveDefault']);
      assert.equal((await client.request('DELETE', `/v2.0/security-groups/${def['id']}`)).status, 204);
      const again = await defaultGroupOf(client, carol);
      assert.notEqual(again['id'], def['id']);
    });

    for (const { rule, expect, why } of ACCEPTED) {
      test(`rule accepted: ${why}`, async () => {
        const group = await makeGroup(client);
        const reply = await createRule(client, String(group['id']), rule);
        assert.equal(reply.status, 201, JSON.stringify(reply.body));
        const created = resource(reply, 'security_group_rule');
        for (const [key, value] of Object.entries(expect)) assert.deepEqual(created[key], value, key);
        const shown = await client.request(
          'GET',
          `/v2.0/security-group-rules/${created['id']}`,
          undefined,
          bob,
        );
        assert.deepEqual(resource(shown, 'security_group_rule'), created);
      });
    }

    test('rules refused as Neutron refuses them', async () => {
      const group = String((await makeGroup(client))['id']);
      for (const { rule, status, type, message } of REFUSED) {
        const reply = await createRule(client, group, rule);
        assert.deepEqual(
          [reply.status, errorType(reply)],
          [status, type],
          JSON.stringify({ rule, body: reply.body }),
        );
        if (message !== undefined) assert.ok(errorMessage(reply).includes(message), errorMessage(reply));
      }
      const other = String((await makeGroup(client))['id']);
      const both = await createRule(client, group, {
        remote_ip_prefix: '10.0.0.0/8',
        remote_group_id: other,
      });
      assert.deepEqual([both.status, errorType(both)], [400, 'SecurityGroupMultipleRemoteEntites']);
      const missing = await client.request(
        'POST',
        '/v2.0/security-group-rules',
        { security_group_rule: { security_group_id: group } },
        bob,
      );
      assert.equal(missing.status, 400);
    });

    test('duplicates: 409 SecurityGroupRuleExists naming the rule, tcp and 6 the same, in one POST 409 too', async () => {
      const group = String((await makeGroup(client))['id']);
      const first = await createRule(client, group, {
        protocol: 'tcp',
        port_range_min: 66,
        port_range_max: 67,
      });
      const id = resource(first, 'security_group_rule')['id'];
      const again = await createRule(client, group, {
        protocol: '6',
        port_range_min: 66,
        port_range_max: 67,
      });
      assert.deepEqual([again.status, errorType(again)], [409, 'SecurityGroupRuleExists']);
      assert.ok(errorMessage(again).includes(String(id)));
      const egressAny = await createRule(client, group, {
        direction: 'egress',
        remote_ip_prefix: '0.0.0.0/0',
      });
      assert.equal(
        errorType(egressAny),
        'SecurityGroupRuleExists',
        'the default egress rule, 0.0.0.0/0 = any',
      );
      const bulk = await client.request(
        'POST',
        '/v2.0/security-group-rules',
        {
          security_group_rules: [1, 2].map(() => ({
            security_group_id: group,
            direction: 'ingress',
            protocol: 'udp',
          })),
        },
        bob,
      );
      assert.deepEqual([bulk.status, errorType(bulk)], [409, 'DuplicateSecurityGroupRuleInPost']);
    });

    test("rules: another project's group is 404; a project sees rules of its groups, not others'", async () => {
      const carols = String((await makeGroup(client, {}, carol))['id']);
      const foreign = await createRule(client, carols, { protocol: 'tcp' }, bob);
      assert.equal(errorType(foreign), 'SecurityGroupNotFound');
      const remoteForeign = await createRule(client, String((await makeGroup(client))['id']), {
        remote_group_id: carols,
      });
      assert.equal(errorType(remoteForeign), 'SecurityGroupNotFound');
      const byAdmin = await createRule(client, carols, { protocol: 'tcp', project_id: 'admin-project' }, {});
      assert.equal(byAdmin.status, 201, JSON.stringify(byAdmin.body));
      const adminRule = String(resource(byAdmin, 'security_group_rule')['id']);
      const carolSees = await client.request('GET', '/v2.0/security-group-rules', undefined, carol);
      assert.ok((carolSees.body['security_group_rules'] as Rule[]).some((r) => r['id'] === adminRule));
      const bobSees = await client.request('GET', '/v2.0/security-group-rules', undefined, bob);
      assert.ok(!(bobSees.body['security_group_rules'] as Rule[]).some((r) => r['id'] === adminRule));
      assert.equal(
        errorType(await client.request('GET', `/v2.0/security-group-rules/${adminRule}`, undefined, bob)),
        'SecurityGroupRuleNotFound',
      );
      const group = await client.request('GET', `/v2.0/security-groups/${carols}`, undefined, carol);
      assert.ok(
        (resource(group, 'security_group')['security_group_rules'] as Rule[]).some(
          (r) => r['id'] === adminRule,
        ),
      );
      assert.equal(
        (await client.request('DELETE', `/v2.0/security-group-rules/${adminRule}`, undefined, carol)).status,
        204,
      );
    });

    test("ports: the default group unless given; [] allowed; other projects' groups 404; DHCP ports none", async () => {
      const network = await makeNetwork(client, { tenant_id: 'dave' });
      await makeSubnet(client, network, '10.14.0.0/24', { tenant_id: 'dave' });
      const dave = { 'x-project-id': 'dave' };
      const def = await defaultGroupOf(client, dave);
      const plain = await client.request(
        'GET',
        `/v2.0/ports/${(await makePort(client, network, {}, dave)).id}`,
        undefined,
        dave,
      );
      assert.deepEqual(resource(plain, 'port')['security_groups'], [def['id']]);
      const none = await client.request(
        'GET',
        `/v2.0/ports/${(await makePort(client, network, { security_groups: [] }, dave)).id}`,
        undefined,
        dave,
      );
      assert.deepEqual(resource(none, 'port')['security_groups'], []);
      const own = String((await makeGroup(client, {}, dave))['id']);
      const chosen = await makePort(client, network, { security_groups: [own] }, dave);
      const shown = await client.request('GET', `/v2.0/ports/${chosen.id}`, undefined, dave);
      assert.deepEqual(resource(shown, 'port')['security_groups'], [own]);
      const carols = String((await makeGroup(client, {}, carol))['id']);
      const foreign = await client.request(
        'POST',
        '/v2.0/ports',
        { port: { network_id: network, security_groups: [carols] } },
        dave,
      );
      assert.deepEqual([foreign.status, errorType(foreign)], [404, 'SecurityGroupNotFound']);
      const twice = await client.request(
        'PUT',
        `/v2.0/ports/${chosen.id}`,
        { port: { security_groups: [own, own] } },
        dave,
      );
      assert.equal(twice.status, 400);
      const unknown = await client.request(
        'PUT',
        `/v2.0/ports/${chosen.id}`,
        { port: { security_groups: ['6b0c5bd3-6d47-4f73-8f37-8e0f0a1b2c3d'] } },
        dave,
      );
      assert.equal(errorType(unknown), 'SecurityGroupNotFound');
      const after = await client.request('GET', `/v2.0/ports/${chosen.id}`, undefined, dave);
      assert.deepEqual(resource(after, 'port')['security_groups'], [own], 'unchanged after a failed update');
      const inUse = await client.request('DELETE', `/v2.0/security-groups/${own}`, undefined, dave);
      assert.deepEqual([inUse.status, errorType(inUse)], [409, 'SecurityGroupInUse']);
      const stateless = await client.request(
        'PUT',
        `/v2.0/security-groups/${own}`,
        { security_group: { stateful: false } },
        dave,
      );
      assert.deepEqual([stateless.status, errorType(stateless)], [409, 'SecurityGroupInUse']);
      const dhcp = await makePort(client, network, { device_owner: 'network:dhcp' });
      const dhcpShown = await client.request('GET', `/v2.0/ports/${dhcp.id}`);
      assert.deepEqual(resource(dhcpShown, 'port')['security_groups'], []);
      assert.equal((await client.request('DELETE', `/v2.0/ports/${chosen.id}`, undefined, dave)).status, 204);
      assert.equal(
        (await client.request('DELETE', `/v2.0/security-groups/${own}`, undefined, dave)).status,
        204,
      );
    });

    test('port security: off needs no groups (400 with, 409 while the port keeps some); off→on with groups', async () => {
      const network = await makeNetwork(client);
      await makeSubnet(client, network, '10.15.0.0/24');
      const group = String((await makeGroup(client, {}, {}))['id']);
      const withGroups = await client.request('POST', '/v2.0/ports', {
        port: { network_id: network, port_security_enabled: false, security_groups: [group] },
      });
      assert.deepEqual(
        [withGroups.status, errorType(withGroups)],
        [400, 'PortSecurityAndIPRequiredForSecurityGroups'],
      );
      const off = await client.request('POST', '/v2.0/ports', {
        port: { network_id: network, port_security_enabled: false },
      });
      assert.deepEqual(resource(off, 'port')['security_groups'], []);
      const port = (await makePort(client, network)).id;
      const keep = await client.request('PUT', `/v2.0/ports/${port}`, {
        port: { port_security_enabled: false },
      });
      assert.deepEqual([keep.status, errorType(keep)], [409, 'PortSecurityPortHasSecurityGroup']);
      const cleared = await client.request('PUT', `/v2.0/ports/${port}`, {
        port: { port_security_enabled: false, security_groups: [] },
      });
      assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
      assert.deepEqual(resource(cleared, 'port')['security_groups'], []);
      const on = await client.request('PUT', `/v2.0/ports/${port}`, {
        port: { port_security_enabled: true, security_groups: [group] },
      });
      assert.deepEqual(resource(on, 'port')['security_groups'], [group]);
      const stateless = String((await makeGroup(client, { stateful: false }, {}))['id']);
      const mixed = await client.request('PUT', `/v2.0/ports/${port}`, {
        port: { security_groups: [group, stateless] },
      });
      assert.deepEqual([mixed.status, errorType(mixed)], [409, 'SecurityGroupConflict']);
    });
  },
  // Many groups of one project here; the quotas have their own suite below.
  { quota_security_group: '-1' },
);

forEachBackend(
  'security group quotas',
  (client) => {
    test('quota_security_group counts the default group; quota_security_group_rule counts every rule', async () => {
      // 3 groups: the default one (4 rules) and two more (2 rules each) = 8 rules of 9.
      await makeGroup(client, { name: 'a' }, carol);
      await makeGroup(client, { name: 'b' }, carol);
      const third = await client.request(
        'POST',
        '/v2.0/security-groups',
        { security_group: { name: 'c' } },
        carol,
      );
      assert.deepEqual([third.status, errorType(third)], [409, 'OverQuota']);
      assert.ok(errorMessage(third).includes("['security_group']"));
      const group = await defaultGroupOf(client, carol);
      assert.equal((await createRule(client, String(group['id']), { protocol: 'tcp' }, carol)).status, 201);
      const over = await createRule(client, String(group['id']), { protocol: 'udp' }, carol);
      assert.deepEqual([over.status, errorType(over)], [409, 'OverQuota']);
      assert.ok(errorMessage(over).includes("['security_group_rule']"));
    });
  },
  { quota_security_group: '3', quota_security_group_rule: '9' },
);
