import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { type Namespace, Sandbox } from '../../test/support/netns.js';
import { AgentUnderTest } from '../agent/agent-under-test.js';
import { propagation } from '../agent/scenarios.js';
import { perfdhcpRelay } from './agent-dhcp.js';
import type { Cleanup } from './cleanup.js';
import { preciseCpuSeconds, processTimes } from './machine.js';
import { parsePerfdhcp, perfdhcpArgs } from './perfdhcp.js';
import { servingArgs, waitForStart, writeServerFiles } from './serve-dhcp.js';
import { serverClientPair } from './server-client-pair.js';

/**
 * The servers bench/compare/dhcp-loop.ts measures ("sides"), each in its own namespaces and started once, and
 * one measurement window against any of them. Started once so that the windows of all sides can alternate
 * in rounds: the machine's load then weighs on every side alike (docs/performance.md, issue 17 item 3).
 */

/** One perfdhcp run and what the server used during it, per completed exchange (ACK received). */
export interface Window {
  readonly serverMicros: number;
  readonly userMicros: number;
  readonly systemMicros: number;
  /** The server's voluntary context switches (wake-ups) per exchange. */
  readonly wakeUps: number;
  readonly perfdhcpMicros: number;
  readonly achieved: number;
  readonly discovers: number;
  readonly acks: number;
  /** perfdhcp's average delays (DISCOVER→OFFER, REQUEST→ACK) and the largest, ms: what a hold costs clients. */
  readonly averageDelayMs: { readonly discoverOffer: number; readonly requestAck: number };
  readonly maxDelayMs: number;
}

/** A server that is up, and the client namespace and device perfdhcp runs from. */
export interface Side {
  readonly name: string;
  readonly client: Namespace;
  readonly device: string;
  readonly pid: number | undefined;
  readonly clients: number;
  release(): Promise<void>;
}

/** One perfdhcp run under /usr/bin/time (its own CPU), the server's CPU around it. */
export async function window(side: Side, rate: number, seconds: number): Promise<Window> {
  const before = preciseCpuSeconds(side.pid);
  const timesBefore = processTimes(side.pid);
  const result = await side.client.exec(
    '/usr/bin/time',
    [
      '-f',
      'perfdhcp-cpu %U %S',
      '/usr/sbin/perfdhcp',
      ...perfdhcpArgs(side.device, rate, side.clients, seconds),
    ],
    { allowFailure: true, timeoutMs: (seconds + 30) * 1000 },
  );
  const used = preciseCpuSeconds(side.pid) - before;
  const times = processTimes(side.pid);
  const run = parsePerfdhcp(result.stdout);
  const cpu = /perfdhcp-cpu ([\d.]+) ([\d.]+)/.exec(result.stderr);
  const perfdhcpSeconds = cpu === null ? Number.NaN : Number(cpu[1]) + Number(cpu[2]);
  const acks = Math.max(run.acksReceived, 1);
  return {
    serverMicros: (used * 1e6) / acks,
    userMicros: ((times.userSeconds - timesBefore.userSeconds) * 1e6) / acks,
    systemMicros: ((times.systemSeconds - timesBefore.systemSeconds) * 1e6) / acks,
    wakeUps: (times.wakeUps - timesBefore.wakeUps) / acks,
    perfdhcpMicros: (perfdhcpSeconds * 1e6) / acks,
    achieved: run.achieved,
    discovers: run.discoversSent,
    acks: run.acksReceived,
    averageDelayMs: run.averageDelayMs,
    maxDelayMs: run.maxDelayMs,
  };
}

export type ServerKind = 'dnsmasq' | 'serve-old' | 'serve-new';

/**
 * A server namespace with `hosts` hosts and the Neutron dnsmasq command line, a client namespace by a veth:
 * dnsmasq, or `qdhcp serve` of the checkout `dir`.
 */
export async function startServer(
  kind: ServerKind,
  dir: string,
  hosts: number,
  cleanup: Cleanup,
): Promise<Side> {
  const sandbox = new Sandbox('dl');
  cleanup.prefix(sandbox.prefix);
  cleanup.track(sandbox);
  try {
    const { server, client, serverDevice, clientDevice } = await serverClientPair(
      sandbox,
      ['10.77.0.1/16'],
      ['10.77.0.2/16'],
    );
    const files = writeServerFiles(sandbox, hosts);
    const common = servingArgs(serverDevice, files);
    let pid: number | undefined;
    if (kind === 'dnsmasq') {
      // dnsmasq reads the hosts file after dropping to nobody (as the anchor's anc_mkwork allows for).
      for (const path of [sandbox.workDir, files.hosts, files.opts]) chmodSync(path, 0o755);
      // As Neutron runs it (../shared/tools/dhcp-bench/lib.sh anc_start_dnsmasq).
      const process = sandbox.spawn(server, 'dnsmasq', '/usr/sbin/dnsmasq', [
        ...['-k', '--conf-file=/dev/null', '--no-hosts', '--no-resolv', '--strict-order'],
        ...['--except-interface=lo', '--bind-interfaces', '--port=0', '--leasefile-ro'],
        `--pid-file=${sandbox.path('dnsmasq.pid')}`,
        ...common,
      ]);
      await waitForStart(files.log, () => process.exit !== undefined, process.stderr, {
        marker: 'DHCP, static leases',
        name: 'dnsmasq',
      });
      pid = process.pid;
    } else {
      const serve = sandbox.spawn(server, kind, join(dir, 'bin', 'qdhcp'), ['serve', ...common]);
      await waitForStart(files.log, () => serve.exit !== undefined, serve.stderr);
      pid = serve.pid;
    }
    return {
      name: kind,
      client,
      device: clientDevice,
      pid,
      clients: hosts,
      release: () => cleanup.release(sandbox),
    };
  } catch (error) {
    await cleanup.release(sandbox);
    throw error;
  }
}

/**
 * The builtin driver in all-in-one of the checkout `dir` (bench/agent's AgentUnderTest), 100 ports, perfdhcp
 * relayed from a namespace on the network's bridge; the whole all-in-one process is measured.
 */
export async function startBuiltin(
  name: string,
  dir: string,
  cleanup: Cleanup,
  log: (text: string) => void,
): Promise<Side> {
  const agent = await AgentUnderTest.start('builtin', { qdhcpDir: dir, tag: 'dl' });
  cleanup.prefix(agent.bed.namespacePrefix);
  cleanup.track(agent);
  try {
    await propagation(agent, [100], 5, { next: 0 }, log);
    const relay = await perfdhcpRelay(agent);
    return {
      name,
      client: relay,
      device: 'pd0',
      pid: agent.pid,
      clients: 100,
      release: () => cleanup.release(agent),
    };
  } catch (error) {
    await cleanup.release(agent);
    throw error;
  }
}
