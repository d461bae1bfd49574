import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canUseNamespaces, type Namespace, Sandbox } from '../../../test/support/netns.js';
import type { SecurityGroupResult } from '../../bus/security-group-rpc.js';
import { createLogger } from '../../common/logger.js';
import { remoteSetName } from '../../linux/iptables-sg-rules.js';
import { GroupEnforcer } from './group-enforcer.js';

type Info = SecurityGroupResult<'securitygroups.info'>;
const GROUP = '22222222-2222-4222-8222-222222222222';
const PORTS = ['11111111-1111-4111-8111-111111111111', '33333333-3333-4333-8333-333333333333'];
const tapOf = (id: string) => `tap${id.slice(0, 11)}`;
const base = {
  security_group_id: GROUP,
  port_range_min: null,
  port_range_max: null,
  remote_ip_prefix: null,
  normalized_cidr: null,
  remote_group_id: null,
};
const rules = [
  {
    ...base,
    id: 'r1',
    direction: 'ingress' as const,
    ethertype: 'IPv4' as const,
    protocol: null,
    remote_group_id: GROUP,
  },
  { ...base, id: 'r2', direction: 'egress' as const, ethertype: 'IPv4' as const, protocol: null },
];
const tcp5001 = {
  ...base,
  id: 'r3',
  direction: 'ingress' as const,
  ethertype: 'IPv4' as const,
  protocol: 'tcp',
  port_range_min: 5001,
  port_range_max: 5001,
};

/**
 * Real kernel (a host namespace): two taps' groups enforced in one batch share one pair of chains; a rule
 * change rewrites that pair and no port chain; a member change is an element; calls are counted.
 */
describe('group enforcer: batches and shared chains', { skip: !canUseNamespaces() }, () => {
  let sandbox: Sandbox;
  let host: Namespace;
  let info: Info;
  const calls: string[][] = [];
  let enforcer: GroupEnforcer;
  const saved = async () => (await host.exec('iptables-save', ['-t', 'filter'])).stdout;

  before(async () => {
    sandbox = new Sandbox('sgb');
    host = await sandbox.addNamespace('host');
    for (const id of PORTS)
      await host.ip(['link', 'add', tapOf(id), 'type', 'veth', 'peer', 'name', `p${id.slice(0, 4)}`]);
    info = {
      ports: PORTS.map((id, i) => ({
        id,
        port_security_enabled: true,
        security_groups: [GROUP],
        fixed_ips: [`10.0.0.${i + 5}`],
      })),
      securityGroups: [{ id: GROUP, stateful: true, rules }],
      members: { [GROUP]: { IPv4: ['10.0.0.5', '10.0.0.6'], IPv6: [] } },
    };
    enforcer = new GroupEnforcer({
      host: 'h',
      namespace: host.name,
      logger: createLogger({ level: 'silent' }),
      client: {
        info: async (_host, portIds) => {
          calls.push([...portIds]);
          return { ...info, ports: info.ports.filter((p) => portIds.includes(p.id)) };
        },
      },
    });
  });
  after(async () => sandbox?.teardown());

  const targets = PORTS.map((portId) => ({ tap: tapOf(portId), portId }));

  test('one info call for both taps; both port chains jump to one shared chain', async () => {
    await enforcer.enforce(targets);
    assert.deepEqual(calls, [PORTS]);
    const text = await saved();
    const jumps = text.split('\n').filter((line) => /^-A qsg-i-tap\S+ -j qsg-si-[0-9a-f]{12}$/.test(line));
    assert.equal(jumps.length, 2, text);
    assert.equal(new Set(jumps.map((line) => line.split(' -j ')[1])).size, 1, 'one shared chain');
    assert.deepEqual(enforcer.tapsConcerned([GROUP]), PORTS.map(tapOf));
  });

  test('a rule change rewrites the shared chain, not the port chains', async () => {
    // A marker in a port chain: a rewrite of that chain (declared in the restore) would flush it.
    const marked = `qsg-i-${tapOf(PORTS[0] ?? '')}`;
    await host.exec('iptables', ['-A', marked, '-m', 'comment', '--comment', 'marker', '-j', 'RETURN']);
    const before = await saved();
    const portChains = (text: string) => text.split('\n').filter((line) => line.startsWith('-A qsg-i-tap'));
    info = { ...info, securityGroups: [{ id: GROUP, stateful: true, rules: [...rules, tcp5001] }] };
    await enforcer.enforce(targets);
    const after = await saved();
    assert.match(after, /^-A qsg-si-\S+ -p tcp -m multiport --dports 5001 -j RETURN$/m);
    assert.deepEqual(portChains(after), portChains(before));
    assert.match(after, /--comment marker/, 'the port chain was not rewritten');
  });

  test('an event: its changes written without a read; a gap reads one tap of the shared chains', async () => {
    const [first = '', second = ''] = PORTS;
    const withRevisions = (revision: number): Info => ({
      ...info,
      securityGroups: [{ id: GROUP, stateful: true, rules: [...rules, tcp5001], revision_number: revision }],
      memberPorts: { [GROUP]: { revision: 1, ports: { [first]: ['10.0.0.5'], [second]: ['10.0.0.6'] } } },
    });
    info = withRevisions(1);
    await enforcer.enforce(targets); // what is known now carries the revisions
    calls.length = 0;
    const tcp5002 = { ...tcp5001, id: 'r4', port_range_min: 5002, port_range_max: 5002 };
    const reads = await enforcer.applyEvent({
      securityGroupIds: [GROUP],
      changes: {
        rules: [{ securityGroupId: GROUP, baseRevision: 1, revision: 2, removed: [], added: [tcp5002] }],
        members: [
          { securityGroupId: GROUP, baseRevision: 1, revision: 2, ports: [{ id: second, addresses: [] }] },
        ],
      },
    });
    assert.equal(reads, 0);
    assert.equal(calls.length, 0, 'no securitygroups.info');
    assert.match(await saved(), /^-A qsg-si-\S+ -p tcp -m multiport --dports 5002 -j RETURN$/m);
    const listed = (await host.exec('ipset', ['list', remoteSetName(GROUP, 'IPv4')])).stdout;
    assert.doesNotMatch(listed, /^10\.0\.0\.6$/m, 'the member left');
    // A change past what is known (one was lost): the server is asked, for one tap (both share the chains).
    info = withRevisions(6);
    const gap = await enforcer.applyEvent({
      securityGroupIds: [GROUP],
      changes: {
        rules: [{ securityGroupId: GROUP, baseRevision: 5, revision: 6, removed: ['r4'], added: [] }],
        members: [],
      },
    });
    assert.equal(gap, 1);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.length, 1);
    assert.doesNotMatch(await saved(), /--dports 5002 /, 'the read rules are written');
    const { memberPorts: _, ...plain } = info;
    info = plain;
  });

  test('a member leaves: an element goes; the tap removed and pruned: chains and set go', async () => {
    info = { ...info, members: { [GROUP]: { IPv4: ['10.0.0.5'], IPv6: [] } } };
    await enforcer.enforce(targets);
    const set = remoteSetName(GROUP, 'IPv4');
    const listed = (await host.exec('ipset', ['list', set])).stdout;
    assert.match(listed, /^10\.0\.0\.5$/m);
    assert.doesNotMatch(listed, /^10\.0\.0\.6$/m);
    for (const { tap } of targets) await enforcer.remove(tap);
    await enforcer.prune();
    assert.doesNotMatch(await saved(), /qsg-(i|o|si|so)-/);
    assert.doesNotMatch((await host.exec('ipset', ['list', '-n'])).stdout, /qsg4-/);
  });
});
