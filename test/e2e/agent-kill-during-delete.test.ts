import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bridgeName, dhcpNamespaceName, vxlanDeviceName } from '../../src/agent/naming.js';
import { listNamespaces } from '../../src/linux/ip-batch.js';
import { AllInOne, type Json } from '../support/agent/all-in-one.js';
import { canUseNamespaces } from '../support/netns.js';
import { seededRandom } from '../support/seeded-random.js';

/**
 * Issue 17 ("nothing left behind"): `qdhcp all-in-one` is killed with SIGKILL at a seeded random moment
 * while networks are being deleted (before the DELETE commits, between the namespace and the bridge, after
 * everything), then started again. After each restart's first full resync, no namespace, `brq…` bridge or
 * `vxlan-<vni>` device of a network the API no longer has may exist. Networks are VXLAN tenant networks
 * (`--tenant-network-types vxlan`) over an underlay veth in the test's host namespace, so every network has
 * a bridge, an uplink and a namespace. Networks whose DELETE did not commit are deleted again next round.
 */
const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';

const ROUNDS = 20;
const NETWORKS_PER_ROUND = 2;
/** The kill lands 0–MAX ms after the DELETEs were sent (a delete takes ~50–300 ms end to end here). */
const MAX_KILL_DELAY_MS = 400;
const SEED = 1717;

describe('kill -9 during network deletes leaves nothing behind after the restart', {
  skip,
  concurrency: false,
}, () => {
  let aio: AllInOne;
  const args = (nic: string): string[] => [
    ...['--driver', 'builtin', '--physical-interface-mappings', `physnet1:${nic}`],
    ...['--tenant-network-types', 'vxlan', '--vni-ranges', '5000:5999', '--local-ip', '10.83.255.1'],
    ...['--resync-interval', '0'],
  ];

  before(async () => {
    aio = await AllInOne.start('k9d', (bed) => args(bed.providerNic));
    const underlay = await aio.bed.sandbox.addNamespace('ul');
    await aio.bed.sandbox.addVeth(aio.bed.host, aio.bed.sandbox.device('u0'), underlay, 'u1', {
      localAddresses: ['10.83.255.1/24'],
      peerAddresses: ['10.83.255.2/24'],
    });
  });

  after(async () => {
    await aio?.teardown();
  });

  /** What a network may leave on the host: its namespace, bridge and VXLAN device. */
  async function leftovers(network: { id: string; vni: number }): Promise<string[]> {
    const found: string[] = [];
    const namespace = dhcpNamespaceName(network.id, aio.bed.namespacePrefix);
    if ((await listNamespaces()).includes(namespace)) found.push(namespace);
    for (const device of [bridgeName(network.id), vxlanDeviceName(network.vni)]) {
      const shown = await aio.bed.host.ip(['link', 'show', 'dev', device], { allowFailure: true });
      if (shown.code === 0) found.push(device);
    }
    return found;
  }

  async function createServed(index: number): Promise<{ id: string; vni: number }> {
    const network = await aio.create('/v2.0/networks', 'network', { name: `k9-${index}` });
    const id = String(network['id']);
    const vni = Number(network['provider:segmentation_id']);
    assert.ok(vni >= 5000, JSON.stringify(network));
    await aio.create('/v2.0/subnets', 'subnet', {
      network_id: id,
      ip_version: 4,
      cidr: `10.84.${index % 250}.0/24`,
    });
    await aio.waitFor(`network ${id} plumbed`, async () =>
      (await leftovers({ id, vni })).length === 3 ? true : undefined,
    );
    return { id, vni };
  }

  test(`${ROUNDS} rounds: delete, kill -9 at a random moment, restart, nothing of a deleted network left`, async () => {
    const random = seededRandom(SEED);
    let pending: Array<{ id: string; vni: number }> = [];
    const delays: number[] = [];
    const outcomes = { deletedBeforeKill: 0, survivedKill: 0, leftoversRemovedAtStart: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < NETWORKS_PER_ROUND; i++) pending.push(await createServed(round * 4 + i));
      const delay = Math.floor(random() * MAX_KILL_DELAY_MS);
      delays.push(delay);
      // Not awaited: the kill lands wherever the deletes are by then (the requests may fail with it).
      const deletes = pending.map((network) =>
        aio.api('DELETE', `/v2.0/networks/${network.id}`).catch(() => undefined),
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
      await aio.crash();
      await Promise.all(deletes);
      // What the kill left (`ip` children it had started finish on their own first).
      await new Promise((resolve) => setTimeout(resolve, 100));
      const beforeKill = await Promise.all(pending.map(leftovers));
      await aio.crashAndRestart(args(aio.bed.providerNic));
      const still: Array<{ id: string; vni: number }> = [];
      for (const [index, network] of pending.entries()) {
        const shown = await aio.api('GET', `/v2.0/networks/${network.id}`);
        if (shown.status === 200) {
          still.push(network);
          outcomes.survivedKill++;
          continue;
        }
        assert.equal(shown.status, 404, JSON.stringify(shown.body));
        if ((beforeKill[index] ?? []).length === 0) outcomes.deletedBeforeKill++;
        else outcomes.leftoversRemovedAtStart++;
        assert.deepEqual(
          await leftovers(network),
          [],
          `round ${round} (seed ${SEED}, kill after ${delay} ms): network ${network.id} was deleted, ` +
            `before the kill it had ${JSON.stringify(beforeKill[index])}\n${aio.output().slice(-3000)}`,
        );
      }
      pending = still;
    }
    // The networks whose DELETE never committed go now, with the agent up.
    for (const network of pending) await aio.api('DELETE', `/v2.0/networks/${network.id}`);
    for (const network of pending)
      await aio.waitFor(`network ${network.id} removed`, async () =>
        (await leftovers(network)).length === 0 ? true : undefined,
      );
    const networks = await aio.api('GET', '/v2.0/networks');
    assert.deepEqual(networks.body['networks'] as Json[], []);
    // The seed must reach the interesting window: some kills left devices that only the restart removed.
    assert.ok(outcomes.leftoversRemovedAtStart > 0, JSON.stringify({ outcomes, delays }));
    process.stdout.write(`# kill -9 during deletes: ${JSON.stringify(outcomes)}\n`);
  });
});
