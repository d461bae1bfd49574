/**
 * Issue 14's security groups enforced on the host, end to end: an all-in-one with `--enable-security-group`
 * whose L2 role wires instances plugged by `qdhcp port plug --veth-peer` (as l2-protection.test.ts) and
 * enforces their groups with iptables physdev + conntrack + ipset in the test's host namespace. Every
 * "blocked" check has a "passes" twin, so enforcement that drops everything or nothing fails the test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { remoteSetName } from '../../src/linux/iptables-sg-rules.js';
import { AllInOne, type Json } from '../support/agent/all-in-one.js';
import { canUseNamespaces, type Namespace } from '../support/netns.js';

const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';

interface Instance {
  readonly ns: Namespace;
  readonly portId: string;
  readonly ip: string;
  readonly tap: string;
}

describe('security groups enforced on the host (issue 14)', { skip, concurrency: false }, () => {
  let aio: AllInOne;
  let networkId: string;
  let a: Instance;
  let b: Instance;
  let c: Instance;
  let defaultGroup: string;
  let otherGroup: string;

  const qdhcpPort = (args: readonly string[]) =>
    aio.qdhcp(['port', ...args, '--host-namespace', aio.bed.host.name]);

  async function plugged(name: string, fields: Json = {}): Promise<Instance> {
    const port = await aio.create('/v2.0/ports', 'port', { network_id: networkId, name, ...fields });
    const ns = await aio.bed.sandbox.addNamespace(name);
    const out = await qdhcpPort(['plug', String(port['id']), '--api', aio.apiUrl, '--veth-peer', ns.name]);
    assert.equal(out.code, 0, out.stderr);
    const ip = String((port['fixed_ips'] as Json[])[0]?.['ip_address']);
    await ns.ip(['addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    return { ns, portId: String(port['id']), ip, tap: out.stdout.trim() };
  }

  const saved = async (): Promise<string> => (await aio.bed.host.exec('iptables-save', [])).stdout;
  const pings = async (from: Instance, to: Instance): Promise<boolean> =>
    (await from.ns.exec('ping', ['-c', '1', '-W', '1', to.ip], { allowFailure: true })).code === 0;
  const connects = async (from: Instance, to: Instance): Promise<boolean> =>
    (
      await from.ns.exec('socat', ['-T1', '/dev/null', `TCP:${to.ip}:5001,connect-timeout=1`], {
        allowFailure: true,
      })
    ).code === 0;
  /** Polls (the L2 role applies within one converge; rule changes within one scan) until `want`. */
  const eventually = (what: string, check: () => Promise<boolean>, want = true) =>
    aio.waitFor(what, async () => ((await check()) === want ? true : undefined), 30_000);

  before(async () => {
    aio = await AllInOne.start('sge', ['--enable-security-group']);
    const { network } = await aio.servedNetwork('sgnet', '10.81.0.0/24');
    networkId = String(network['id']);
    a = await plugged('sa');
    b = await plugged('sb');
    aio.bed.sandbox.spawn(b.ns, 'listener-b', 'socat', ['TCP-LISTEN:5001,fork,reuseaddr', 'OPEN:/dev/null']);
    const port = (await aio.api('GET', `/v2.0/ports/${b.portId}`)).body['port'] as Json;
    defaultGroup = String((port['security_groups'] as string[])[0]);
    const other = await aio.create('/v2.0/security-groups', 'security_group', { name: 'other' });
    otherGroup = String(other['id']);
    c = await plugged('sc', { security_groups: [otherGroup] });
    for (const instance of [a, b, c])
      await aio.waitFor(`${instance.tap} enforced`, async () =>
        (await saved()).includes(`-A qsg-i-${instance.tap} `) ? true : undefined,
      );
  });

  after(async () => {
    await aio?.teardown();
  });

  test('default group: members reach each other; a non-member gets nothing in', async () => {
    assert.ok(await pings(a, b), aio.output());
    assert.ok(await pings(b, a));
    assert.ok(!(await pings(c, b)), 'C (group "other" only) reaches B');
    assert.ok(!(await connects(c, b)));
  });

  test('replies to outbound traffic pass (egress allowed, conntrack)', async () => {
    // "other" has only Neutron's egress rules: nothing may come in to C, but C's own connection's replies do.
    assert.ok(!(await pings(b, c)), 'B reaches C uninvited');
    assert.ok((await pings(c, a)) === false, 'A does not let C in either');
    const allowC = await aio.create('/v2.0/security-group-rules', 'security_group_rule', {
      security_group_id: defaultGroup,
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'icmp',
      remote_ip_prefix: `${c.ip}/32`,
    });
    // C's own ingress allows nothing: B's echo reply reaches C only as conntrack's ESTABLISHED.
    await eventually('C may ping B', () => pings(c, b));
    await aio.api('DELETE', `/v2.0/security-group-rules/${String(allowC['id'])}`);
    await eventually('C may not ping B again', () => pings(c, b), false);
  });

  test('a TCP rule added opens the port; removed, it closes', async (t) => {
    assert.ok(!(await connects(c, b)));
    const created = performance.now();
    const rule = await aio.create('/v2.0/security-group-rules', 'security_group_rule', {
      security_group_id: defaultGroup,
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'tcp',
      port_range_min: 5001,
      port_range_max: 5001,
    });
    // Pushed by the server's security group event, not found by the 10 s scan: in the kernel's ruleset
    // (B's ingress chain) within 3 s of the API call; the connections then prove what it does.
    const inRuleset = async () => / --dports 5001 /.test(await saved());
    await eventually("rule in B's chain", inRuleset);
    const opened = performance.now() - created;
    await eventually('port 5001 open to C', () => connects(c, b));
    assert.ok(!(await pings(c, b)), 'only TCP 5001 opened');
    const removed = performance.now();
    await aio.api('DELETE', `/v2.0/security-group-rules/${String(rule['id'])}`);
    await eventually("rule out of B's chain", inRuleset, false);
    const closed = performance.now() - removed;
    await eventually('port 5001 closed to C', () => connects(c, b), false);
    t.diagnostic(`rule → ruleset: added ${Math.round(opened)} ms, removed ${Math.round(closed)} ms`);
    assert.ok(opened <= 3000, `rule added → enforced in ${Math.round(opened)} ms`);
    assert.ok(closed <= 3000, `rule removed → enforced in ${Math.round(closed)} ms`);
  });

  test('remote_group_id follows membership (an ipset element, not a rebuild)', async (t) => {
    const member = async () =>
      (await aio.bed.host.exec('ipset', ['list', remoteSetName(defaultGroup, 'IPv4')])).stdout
        .split('\n')
        .includes(c.ip);
    const joining = performance.now();
    const reply = await aio.api('PUT', `/v2.0/ports/${c.portId}`, {
      port: { security_groups: [otherGroup, defaultGroup] },
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    await eventually('C in the default group set', member);
    const joined = performance.now() - joining;
    await eventually('C joined default: reaches B', () => pings(c, b));
    const leaving = performance.now();
    const back = await aio.api('PUT', `/v2.0/ports/${c.portId}`, { port: { security_groups: [otherGroup] } });
    assert.equal(back.status, 200);
    await eventually('C out of the default group set', member, false);
    const left = performance.now() - leaving;
    await eventually('C left default: B closed to it', () => pings(c, b), false);
    t.diagnostic(`membership → set element: join ${Math.round(joined)} ms, leave ${Math.round(left)} ms`);
    assert.ok(joined <= 3000 && left <= 3000, `join ${Math.round(joined)} ms, leave ${Math.round(left)} ms`);
  });

  test('tap removed: no rule left behind', async () => {
    assert.equal((await qdhcpPort(['unplug', b.portId])).code, 0);
    await aio.waitFor('B chains gone', async () => ((await saved()).includes(b.tap) ? undefined : true));
    for (const tool of ['iptables-save', 'ip6tables-save'])
      assert.doesNotMatch((await aio.bed.host.exec(tool, [])).stdout, new RegExp(b.tap));
  });

  test("a group's ipsets go once no plugged port's rules name it", async () => {
    const sets = async () => (await aio.bed.host.exec('ipset', ['list', '-n'])).stdout.split('\n');
    const defaultSets = [remoteSetName(defaultGroup, 'IPv4'), remoteSetName(defaultGroup, 'IPv6')];
    // A (default group: its rules name default as remote) is still plugged: the sets stay.
    for (const name of defaultSets) assert.ok((await sets()).includes(name), `${name} while A names it`);
    assert.equal((await qdhcpPort(['unplug', a.portId])).code, 0);
    await aio.waitFor('default group sets destroyed', async () => {
      const left = await sets();
      return defaultSets.some((name) => left.includes(name)) ? undefined : true;
    });
    assert.doesNotMatch((await saved()).toString(), new RegExp(a.tap), 'its rules went first');
    // C (group "other") is still enforced.
    assert.ok((await saved()).includes(`-A qsg-i-${c.tap} `));
  });
});
