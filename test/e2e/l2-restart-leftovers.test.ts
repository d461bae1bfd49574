/**
 * The L2 role across host moves and crashes (issue 14): `binding:host_id` moved through the API puts the
 * L2 provisioning block back until the new host's role reports the tap wired (Neutron re-binds the port);
 * after a `kill -9` and a start where some taps are gone, what the killed process left for them (security
 * group chains and their jumps, a group's ipset no chain names, the nft table when no tap is left, the
 * base) is removed at start, while a present tap stays protected.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { remoteSetName } from '../../src/linux/iptables-sg-rules.js';
import { readL2Table } from '../../src/linux/nft-l2.js';
import { elementsOfTap } from '../../src/linux/nft-l2-rules.js';
import { AllInOne, type Json } from '../support/agent/all-in-one.js';
import { canUseNamespaces } from '../support/netns.js';

const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';
const ARGS = ['--enable-security-group'];

interface Instance {
  readonly portId: string;
  readonly tap: string;
}

describe('L2 role: host moves and what a killed process left (issue 14)', {
  skip,
  concurrency: false,
}, () => {
  let aio: AllInOne;
  let networkId: string;
  let a: Instance;
  let b: Instance;
  let bGroupSet: string;

  async function plugged(name: string, fields: Json = {}): Promise<Instance> {
    const port = await aio.create('/v2.0/ports', 'port', { network_id: networkId, name, ...fields });
    const ns = await aio.bed.sandbox.addNamespace(name);
    const out = await aio.qdhcp([
      ...['port', 'plug', String(port['id']), '--api', aio.apiUrl],
      ...['--veth-peer', ns.name, '--host-namespace', aio.bed.host.name],
    ]);
    assert.equal(out.code, 0, out.stderr);
    return { portId: String(port['id']), tap: out.stdout.trim() };
  }

  const portOf = async (id: string): Promise<Json> =>
    (await aio.api('GET', `/v2.0/ports/${id}`)).body['port'] as Json;
  const saved = async (): Promise<string> =>
    (await aio.bed.host.exec('iptables-save', [])).stdout +
    (await aio.bed.host.exec('ip6tables-save', [])).stdout;
  const sets = async (): Promise<string[]> =>
    (await aio.bed.host.exec('ipset', ['list', '-n'])).stdout.split('\n').filter((s) => s !== '');

  async function move(host: string): Promise<Json> {
    const reply = await aio.api('PUT', `/v2.0/ports/${a.portId}`, { port: { 'binding:host_id': host } });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    return reply.body['port'] as Json;
  }

  before(async () => {
    aio = await AllInOne.start('l2r', ARGS);
    const { network } = await aio.servedNetwork('l2rnet', '10.83.0.0/24');
    networkId = String(network['id']);
    const group = await aio.create('/v2.0/security-groups', 'security_group', { name: 'peers' });
    await aio.create('/v2.0/security-group-rules', 'security_group_rule', {
      ...{ security_group_id: group['id'], direction: 'ingress', ethertype: 'IPv4' },
      remote_group_id: group['id'],
    });
    bGroupSet = remoteSetName(String(group['id']), 'IPv4');
    a = await plugged('ra');
    b = await plugged('rb', { security_groups: [group['id']] });
    for (const instance of [a, b])
      await aio.waitFor(`${instance.tap} enforced and protected`, async () =>
        (await saved()).includes(`-A qsg-i-${instance.tap} `) &&
        (await readL2Table(aio.bed.host.name)).protectedTaps.has(instance.tap)
          ? true
          : undefined,
      );
    assert.ok((await sets()).includes(bGroupSet));
  });

  after(async () => {
    await aio?.teardown();
  });

  test('binding:host_id moved through the API: DOWN until the L2 role of the host it names reports', async () => {
    await aio.waitFor('A ACTIVE', async () =>
      (await portOf(a.portId))['status'] === 'ACTIVE' ? true : undefined,
    );
    const away = await move('elsewhere');
    assert.equal(away['status'], 'DOWN', 'the L2 block is back');
    assert.equal(away['binding:vif_type'], 'binding_failed', 'no L2 role runs on that host');
    // This host's role still has the tap: its reports (on the port event, on the scan) are refused.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const still = await portOf(a.portId);
    assert.equal(still['binding:host_id'], 'elsewhere');
    assert.equal(still['status'], 'DOWN');

    const back = await move('aio-host');
    assert.equal(back['binding:vif_type'], 'bridge', 'a live L2 role runs on aio-host');
    assert.equal(back['status'], 'DOWN', 'until that role reports the tap wired');
    const moved = performance.now();
    await aio.waitFor('A ACTIVE again', async () =>
      (await portOf(a.portId))['status'] === 'ACTIVE' ? true : undefined,
    );
    assert.ok(performance.now() - moved < 15_000);

    // Away and back at once: the role's re-read may find the port bound here already, its block back.
    await move('elsewhere');
    assert.equal((await move('aio-host'))['status'], 'DOWN');
    await aio.waitFor('A ACTIVE after away and back', async () =>
      (await portOf(a.portId))['status'] === 'ACTIVE' ? true : undefined,
    );
  });

  test("kill -9, B's tap gone while down: the restart removes B's chains and its group's set; A stays", async () => {
    await aio.crash();
    await aio.bed.host.ip(['link', 'del', b.tap]);
    assert.ok((await saved()).includes(`qsg-i-${b.tap}`), 'the killed process left B’s chains');
    await aio.restart(ARGS);
    await aio.waitFor('B’s chains and set removed', async () =>
      !(await saved()).includes(b.tap) && !(await sets()).includes(bGroupSet) ? true : undefined,
    );
    const table = await readL2Table(aio.bed.host.name);
    assert.deepEqual(elementsOfTap(table, b.tap), []);
    assert.ok(table.protectedTaps.has(a.tap), 'A is protected again');
    assert.ok((await saved()).includes(`-A qsg-i-${a.tap} `), 'A’s groups are enforced again');
  });

  test('kill -9 with no tap left: the restart leaves no nft table, no chain and no set', async () => {
    await aio.crash();
    await aio.bed.host.ip(['link', 'del', a.tap]);
    await aio.restart(ARGS);
    await aio.waitFor('nothing left', async () => {
      const left = (await readL2Table(aio.bed.host.name)).exists || (await saved()).includes('qsg-');
      return left || (await sets()).some((name) => name.startsWith('qsg')) ? undefined : true;
    });
  });
});
