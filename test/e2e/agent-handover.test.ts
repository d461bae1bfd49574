/**
 * Issue 17, zero-gap planned restart: `qdhcp agent` (builtin driver) beside `qdhcp server` over RabbitMQ
 * serves 3 networks while an instance on each asks DHCP every 100 ms (test/support/dhcp-prober.ts:
 * DISCOVER and unicast renewal alternately, 1 s each) and DNS and metadata every 100 ms
 * (test/support/dns-metadata-prober.ts); the agent is replaced three times — twice by
 * `qdhcp agent --takeover`, once by SIGHUP (the agent starts its successor itself) — and not one question
 * goes unanswered. Each old agent exits only after its successor took over, and the successor adopts every
 * socket (none bound anew). docs/agent.md "Restart and upgrade without a gap".
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bridgeName } from '../../src/agent/naming.js';
import { deleteBrokerObjects } from '../../src/bus/testing/broker-cleanup.js';
import { listNamespaces } from '../../src/linux/ip-batch.js';
import { runCommand } from '../../src/linux/run-command.js';
import { AgentTestbed } from '../support/agent/testbed.js';
import type { ProberSummary } from '../support/dhcp-prober.js';
import type { ServiceSummary } from '../support/dns-metadata-prober.js';
import { canUseNamespaces } from '../support/netns.js';
import { ManagedProcess } from '../support/process.js';
import { type ServerProcess, startServerProcess } from './api-server-process.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const QDHCP = join(ROOT, 'bin', 'qdhcp');
const PROBER = fileURLToPath(new URL('../support/dhcp-prober.js', import.meta.url));
const SERVICE_PROBER = fileURLToPath(new URL('../support/dns-metadata-prober.js', import.meta.url));
const BROKER = 'amqp://guest:guest@127.0.0.1:5672/';
const HOST = 'handover-e2e-host';
const NETWORKS = 3;
const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';

type Json = Record<string, unknown>;

/** Whether `pid` is still running (a reaped child or a foreign process that exited: no). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, predicate: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('planned restart: three takeovers (one by SIGHUP) while instances ask DHCP, DNS and metadata every 100 ms', {
  skip,
}, () => {
  const prefix = `qdhcp-e2e-ho-${process.pid}`;
  const busUrl = `${BROKER}?exchange=${prefix}`;
  let bed: AgentTestbed;
  let server: ServerProcess | undefined;
  const agents: ManagedProcess[] = [];
  /** The SIGHUP successor: not our child, stopped by its PID. */
  let orphanPid: number | undefined;
  const probers: ManagedProcess[] = [];
  const serviceProbers: ManagedProcess[] = [];

  const call = async (method: string, path: string, body?: Json): Promise<Json> => {
    const init: RequestInit = { method, headers: { 'content-type': 'application/json' } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await fetch(`${server?.url}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
    return (await response.json()) as Json;
  };
  const agentArgs = (): string[] => [
    ...['agent', '--bus', busUrl, '--host', HOST, '--state-dir', bed.path('agent')],
    ...[
      '--namespace-prefix',
      bed.namespacePrefix,
      '--host-namespace',
      bed.host.name,
      '--report-interval',
      '2',
    ],
  ];

  before(async () => {
    bed = await AgentTestbed.create('hov');
    server = await startServerProcess([
      ...['--db', `sqlite:${bed.path('server.sqlite')}`, '--state-dir', bed.path('server')],
      ...['--bus', busUrl],
    ]);
    const first = ManagedProcess.start('agent-1', QDHCP, agentArgs());
    agents.push(first);
    await first.waitForOutput(/qdhcp agent started/, 30_000);
  });

  after(async () => {
    for (const prober of [...probers, ...serviceProbers]) await prober.stop().catch(() => undefined);
    if (orphanPid !== undefined && alive(orphanPid)) {
      process.kill(orphanPid, 'SIGTERM');
      await until('successor stopped', () => !alive(orphanPid ?? 0), 10_000).catch(() => {
        if (orphanPid !== undefined && alive(orphanPid)) process.kill(orphanPid, 'SIGKILL');
      });
    }
    for (const agent of agents) await agent.stop().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    const ours = (await listNamespaces().catch(() => [])).filter((n) => n.startsWith(bed.namespacePrefix));
    await bed.removeNamespaces(ours);
    await bed.teardown();
    await deleteBrokerObjects(BROKER, prefix).catch(() => undefined);
  });

  test('no DHCP, DNS or metadata question unanswered across three takeovers; every socket adopted', {
    timeout: 85_000,
  }, async () => {
    const started = Date.now();
    // Networks, each with an instance port whose MAC the prober's namespace carries.
    for (let index = 0; index < NETWORKS; index++) {
      const network = (await call('POST', '/v2.0/networks', { network: { name: `ho-${index}` } }))[
        'network'
      ] as Json;
      const networkId = String(network['id']);
      const subnet = (
        await call('POST', '/v2.0/subnets', {
          subnet: { network_id: networkId, ip_version: 4, cidr: `10.7${index}.0.0/24` },
        })
      )['subnet'] as Json;
      const mac = `fa:16:3e:70:0${index}:50`;
      const ip = `10.7${index}.0.50`;
      await call('POST', '/v2.0/ports', {
        port: {
          network_id: networkId,
          mac_address: mac,
          device_owner: 'compute:nova',
          fixed_ips: [{ subnet_id: subnet['id'], ip_address: ip }],
        },
      });
      const bridge = bridgeName(networkId);
      let serverIp = '';
      await until(
        `network ${index} served`,
        async () => {
          const ports = (await call('GET', `/v2.0/ports?network_id=${networkId}&device_owner=network:dhcp`))[
            'ports'
          ] as Json[];
          const fixed = (ports[0]?.['fixed_ips'] as Json[] | undefined)?.[0];
          serverIp = String(fixed?.['ip_address'] ?? '');
          const plumbed = await bed.host.ip(['link', 'show', bridge], { allowFailure: true });
          return serverIp !== '' && plumbed.code === 0;
        },
        30_000,
      );
      const client = await bed.addClient(mac, { namespace: bed.host, bridge });
      await client.ip(['addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      const request = {
        mac,
        ip,
        server: serverIp,
        broadcast: `10.7${index}.0.255`,
        intervalMs: 100,
        timeoutMs: 1000,
      };
      const prober = bed.sandbox.spawn(client, `prober-${index}`, process.execPath, [
        ...[PROBER, '--run', JSON.stringify(request)],
      ]);
      probers.push(prober);
      await prober.waitForOutput(/"started":true/, 10_000);
      // DNS and metadata from the same instance; the metadata route as DHCP's option 121 gives it.
      await client.ip(['route', 'add', '169.254.169.254/32', 'via', serverIp]);
      const services = bed.sandbox.spawn(client, `services-${index}`, process.execPath, [
        ...[
          SERVICE_PROBER,
          '--run',
          JSON.stringify({
            dnsServer: serverIp,
            name: `host-10-7${index}-0-50.openstacklocal`,
            metadataUrl: 'http://169.254.169.254/',
            metadataAnyStatus: true,
            intervalMs: 100,
          }),
        ],
      ]);
      serviceProbers.push(services);
      await services.waitForOutput(/"started":true/, 10_000);
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));

    // Two takeovers by a second process, then one by SIGHUP.
    for (const round of [2, 3]) {
      const previous = agents.at(-1) as ManagedProcess;
      const successor = ManagedProcess.start(`agent-${round}`, QDHCP, [...agentArgs(), '--takeover']);
      agents.push(successor);
      const took = await successor.waitForOutput(/"event":"agent\.took_over"[^\n]*/, 60_000);
      assert.match(took[0], /"opened":0,"adopted":\d+,"mismatched":0/, took[0]);
      process.stdout.write(`# agent-${round}: ${took[0]}\n`);
      assert.ok(await previous.waitForExit(15_000), `agent-${round - 1} exits:\n${previous.output()}`);
      assert.match(previous.output(), /successor took over: sockets released/);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const hungUp = agents.at(-1) as ManagedProcess;
    hungUp.signal('SIGHUP');
    const spawned = await hungUp.waitForOutput(
      /"event":"agent\.successor_started","successor":(\d+)/,
      10_000,
    );
    orphanPid = Number(spawned[1]);
    // The successor writes to the same output; the old one exits after it took over.
    // The successor writes to the same output: its took_over is the second one there.
    const tookOvers = /"event":"agent\.took_over".*"event":"agent\.took_over"([^\n]*)/s;
    const took = await hungUp.waitForOutput(tookOvers, 60_000);
    assert.match(took[1] ?? '', /"opened":0,"adopted":\d+,"mismatched":0/, took[1]);
    process.stdout.write(`# SIGHUP successor: ${took[1]}\n`);
    await until('the SIGHUPed agent exits', () => !alive(hungUp.pid ?? 0), 15_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));

    for (const prober of [...probers, ...serviceProbers]) prober.signal('SIGTERM');
    for (const prober of probers) {
      const line = await prober.waitForOutput(/\{"sent"[^\n]*\}/, 10_000);
      const summary = JSON.parse(line[0]) as ProberSummary;
      assert.ok(summary.sent > 50, `${prober.label} asked: ${line[0]}`);
      assert.equal(summary.missed, 0, `${prober.label}: ${line[0]}`);
      process.stdout.write(`# ${prober.label}: ${line[0]}\n`);
    }
    for (const prober of serviceProbers) {
      const line = await prober.waitForOutput(/\{"dns"[^\n]*\}/, 10_000);
      const summary = JSON.parse(line[0]) as { dns: ServiceSummary; metadata: ServiceSummary };
      process.stdout.write(`# ${prober.label}: ${line[0]}\n`);
      for (const service of ['dns', 'metadata'] as const) {
        assert.ok(summary[service].sent > 50, `${prober.label} ${service} asked: ${line[0]}`);
        assert.equal(summary[service].missed, 0, `${prober.label} ${service}: ${line[0]}`);
      }
    }
    // The last successor answers `qdhcp agent status` (the old agents removed the socket's path as they went).
    const status = await runCommand(QDHCP, ['agent', 'status', '--state-dir', bed.path('agent'), '--json'], {
      timeoutMs: 20_000,
    });
    assert.equal(
      (JSON.parse(status.stdout) as { networks: unknown[] }).networks.length,
      NETWORKS,
      status.stdout,
    );
    process.stdout.write(`# handover e2e: ${Math.round((Date.now() - started) / 1000)} s\n`);
  });
});
