/**
 * Router failover (issue 13): two servers on PostgreSQL + RabbitMQ, two agents (L3 role on by default) in
 * their own host namespaces (test/support/scaleout/topology.ts); the external network is flat on physnet2,
 * the tenant network flat on physnet1, both on the fabric's provider switch, so either host can carry the
 * router. An instance (client namespace, static address from its port) pings an "outside" namespace
 * through the router's SNAT; the hosting agent is `kill -9`ed and its namespaces deleted (the machine
 * died); the router moves to the other agent and the ping works again within 30 s; the first agent comes
 * back and only one MAC answers ARP for the router's gateway address.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCommand } from '../../src/linux/run-command.js';
import { canUseNamespaces } from '../support/netns.js';
import {
  api,
  apiOk,
  Cluster,
  createPort,
  deleteBusObjects,
  eventually,
  networkWithSubnet,
} from '../support/scaleout/cluster.js';
import { PHYSNET, PHYSNET2, ScaleoutBed } from '../support/scaleout/topology.js';

const BROKER_PORT = 5672;
const skip = canUseNamespaces() ? false : 'needs root (network namespaces)';
const OUTSIDE_IP = '203.0.113.200';

describe('router failover: kill -9 of the hosting agent, forwarding back ≤ 30 s, one gateway', {
  skip,
}, () => {
  let bed: ScaleoutBed;
  let cluster: Cluster | undefined;
  const query = (): string => `?exchange=${bed.prefix}`;
  before(async () => {
    bed = await ScaleoutBed.create('rfo', ['A', 'B']);
    cluster = await Cluster.start(`amqp://guest:guest@127.0.0.1:${BROKER_PORT}/${query()}`, 2, []);
    for (const host of bed.hosts) await bed.startRelay(host, BROKER_PORT);
    await Promise.all(bed.hosts.map((host) => bed.startAgent(host, query())));
  });
  after(async () => {
    await bed?.teardown();
    await cluster?.stop();
    if (bed !== undefined) await deleteBusObjects(`amqp://guest:guest@127.0.0.1:${BROKER_PORT}/`, bed.prefix);
  });

  const l3Host = async (routerId: string): Promise<string | undefined> => {
    const reply = await api(cluster!.url(0), 'GET', `/v2.0/routers/${routerId}/l3-agents`);
    const agents = (reply.body['agents'] ?? []) as { host: string; alive: boolean }[];
    return agents.length === 1 && agents[0]!.alive ? agents[0]!.host : undefined;
  };

  test('the router moves, forwards again within 30 s, and the returning host removes its copy', {
    timeout: 180_000,
  }, async () => {
    const base = cluster!.url(0);
    const external = await networkWithSubnet(base, 'ext', '203.0.113.0/24', {
      'provider:network_type': 'flat',
      'provider:physical_network': PHYSNET2,
      'router:external': true,
    });
    const tenant = await networkWithSubnet(base, 'tenant', '10.213.0.0/24', {
      'provider:network_type': 'flat',
      'provider:physical_network': PHYSNET,
    });
    const router = await apiOk<{
      id: string;
      external_gateway_info: { external_fixed_ips: { ip_address: string }[] };
    }>(
      base,
      'POST',
      '/v2.0/routers',
      { router: { name: 'r', external_gateway_info: { network_id: external.networkId } } },
      201,
      'router',
    );
    const gatewayIp = router.external_gateway_info.external_fixed_ips[0]!.ip_address;
    await apiOk(
      base,
      'PUT',
      `/v2.0/routers/${router.id}/add_router_interface`,
      { subnet_id: tenant.subnetId },
      200,
      'id',
    );
    const port = await createPort(base, tenant.networkId, 'vm');
    const instance = await bed.addClient(port.mac);
    await instance.ip(['addr', 'add', `${port.ip}/24`, 'dev', 'eth0']);
    await instance.ip(['route', 'add', 'default', 'via', '10.213.0.1']);
    const outside = await bed.addClient('fa:16:3e:ee:00:01');
    await outside.ip(['addr', 'add', `${OUTSIDE_IP}/24`, 'dev', 'eth0']);
    const pings = async (): Promise<boolean> =>
      (await instance.exec('ping', ['-c', '1', '-W', '1', OUTSIDE_IP], { allowFailure: true })).code === 0;

    const firstHost = await eventually('the router is hosted', () => l3Host(router.id), 30_000);
    await eventually(
      'the instance reaches the outside',
      async () => ((await pings()) ? true : undefined),
      30_000,
    );

    const serving = bed.host(firstHost.replace(/^host/, ''));
    await bed.killAgent(serving);
    for (const name of await bed.agentNamespaces(serving))
      await runCommand('ip', ['netns', 'del', name], { allowFailure: true });
    const killed = performance.now();
    const secondHost = await eventually(
      'the router moves to the live agent',
      async () => {
        const host = await l3Host(router.id);
        return host !== undefined && host !== firstHost ? host : undefined;
      },
      30_000,
    );
    await eventually('forwarding again', async () => ((await pings()) ? true : undefined), 30_000, 500);
    const failoverMs = performance.now() - killed;
    process.stdout.write(
      `# router failover (kill -9 → ping through ${secondHost}): ${(failoverMs / 1000).toFixed(1)} s\n`,
    );
    assert.ok(failoverMs <= 30_000, `failover took ${failoverMs} ms`);

    await bed.startAgent(serving, query());
    assert.equal(await l3Host(router.id), secondHost, 'the router stays where it moved');
    assert.deepEqual(
      (await bed.agentNamespaces(serving)).filter((name) => name.includes('qrouter-')),
      [],
      'the returning host has no copy of the router',
    );
    const everyRouterCopy = (await Promise.all(bed.hosts.map((host) => bed.agentNamespaces(host))))
      .flat()
      .filter((name) => name.endsWith(`qrouter-${router.id}`));
    assert.equal(everyRouterCopy.length, 1, `one copy of the router: ${everyRouterCopy.join(', ')}`);
    // Both hosts would give the gateway the port's MAC, so two copies show as two replies per request
    // from one MAC. The tenant and external networks share the fabric's switch here, so the router's
    // `qr-` (another of its own MACs) answers too (arp_ignore 0): each of its MACs answers once per request.
    const routerMacs = new Set(
      (
        (await api(base, 'GET', `/v2.0/ports?device_id=${router.id}`)).body['ports'] as {
          mac_address: string;
        }[]
      ).map((p) => p.mac_address),
    );
    const arp = await outside.exec('arping', ['-c', '3', '-w', '4', '-I', 'eth0', gatewayIp], {
      allowFailure: true,
    });
    const replies = new Map<string, number>();
    for (const match of arp.stdout.matchAll(/bytes from ([0-9a-f:]{17}) /gi)) {
      const mac = match[1]!.toLowerCase();
      replies.set(mac, (replies.get(mac) ?? 0) + 1);
    }
    assert.ok(replies.size > 0, arp.stdout);
    for (const [mac, count] of replies) {
      assert.ok(routerMacs.has(mac), `${mac} is not one of the router's ports: ${arp.stdout}`);
      assert.equal(count, 3, `${mac} answered ${count} times for 3 requests: ${arp.stdout}`);
    }
    assert.ok(await pings(), 'still forwarding after the first agent came back');
  });
});
