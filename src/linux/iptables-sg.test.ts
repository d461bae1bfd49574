import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canUseNamespaces, type Namespace, Sandbox } from '../../test/support/netns.js';
import {
  applyIpset,
  applyPortGroups,
  destroyIpsets,
  ensureSecurityGroupBase,
  removePortGroups,
} from './iptables-sg.js';
import {
  ipsetChangeLines,
  type PortGroupsSpec,
  portRestoreScript,
  remoteSetName,
  ruleMatch,
  type SgRuleSpec,
} from './iptables-sg-rules.js';

const GROUP = '5b1f8f4e-0c6d-4f3a-9d7e-2a1b3c4d5e6f';
const SET4 = remoteSetName(GROUP, 'IPv4');
const anyRule = {
  protocol: null,
  portRangeMin: null,
  portRangeMax: null,
  remotePrefix: null,
  remoteSet: null,
};
/** Neutron's default group: members in (both families), everything out. */
const defaultRules: SgRuleSpec[] = [
  { ...anyRule, direction: 'ingress', ethertype: 'IPv4', remoteSet: SET4 },
  { ...anyRule, direction: 'egress', ethertype: 'IPv4' },
  { ...anyRule, direction: 'egress', ethertype: 'IPv6' },
];
const tcp5001: SgRuleSpec = {
  ...anyRule,
  direction: 'ingress',
  ethertype: 'IPv4',
  protocol: 'tcp',
  portRangeMin: 5001,
  portRangeMax: 5001,
  remotePrefix: '0.0.0.0/0',
};

describe('security group text (pure)', () => {
  test('set names fit ipset (31 characters) and differ by family', () => {
    assert.equal(SET4, 'qsg4-5b1f8f4e0c6d4f3a9d7e2a1b3c');
    assert.ok(SET4.length <= 31);
    assert.notEqual(remoteSetName(GROUP, 'IPv6'), SET4);
  });
  test('rule matches: ports, ICMP type/code, remote prefix and remote set by direction', () => {
    assert.equal(ruleMatch(tcp5001, 'IPv4'), '-s 0.0.0.0/0 -p tcp -m multiport --dports 5001');
    assert.equal(
      ruleMatch({ ...tcp5001, portRangeMax: 5010 }, 'IPv4'),
      '-s 0.0.0.0/0 -p tcp -m multiport --dports 5001:5010',
    );
    assert.equal(ruleMatch(tcp5001, 'IPv6'), undefined, 'an IPv4 rule never lands in ip6tables');
    assert.equal(
      ruleMatch(
        {
          ...anyRule,
          direction: 'ingress',
          ethertype: 'IPv4',
          protocol: 'icmp',
          portRangeMin: 8,
          portRangeMax: 0,
        },
        'IPv4',
      ),
      '-p icmp -m icmp --icmp-type 8/0',
    );
    assert.equal(
      ruleMatch({ ...anyRule, direction: 'egress', ethertype: 'IPv4', remoteSet: SET4 }, 'IPv4'),
      `-m set --match-set ${SET4} dst`,
    );
  });
  test('stateful chains let replies through first; stateless ones do not', () => {
    const spec: PortGroupsSpec = { device: 'tapabcdef01-23', stateful: true, rules: defaultRules };
    const text = portRestoreScript(spec, 'IPv4', true);
    assert.match(text, /-A qsg-i-tapabcdef01-23 -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n/);
    assert.match(text, /-A qsg-i-tapabcdef01-23 -j DROP\n/);
    assert.match(text, /-A qsg-o-tapabcdef01-23 -j RETURN\n/, 'egress any');
    assert.match(text, /--physdev-out tapabcdef01-23 --physdev-is-bridged -j qsg-i-tapabcdef01-23/);
    assert.doesNotMatch(portRestoreScript({ ...spec, stateful: false }, 'IPv4', false), /conntrack|physdev/);
  });
  test('membership change: element adds and deletes only', () => {
    assert.deepEqual(ipsetChangeLines(SET4, 'IPv4', ['10.0.0.1', '10.0.0.2'], ['10.0.0.2', '10.0.0.3']), [
      `del ${SET4} 10.0.0.1 -exist`,
      `add ${SET4} 10.0.0.3 -exist`,
    ]);
    assert.deepEqual(ipsetChangeLines(SET4, 'IPv4', undefined, []), [
      `create ${SET4} hash:net family inet -exist`,
    ]);
  });
});

/**
 * Real kernel: a host namespace with a bridge and two "instances" (namespaces) on veths named like taps.
 * Only B is protected; A probes it with ping and TCP (socat), B probes A for the reply path.
 */
describe('security groups enforced with iptables-nft physdev + conntrack + ipset', {
  skip: !canUseNamespaces(),
}, () => {
  let sandbox: Sandbox;
  let host: Namespace;
  let a: Namespace;
  let b: Namespace;
  const tapA = 'tapaaaaaaaa-01';
  const tapB = 'tapbbbbbbbb-02';
  const spec = (rules: SgRuleSpec[], stateful = true): PortGroupsSpec => ({ device: tapB, stateful, rules });
  const pings = async (from: Namespace, to: string): Promise<boolean> =>
    (await from.exec('ping', ['-c', '1', '-W', '1', to], { allowFailure: true })).code === 0;
  const connects = async (from: Namespace, to: string): Promise<boolean> =>
    (
      await from.exec('socat', ['-T1', '/dev/null', `TCP:${to}:5001,connect-timeout=1`], {
        allowFailure: true,
      })
    ).code === 0;

  before(async () => {
    sandbox = new Sandbox('sg');
    host = await sandbox.addNamespace('host');
    a = await sandbox.addNamespace('a');
    b = await sandbox.addNamespace('b');
    const bridge = sandbox.device('br');
    await sandbox.addBridge(host, bridge);
    await sandbox.addVeth(host, tapA, a, 'eth0', { bridge, peerAddresses: ['10.66.0.1/24'] });
    await sandbox.addVeth(host, tapB, b, 'eth0', { bridge, peerAddresses: ['10.66.0.2/24'] });
    sandbox.spawn(b, 'listener', 'socat', ['TCP-LISTEN:5001,fork,reuseaddr', 'OPEN:/dev/null']);
    assert.equal(await ensureSecurityGroupBase(host.name), true);
    await ensureSecurityGroupBase(host.name); // idempotent: one FORWARD jump
    const forward = (await host.exec('iptables', ['-S', 'FORWARD'])).stdout;
    assert.equal(forward.split('\n').filter((line) => line.includes('qsg-fwd')).length, 1);
    assert.ok(await pings(a, '10.66.0.2'), 'unprotected: reachable');
  });
  after(async () => sandbox?.teardown());

  test('default group: a member gets in; removed from the set (element change), it does not', async () => {
    await applyIpset(host.name, ipsetChangeLines(SET4, 'IPv4', undefined, ['10.66.0.1']));
    await applyPortGroups(host.name, spec(defaultRules), true);
    assert.ok(await pings(a, '10.66.0.2'), 'member reaches B');
    await applyIpset(host.name, ipsetChangeLines(SET4, 'IPv4', ['10.66.0.1'], []));
    assert.ok(!(await pings(a, '10.66.0.2')), 'non-member is dropped');
    assert.ok(!(await connects(a, '10.66.0.2')), 'TCP too');
  });
  test('a TCP rule added opens the port at once; removed, it closes', async () => {
    await applyPortGroups(host.name, spec([...defaultRules, tcp5001]), false);
    assert.ok(await connects(a, '10.66.0.2'), 'port 5001 open');
    assert.ok(!(await pings(a, '10.66.0.2')), 'ICMP still closed');
    await applyPortGroups(host.name, spec(defaultRules), false);
    assert.ok(!(await connects(a, '10.66.0.2')), 'port 5001 closed again');
  });
  test('replies to outbound traffic pass when stateful, not when stateless', async () => {
    assert.ok(await pings(b, '10.66.0.1'), 'B reaches A, the reply comes back');
    await applyPortGroups(host.name, spec(defaultRules, false), false);
    assert.ok(!(await pings(b, '10.66.0.1')), 'stateless: the reply needs an ingress rule');
    const replies: SgRuleSpec = { ...anyRule, direction: 'ingress', ethertype: 'IPv4', protocol: 'icmp' };
    await applyPortGroups(host.name, spec([...defaultRules, replies], false), false);
    assert.ok(await pings(b, '10.66.0.1'), 'stateless with the rule both ways');
  });
  test('tap removed: no chain, no jump left; the set can go', async () => {
    await removePortGroups(host.name, tapB);
    for (const tool of ['iptables-save', 'ip6tables-save']) {
      const saved = (await host.exec(tool, [])).stdout;
      assert.doesNotMatch(saved, /tapbbbbbbbb-02/, tool);
    }
    await destroyIpsets(host.name, [SET4]);
    const sets = (await host.exec('ipset', ['list', '-n'])).stdout;
    assert.doesNotMatch(sets, /qsg4-/);
    assert.ok(await pings(a, '10.66.0.2'), 'unprotected again');
  });
});
