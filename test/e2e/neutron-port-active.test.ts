/**
 * An instance port goes ACTIVE only once `qdhcp agent --neutron` says it serves it (issue 16: the DHCP
 * provisioning block), beside a REAL neutron-server (Zed, Debian's packages) and its linuxbridge agent:
 *
 *   neutron-server ── private RabbitMQ ──┬── qdhcp agent (host H, builtin) ── qdhcp-<net>: ns-… ══ tap<dhcp> ─┐
 *   (MariaDB, own db)                    └── neutron-linuxbridge-agent (host H): reports every tap… up       ├ <prefix>b1
 *                                            instance: <prefix>-vmN eth0 (the port's MAC) ══ tap<port[:11]> ───┘
 *
 * Neutron (`ml2/plugin.py` `_port_provisioned`, `db/provisioning_blocks.py`) keeps a bound port out of ACTIVE
 * while any entity blocks it: `L2` until the linuxbridge agent reports the tap up, `DHCP` (added because the
 * network is scheduled to a DHCP agent) until that agent calls `dhcp_ready_on_ports`. The test plugs the tap
 * as Nova would (a veth end named `tap<port id[:11]>` in the network's bridge; {@link NeutronEnv.plugInstance})
 * and reads the blocks from the run's database: with qdhcp's agent stopped the `L2` block goes and `DHCP`
 * stays, the port is not ACTIVE; once the agent runs, no block is left, the port is ACTIVE and udhcpc through
 * the tap gets its address. The test prints its duration and its phases'.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { boundVars, runUdhcpc } from '../support/dhcp-clients.js';
import { canUseNamespaces, type Namespace } from '../support/netns.js';
import { NeutronEnv } from '../support/neutron/neutron-env.js';
import { QdhcpNeutronAgent } from '../support/neutron/qdhcp-neutron-agent.js';
import { eventually } from '../support/scaleout/cluster.js';

const skip = canUseNamespaces() ? false : 'needs root (namespaces, bridges)';
const CIDR = '10.253.0.0/24';
/** How long a port must stay short of ACTIVE to count as held back (several linuxbridge polls, 1 s each). */
const HELD_MS = 4000;

interface InstancePort {
  readonly id: string;
  readonly mac: string;
  readonly ip: string;
}

describe('instance ports go ACTIVE through qdhcp (dhcp_ready_on_ports)', { skip }, () => {
  let env: NeutronEnv;
  let agent: QdhcpNeutronAgent | undefined;
  let agentRuns = 0;
  let networkId = '';
  let held: { port: InstancePort; instance: Namespace } | undefined;
  const started = Date.now();

  async function startAgent(): Promise<void> {
    agentRuns += 1;
    agent = (
      await QdhcpNeutronAgent.startRegistered(env, { driver: 'builtin', metadata: 'nova-local' }, agentRuns)
    ).agent;
  }

  /** A port as Nova makes it for an instance on the run's host: bound there at creation. */
  async function createInstancePort(name: string): Promise<InstancePort> {
    const port = await env.client.request(
      'POST',
      '/v2.0/ports',
      {
        port: {
          network_id: networkId,
          name,
          device_id: randomUUID(),
          device_owner: 'compute:nova',
          'binding:host_id': env.host,
        },
      },
      201,
      'port',
    );
    assert.equal(
      port['binding:vif_type'],
      'bridge',
      `bound by the linuxbridge driver: ${JSON.stringify(port)}`,
    );
    const ip = (port['fixed_ips'] as { ip_address: string }[] | undefined)?.[0]?.ip_address;
    assert.ok(ip, `port ${name} has an address`);
    return { id: String(port['id']), mac: String(port['mac_address']), ip };
  }

  function portStatus(portId: string): Promise<string> {
    return env.client
      .request<{ status: string }>('GET', `/v2.0/ports/${portId}`, undefined, 200, 'port')
      .then((port) => port.status);
  }

  /** Polls (bounded) until the server reports the port ACTIVE; resolves to the wait. */
  async function waitActive(portId: string, timeoutMs: number): Promise<number> {
    const since = Date.now();
    await eventually(
      `port ${portId} ACTIVE`,
      async () => ((await portStatus(portId)) === 'ACTIVE' ? true : undefined),
      timeoutMs,
      200,
    ).catch(async (error: unknown) => {
      const blocks = await env.provisioningBlocks(portId);
      throw new Error(`${String(error)} (blocks ${blocks.join(',')})\n${agent?.output() ?? ''}`);
    });
    return Date.now() - since;
  }

  /** Repeats udhcpc in the instance until it gets `ip` (bounded). */
  async function leaseOf(instance: Namespace, ip: string): Promise<Readonly<Record<string, string>>> {
    return eventually(
      `a lease of ${ip} in ${instance.name}`,
      async () => {
        const run = await runUdhcpc(instance, env.sandbox, 'eth0', { tries: 3 });
        const vars = run.events.some((event) => event.event === 'bound') ? boundVars(run) : undefined;
        return vars?.['ip'] === ip ? vars : undefined;
      },
      20_000,
      100,
    );
  }

  before(async () => {
    env = await NeutronEnv.start({ tag: 'pac' });
    await env.timer.time('agent alive', startAgent);
    await env.timer.time('network', async () => {
      ({ networkId } = await env.client.flatNetwork('pac-net', 'physnet1', CIDR));
      env.trackNetwork(networkId);
      // Served: the network's DHCP port (created by qdhcp through the plugin RPC) is ACTIVE.
      await eventually(
        'the DHCP port is ACTIVE',
        async () => {
          const ports = await env.client.request<{ status: string }[]>(
            'GET',
            `/v2.0/ports?network_id=${networkId}&device_owner=network:dhcp`,
            undefined,
            200,
            'ports',
          );
          return ports.length === 1 && ports[0]!.status === 'ACTIVE' ? true : undefined;
        },
        45_000,
        500,
      );
    });
  });

  after(async () => {
    await agent?.stop().catch(() => undefined);
    await env?.teardown();
    console.log(
      `[neutron-port-active] ${((Date.now() - started) / 1000).toFixed(1)} s: ${env?.summary()}; logs ${env?.logDir}`,
    );
  });

  test("with qdhcp's agent stopped, a plugged instance port loses its L2 block but keeps DHCP's: not ACTIVE", {
    timeout: 60_000,
  }, async () => {
    await agent!.stop();
    const port = await createInstancePort('vm1');
    assert.deepEqual(
      await env.provisioningBlocks(port.id),
      ['DHCP', 'L2'],
      'a bound port on a network scheduled to a DHCP agent waits for both',
    );
    const instance = await env.plugInstance('vm1', 'physnet1', port.id, port.mac);
    held = { port, instance };
    await env.timer.time('tap plugged → L2 block done', () =>
      eventually(
        'the linuxbridge agent reports the tap up',
        async () => {
          const blocks = await env.provisioningBlocks(port.id);
          return blocks.length === 1 && blocks[0] === 'DHCP' ? true : undefined;
        },
        30_000,
        250,
      ),
    );
    // Held back, not merely slow: over several of the L2 agent's polls the status never reaches ACTIVE.
    const deadline = Date.now() + HELD_MS;
    while (Date.now() < deadline) {
      const status = await portStatus(port.id);
      assert.ok(status === 'DOWN' || status === 'BUILD', `not ACTIVE without qdhcp (status ${status})`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.deepEqual(await env.provisioningBlocks(port.id), ['DHCP']);
  });

  test('once the agent runs it reports the port ready: no block left, ACTIVE, a lease through the tap', {
    timeout: 90_000,
  }, async () => {
    assert.ok(held, 'the previous test plugged a port');
    const since = Date.now();
    await startAgent();
    await waitActive(held.port.id, 30_000);
    env.timer.record('agent start → ACTIVE', Date.now() - since);
    assert.deepEqual(await env.provisioningBlocks(held.port.id), []);
    const vars = await env.timer.time('lease (held port)', () => leaseOf(held!.instance, held!.port.ip));
    assert.equal(vars['ip'], held.port.ip);
  });

  test('with the agent running, a newly plugged instance port goes ACTIVE as soon as it is wired', {
    timeout: 60_000,
  }, async () => {
    const port = await createInstancePort('vm2');
    const instance = await env.plugInstance('vm2', 'physnet1', port.id, port.mac);
    const ms = await waitActive(port.id, 20_000);
    env.timer.record('tap plugged → ACTIVE', ms);
    assert.deepEqual(await env.provisioningBlocks(port.id), []);
    const vars = await env.timer.time('lease (new port)', () => leaseOf(instance, port.ip));
    assert.equal(vars['ip'], port.ip);
    // Deleted before teardown: its tap is still removed (tracked by the port).
    await env.client.delete(`/v2.0/ports/${port.id}`);
  });
});
