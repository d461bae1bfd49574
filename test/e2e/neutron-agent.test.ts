/**
 * `qdhcp agent --neutron` as a drop-in for neutron-dhcp-agent beside a REAL neutron-server (Zed, Debian's
 * packages; issue 16 "Proof with the real thing"), no neutron-dhcp-agent anywhere:
 *
 *   neutron-server ── private RabbitMQ ──┬── qdhcp agent (host H)  ── qdhcp-<net>: ns-… ══ tap… ─┐
 *   (MariaDB, own db)                    ├── neutron-linuxbridge-agent (host H) wires tap… ──────┤ <prefix>b1
 *                                        └── neutron-metadata-agent ── Nova stand-in            │ (physnet1)
 *                                             probes: <prefix>-vmN eth0 (the port's MAC) ═══════┘
 *
 * In order, on one Neutron run (test/support/neutron/): the agent (builtin driver) is listed alive as a DHCP
 * agent; a network made with the openstack CLI is scheduled to it; its DHCP port is Neutron's (network:dhcp,
 * device id dhcp<uuid5(host)>-<net>, bound to H, wired by the linuxbridge agent, ACTIVE); a probe (udhcpc)
 * gets its port's lease with Neutron's options; metadata through neutron-metadata-agent to a Nova stand-in that
 * checks the signature; port create/update/delete reach the data plane at once; a restart of the private
 * broker converges; `kill -9` and a restart on the dnsmasq driver converges (the same lease, from the same
 * DHCP port; dhclient too), metadata now signed by the agent itself, and create/update/delete again; Neutron
 * marks the agent dead once it is stopped. The test prints its duration and its phases'.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { runCommand } from '../../src/linux/run-command.js';
import { boundVars, runDhclient, runUdhcpc } from '../support/dhcp-clients.js';
import { canUseNamespaces, type Namespace } from '../support/netns.js';
import { neutronDhcpDeviceId } from '../support/neutron/dhcp-device-id.js';
import type { NeutronAgent } from '../support/neutron/neutron-client.js';
import { NeutronEnv } from '../support/neutron/neutron-env.js';
import {
  DHCP_AGENT_TYPE,
  type QdhcpAgentSettings,
  QdhcpNeutronAgent,
} from '../support/neutron/qdhcp-neutron-agent.js';
import { runNamespaces, tapName } from '../support/neutron/run-devices.js';
import { eventually } from '../support/scaleout/cluster.js';

const skip = canUseNamespaces() ? false : 'needs root (namespaces, bridges)';
const CIDR = '10.252.0.0/24';
const GATEWAY = '10.252.0.1';
const DNS = '192.0.2.53';

interface Port {
  readonly id: string;
  readonly mac: string;
  readonly ip: string;
  readonly deviceId: string;
}

describe('qdhcp agent under a real neutron-server', { skip }, () => {
  let env: NeutronEnv;
  let agent: QdhcpNeutronAgent | undefined;
  let agentRuns = 0;
  let networkId = '';
  let subnetId = '';
  let dhcpIp = '';
  let dhcpPortId = '';
  let vm1: Port | undefined;
  let vm1Probe: Namespace | undefined;
  const started = Date.now();

  /** Starts the agent (numbered by run) and waits until Neutron lists it as started. */
  async function startAgent(settings: QdhcpAgentSettings): Promise<NeutronAgent> {
    agentRuns += 1;
    const started = await QdhcpNeutronAgent.startRegistered(env, settings, agentRuns);
    agent = started.agent;
    return started.row;
  }

  /** A compute port on the network (its device id is the instance Nova knows). */
  async function createPort(name: string, viaCli = false): Promise<Port> {
    const deviceId = randomUUID();
    env.nova.addInstance(deviceId);
    const port = viaCli
      ? await env.client.openstackJson(
          ...['port', 'create', '--network', networkId, '--device', deviceId],
          ...['--device-owner', 'compute:nova', name],
        )
      : await env.client.request(
          'POST',
          '/v2.0/ports',
          { port: { network_id: networkId, name, device_id: deviceId, device_owner: 'compute:nova' } },
          201,
          'port',
        );
    const ip = (port['fixed_ips'] as { ip_address: string }[] | undefined)?.[0]?.ip_address;
    assert.ok(ip, `port ${name} has an address: ${JSON.stringify(port)}`);
    return { id: String(port['id']), mac: String(port['mac_address']), ip, deviceId };
  }

  /** One udhcpc run in the probe: the bound variables, or undefined when no lease came. */
  async function lease(probe: Namespace, tries = 4): Promise<Readonly<Record<string, string>> | undefined> {
    const run = await runUdhcpc(probe, env.sandbox, 'eth0', { tries });
    return run.events.some((event) => event.event === 'bound') ? boundVars(run) : undefined;
  }

  /** Repeats udhcpc until a lease for `ip` comes (bounded); resolves to its variables and the wait. */
  async function leaseOf(probe: Namespace, ip: string, timeoutMs: number) {
    const since = Date.now();
    const vars = await eventually(
      `a lease of ${ip} in ${probe.name}`,
      async () => {
        const got = await lease(probe);
        return got?.['ip'] === ip ? got : undefined;
      },
      timeoutMs,
      100,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${agent?.output() ?? ''}`);
    });
    return { vars, ms: Date.now() - since };
  }

  /** busybox wget of the metadata service from a probe that holds `ip` (set in its own namespace only). */
  async function metadata(probe: Namespace, ip: string): Promise<Record<string, unknown>> {
    await probe.ip(['addr', 'replace', `${ip}/24`, 'dev', 'eth0']);
    await probe.ip(['route', 'replace', '169.254.169.254/32', 'via', dhcpIp]);
    const body = await eventually(
      `metadata from ${probe.name}`,
      async () => {
        const out = await probe.exec(
          'busybox',
          ['wget', '-q', '-O', '-', 'http://169.254.169.254/openstack/latest/meta_data.json'],
          { allowFailure: true, timeoutMs: 10_000 },
        );
        return out.code === 0 ? out.stdout : undefined;
      },
      30_000,
      500,
    );
    return JSON.parse(body) as Record<string, unknown>;
  }

  /** The processes running in the network's DHCP namespace, by command name. */
  async function namespaceCommands(): Promise<string[]> {
    const list = await runCommand('ip', ['netns', 'list']);
    const [namespace] = runNamespaces(
      list.stdout.split('\n').map((line) => line.split(' ')[0] ?? ''),
      new Set([networkId]),
    );
    assert.ok(namespace, `a qdhcp-${networkId} namespace exists`);
    const pids = await runCommand('ip', ['netns', 'pids', namespace]);
    return pids.stdout
      .split(/\s+/)
      .filter((pid) => /^\d+$/.test(pid))
      .map((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        } catch {
          return '';
        }
      });
  }

  /** The network's DHCP ports as the server has them. */
  function dhcpPorts(): Promise<Record<string, unknown>[]> {
    return env.client.request<Record<string, unknown>[]>(
      'GET',
      `/v2.0/ports?network_id=${networkId}&device_owner=network:dhcp`,
      undefined,
      200,
      'ports',
    );
  }

  /** What neutron-dhcp-agent's dnsmasq would hand this port (docs: ../shared/reference, opts and host). */
  function assertNeutronOptions(vars: Readonly<Record<string, string>>, port: Port): void {
    assert.equal(vars['ip'], port.ip);
    assert.equal(vars['router'], GATEWAY);
    assert.equal(vars['dns'], DNS);
    assert.equal(vars['domain'], 'openstacklocal');
    assert.equal(vars['mtu'], '1500');
    assert.equal(vars['serverid'], dhcpIp);
    assert.equal(vars['lease'], '86400');
    assert.equal(vars['hostname'], `host-${port.ip.replaceAll('.', '-')}`);
    assert.equal(
      vars['staticroutes'],
      `172.31.0.0/16 ${GATEWAY} 169.254.169.254/32 ${dhcpIp} 0.0.0.0/0 ${GATEWAY}`,
      "host routes, the isolated subnet's metadata route, the default route (option 121)",
    );
  }

  /** A port created, moved to another address and deleted: each change reaches the data plane at once. */
  async function portLifecycle(driver: string, name: string, moved: string): Promise<void> {
    const port = await createPort(name);
    const probe = await env.addProbe(name, 'physnet1', port.mac);
    const created = await leaseOf(probe, port.ip, 10_000);
    assertNeutronOptions(created.vars, port);
    env.timer.record(`${driver}: create → lease`, created.ms);
    await env.client.request(
      'PUT',
      `/v2.0/ports/${port.id}`,
      { port: { fixed_ips: [{ subnet_id: subnetId, ip_address: moved }] } },
      200,
      'port',
    );
    const updated = await leaseOf(probe, moved, 10_000);
    env.timer.record(`${driver}: update → lease`, updated.ms);
    await env.client.delete(`/v2.0/ports/${port.id}`);
    const since = Date.now();
    await eventually(
      `${driver}: no lease for the deleted port`,
      async () => ((await lease(probe, 2)) ? undefined : true),
      10_000,
      100,
    );
    env.timer.record(`${driver}: delete → no lease`, Date.now() - since);
    for (const ms of [created.ms, updated.ms]) assert.ok(ms < 5000, `served within 5 s (took ${ms} ms)`);
  }

  before(async () => {
    env = await NeutronEnv.start({ tag: 'nag', metadataAgent: true });
  });

  after(async () => {
    await agent?.stop().catch(() => undefined);
    await env?.teardown();
    console.log(
      `[neutron-agent] ${((Date.now() - started) / 1000).toFixed(1)} s: ${env?.summary()}; logs ${env?.logDir}`,
    );
  });

  test("listed alive as a DHCP agent; a CLI network is scheduled to it; the DHCP port is Neutron's", {
    timeout: 120_000,
  }, async () => {
    const registered = await env.timer.time('agent alive', () =>
      startAgent({ driver: 'builtin', metadata: 'neutron-agent' }),
    );
    assert.equal(registered.agent_type, DHCP_AGENT_TYPE);
    const listed = await env.client.openstackJson<Record<string, unknown>[]>(
      ...['network', 'agent', 'list', '--host', env.host, '--agent-type', 'dhcp'],
    );
    assert.deepEqual(
      listed.map((row) => [row['Agent Type'], row['Host'], row['Alive'], row['State']]),
      [[DHCP_AGENT_TYPE, env.host, true, true]],
    );
    await env.timer.time('network (CLI)', async () => {
      const network = await env.client.openstackJson(
        ...['network', 'create', '--provider-network-type', 'flat'],
        ...['--provider-physical-network', 'physnet1', 'nag-net'],
      );
      networkId = String(network['id']);
      env.trackNetwork(networkId);
      const subnet = await env.client.openstackJson(
        ...['subnet', 'create', '--network', networkId, '--subnet-range', CIDR, '--gateway', GATEWAY],
        // Neutron's IPAM picks addresses at random from the pool: the addresses the lifecycle moves ports
        // to (.210, .211) lie outside it, so no other port can hold them already.
        ...['--allocation-pool', 'start=10.252.0.2,end=10.252.0.200'],
        ...[
          '--dns-nameserver',
          DNS,
          '--host-route',
          `destination=172.31.0.0/16,gateway=${GATEWAY}`,
          'nag-sub',
        ],
      );
      subnetId = String(subnet['id']);
    });
    const hosting = await env.client.openstackJson<Record<string, unknown>[]>(
      ...['network', 'agent', 'list', '--network', networkId],
    );
    assert.deepEqual(
      hosting.map((row) => [row['Host'], row['Alive']]),
      [[env.host, true]],
      'the network is scheduled to the qdhcp agent',
    );
    const dhcpPort = await env.timer.time('DHCP port ACTIVE', () =>
      eventually(
        'the DHCP port is ACTIVE',
        async () => {
          const ports = await dhcpPorts();
          return ports.length === 1 && ports[0]!['status'] === 'ACTIVE' ? ports[0] : undefined;
        },
        45_000,
        500,
      ),
    );
    assert.equal(dhcpPort['device_id'], neutronDhcpDeviceId(env.host, networkId));
    assert.equal(dhcpPort['binding:host_id'], env.host);
    assert.equal(dhcpPort['binding:vif_type'], 'bridge');
    const fixedIps = dhcpPort['fixed_ips'] as { subnet_id: string; ip_address: string }[];
    assert.equal(fixedIps[0]?.subnet_id, subnetId);
    dhcpIp = fixedIps[0]!.ip_address;
    dhcpPortId = String(dhcpPort['id']);
    // The linuxbridge agent, not qdhcp, put the tap into the physnet's bridge.
    const tap = await runCommand('ip', ['-o', 'link', 'show', tapName(String(dhcpPort['id']))]);
    assert.match(tap.stdout, new RegExp(`master ${env.bridge('physnet1')}\\b`));
  });

  test("a probe gets its port's lease with Neutron's options; metadata through neutron-metadata-agent", {
    timeout: 60_000,
  }, async () => {
    vm1 = await createPort('vm1', true);
    vm1Probe = await env.addProbe('vm1', 'physnet1', vm1.mac);
    const { vars } = await env.timer.time('first lease', () => leaseOf(vm1Probe!, vm1!.ip, 20_000));
    assertNeutronOptions(vars, vm1);
    const asked = env.nova.seen.length;
    const answer = await env.timer.time('metadata (neutron-metadata-agent)', () =>
      metadata(vm1Probe!, vm1!.ip),
    );
    assert.deepEqual(answer, { uuid: vm1.deviceId, from: vm1.ip, path: '/openstack/latest/meta_data.json' });
    const request = env.nova.seen.at(-1)!;
    assert.ok(env.nova.seen.length > asked);
    // neutron-metadata-agent (Python) made the signed request, qdhcp only forwarded to its socket.
    assert.match(String(request['user-agent']), /python/i);
  });

  test('builtin driver: port create, update and delete reach the agent at once', {
    timeout: 60_000,
  }, async () => {
    await portLifecycle('builtin', 'vm2', '10.252.0.210');
  });

  test('a restart of the private broker converges', { timeout: 120_000 }, async () => {
    const ms = await env.restartBroker();
    env.timer.record('broker restart', ms);
    const vm3 = await createPort('vm3');
    const probe = await env.addProbe('vm3', 'physnet1', vm3.mac);
    const served = await leaseOf(probe, vm3.ip, 60_000);
    env.timer.record('broker back → lease', served.ms);
    await env.client.waitForAgent({ agentType: DHCP_AGENT_TYPE, host: env.host }, true, 30_000);
  });

  test('kill -9 and a restart on the dnsmasq driver converges; metadata signed by the agent itself', {
    timeout: 120_000,
  }, async () => {
    await agent!.kill9();
    await env.timer.time('restart (dnsmasq)', () =>
      startAgent({ driver: 'dnsmasq', metadata: 'nova-local' }),
    );
    // What was served before is served again, by dnsmasq now, from the same Neutron DHCP port.
    const again = await leaseOf(vm1Probe!, vm1!.ip, 60_000);
    env.timer.record('restart → lease', again.ms);
    assertNeutronOptions(again.vars, vm1!);
    assert.ok((await namespaceCommands()).includes('dnsmasq'), 'dnsmasq serves the network now');
    assert.deepEqual(
      (await dhcpPorts()).map((port) => port['id']),
      [dhcpPortId],
      'the restarted agent found its DHCP port by device id (no second port)',
    );
    // ISC dhclient too.
    const dhclient = await runDhclient(vm1Probe!, env.sandbox, 'eth0', { label: 'vm1' });
    assert.equal(dhclient.vars['new_ip_address'], vm1!.ip, dhclient.log);
    assert.equal(dhclient.vars['new_routers'], GATEWAY);
    assert.equal(dhclient.vars['new_domain_name'], 'openstacklocal');
    const asked = env.nova.seen.length;
    const answer = await env.timer.time('metadata (signed by qdhcp)', () => metadata(vm1Probe!, vm1!.ip));
    assert.deepEqual(answer, {
      uuid: vm1!.deviceId,
      from: vm1!.ip,
      path: '/openstack/latest/meta_data.json',
    });
    assert.ok(env.nova.seen.length > asked);
    assert.doesNotMatch(String(env.nova.seen.at(-1)!['user-agent']), /python/i);
  });

  test('dnsmasq driver: port create, update and delete reach the agent at once', {
    timeout: 60_000,
  }, async () => {
    await portLifecycle('dnsmasq', 'vm4', '10.252.0.211');
  });

  test('Neutron marks the agent dead once it is stopped', { timeout: 60_000 }, async () => {
    const query = { agentType: DHCP_AGENT_TYPE, host: env.host };
    assert.equal((await env.client.agents(query))[0]?.alive, true, 'alive before it is stopped');
    const since = Date.now();
    await agent!.stop();
    const dead = await env.client.waitForAgent(query, false, 45_000);
    env.timer.record('stopped → dead', Date.now() - since);
    assert.equal(dead.alive, false);
  });
});
