import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canUseNamespaces, type Namespace, Sandbox } from '../../test/support/netns.js';
import { applyGroupScripts, applyIpset, destroyIpsets, ensureSecurityGroupBase } from './iptables-sg.js';
import {
  groupsRestoreScript,
  ipsetChangeLines,
  type PortGroupsSpec,
  remoteSetName,
  removeScript,
  ruleMatch,
  type SgFamily,
  type SgRuleSpec,
  sharedChainKey,
} from './iptables-sg-rules.js';

const GROUP = '5b1f8f4e-0c6d-4f3a-9d7e-2a1b3c4d5e6f';
const KEY = sharedChainKey(true, [GROUP]);
/** One port with its groups' shared chains (`withJumps`: first protection of the tap). */
const portRestoreScript = (spec: PortGroupsSpec, family: SgFamily, withJumps: boolean) =>
  groupsRestoreScript([spec], [{ device: spec.device, key: spec.key, withJumps }], family);
/** Both families, as the L2 role writes them. */
async function applyPortGroups(namespace: string, spec: PortGroupsSpec, withJumps: boolean): Promise<void> {
  await applyGroupScripts(namespace, {
    IPv4: portRestoreScript(spec, 'IPv4', withJumps),
    IPv6: portRestoreScript(spec, 'IPv6', withJumps),
  });
}
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
    const spec: PortGroupsSpec = { device: 'tapabcdef01-23', key: KEY, stateful: true, rules: defaultRules };
    const text = portRestoreScript(spec, 'IPv4', true);
    assert.match(text, new RegExp(`-A qsg-si-${KEY} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n`));
    assert.match(text, new RegExp(`-A qsg-si-${KEY} -j DROP\n`));
    assert.match(text, new RegExp(`-A qsg-so-${KEY} -j RETURN\n`), 'egress any');
    assert.match(text, new RegExp(`-A qsg-i-tapabcdef01-23 -j qsg-si-${KEY}\n`), "the port's one jump");
    assert.match(text, /--physdev-out tapabcdef01-23 --physdev-is-bridged -j qsg-i-tapabcdef01-23/);
    assert.doesNotMatch(portRestoreScript({ ...spec, stateful: false }, 'IPv4', false), /conntrack|physdev/);
  });
  test('shared chains: keyed by the set of groups, rewritten without the ports that use them', () => {
    assert.equal(sharedChainKey(true, ['b', 'a']), sharedChainKey(true, ['a', 'b']));
    assert.notEqual(sharedChainKey(false, ['a']), sharedChainKey(true, ['a']));
    assert.ok(`qsg-si-${KEY}`.length <= 28, 'iptables chain name limit');
    const text = groupsRestoreScript(
      [{ key: KEY, stateful: true, rules: [...defaultRules, tcp5001] }],
      [],
      'IPv4',
    );
    assert.match(text, /--dports 5001 -j RETURN/);
    assert.doesNotMatch(text, /tap/, 'a rule change touches no port chain');
    assert.equal(groupsRestoreScript([], [], 'IPv4'), '');
    assert.match(removeScript([], [KEY]), new RegExp(`-X qsg-si-${KEY}\n`));
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
  const spec = (rules: SgRuleSpec[], stateful = true): PortGroupsSpec => ({
    device: tapB,
    key: KEY,
    stateful,
    rules,
  });
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
    const text = removeScript([tapB], [KEY]);
    await applyGroupScripts(host.name, { IPv4: text, IPv6: text });
    for (const tool of ['iptables-save', 'ip6tables-save']) {
      const saved = (await host.exec(tool, [])).stdout;
      assert.doesNotMatch(saved, /tapbbbbbbbb-02|qsg-s[io]-/, tool);
    }
    await destroyIpsets(host.name, [SET4]);
    const sets = (await host.exec('ipset', ['list', '-n'])).stdout;
    assert.doesNotMatch(sets, /qsg4-/);
    assert.ok(await pings(a, '10.66.0.2'), 'unprotected again');
  });
});
