import { spawn } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bridgeName } from '../../src/agent/naming.js';
import { type Namespace, Sandbox } from '../../test/support/netns.js';
import { AgentUnderTest } from '../agent/agent-under-test.js';
import { propagation } from '../agent/scenarios.js';
import { Cleanup } from './cleanup.js';
import { busiestProcesses, loadAverage, preciseCpuSeconds } from './machine.js';
import { PERFDHCP_MAC_TEMPLATE, parsePerfdhcp } from './perfdhcp.js';
import { waitForStart, writeServerFiles } from './serve-dhcp.js';
import { serverClientPair } from './server-client-pair.js';

/**
 * Issue 17, item 3 (docs/performance.md "Issue 17, item 3: the DHCP packet loop"), side by side in one run:
 *
 *   node dist/bench/compare/dhcp-loop.js --old DIR --new DIR [--runs 3] [--seconds 5] [--only cpu,agent,rate]
 *
 * - cpu: server CPU per DORA at 1,000/s offered with 100 hosts (perfdhcp relayed, as bench/compare's serve
 *   scenario) for dnsmasq as Neutron runs it and `qdhcp serve` of OLD and NEW: 3 s warm-up, then `runs`
 *   windows of `seconds` each; the median window, and the CPU perfdhcp itself used per DORA;
 * - agent: the same for the builtin driver inside all-in-one (OLD and NEW), 100 ports on one network;
 * - rate: the sustained rate at 10,000 hosts (highest step of a ladder with ≤ 1 % of exchanges failed,
 *   5-s steps, stop after two failed steps) of dnsmasq and OLD's and NEW's serve, on a quiet core and with another
 *   process keeping one core busy (`sh -c 'while :; do :; done'`, by PID, stopped after).
 */
const flag = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
};
const OLD_DIR = resolve(flag('--old') ?? '');
const NEW_DIR = resolve(flag('--new') ?? '');
const RUNS = Number(flag('--runs') ?? 3);
const SECONDS = Number(flag('--seconds') ?? 5);
const ONLY = new Set((flag('--only') ?? 'cpu,agent,rate').split(','));
const RATE = 1000;
const cleanup = new Cleanup(flag('--prefix-file'));
const log = (text: string): void => {
  process.stderr.write(`[dhcp-loop ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
};

interface Window {
  readonly serverMicros: number;
  readonly perfdhcpMicros: number;
  readonly achieved: number;
  readonly discovers: number;
  readonly acks: number;
}

/** One perfdhcp run under /usr/bin/time (its own CPU), the server's CPU around it. */
async function window(
  client: Namespace,
  device: string,
  pid: number | undefined,
  rate: number,
  clients: number,
  seconds: number,
): Promise<Window> {
  const before = preciseCpuSeconds(pid);
  const result = await client.exec(
    '/usr/bin/time',
    [
      ...['-f', 'perfdhcp-cpu %U %S', '/usr/sbin/perfdhcp', '-4', '-l', device, '-g', 'single'],
      ...[
        '-b',
        `mac=${PERFDHCP_MAC_TEMPLATE}`,
        '-R',
        String(clients),
        '-r',
        String(rate),
        '-p',
        String(seconds),
      ],
    ],
    { allowFailure: true, timeoutMs: (seconds + 30) * 1000 },
  );
  const used = preciseCpuSeconds(pid) - before;
  const run = parsePerfdhcp(result.stdout);
  const cpu = /perfdhcp-cpu ([\d.]+) ([\d.]+)/.exec(result.stderr);
  const perfdhcpSeconds = cpu === null ? Number.NaN : Number(cpu[1]) + Number(cpu[2]);
  const acks = Math.max(run.acksReceived, 1);
  return {
    serverMicros: (used * 1e6) / acks,
    perfdhcpMicros: (perfdhcpSeconds * 1e6) / acks,
    achieved: run.achieved,
    discovers: run.discoversSent,
    acks: run.acksReceived,
  };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

type ServerKind = 'dnsmasq' | 'serve-old' | 'serve-new';

/** A server namespace with `hosts` hosts and the Neutron dnsmasq command line, a client namespace by a veth. */
async function withServer<T>(
  kind: ServerKind,
  hosts: number,
  work: (client: Namespace, device: string, pid: number | undefined) => Promise<T>,
): Promise<T> {
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
    const common = [
      `--interface=${serverDevice}`,
      '--dhcp-range=set:tag0,10.77.0.0,static,255.255.0.0,86400s',
      `--dhcp-hostsfile=${files.hosts}`,
      `--dhcp-optsfile=${files.opts}`,
      '--dhcp-option-force=option:mtu,1450',
      '--dhcp-lease-max=65536',
      '--domain=openstacklocal',
      `--log-facility=${files.log}`,
    ];
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
      const deadline = Date.now() + 20_000;
      while (!readLog(files.log).includes('DHCP, static leases')) {
        if (process.exit !== undefined) throw new Error(`dnsmasq exited: ${process.stderr}`);
        if (Date.now() > deadline) throw new Error('dnsmasq did not start');
        await new Promise((done) => setTimeout(done, 50));
      }
      pid = process.pid;
    } else {
      const dir = kind === 'serve-old' ? OLD_DIR : NEW_DIR;
      const serve = sandbox.spawn(server, kind, join(dir, 'bin', 'qdhcp'), ['serve', ...common]);
      await waitForStart(files.log, () => serve.exit !== undefined, serve.stderr);
      pid = serve.pid;
    }
    return await work(client, clientDevice, pid);
  } finally {
    await cleanup.release(sandbox);
  }
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Warm-up, then RUNS windows at 1,000/s: median server and perfdhcp CPU per DORA. */
async function cpuPerDora(client: Namespace, device: string, pid: number | undefined, hosts: number) {
  await window(client, device, pid, RATE, hosts, 3);
  const windows: Window[] = [];
  for (let i = 0; i < RUNS; i++) windows.push(await window(client, device, pid, RATE, hosts, SECONDS));
  return windows;
}

function cpuRow(name: string, windows: readonly Window[]): string {
  const server = windows.map((w) => w.serverMicros);
  return `| ${name} | ${median(server).toFixed(0)} | ${server.map((v) => v.toFixed(0)).join(', ')} | ${median(
    windows.map((w) => w.perfdhcpMicros),
  ).toFixed(0)} | ${median(windows.map((w) => w.achieved)).toFixed(0)} |`;
}

/** The builtin driver in all-in-one (bench/agent's AgentUnderTest), 100 ports, perfdhcp on the bridge. */
async function builtinCpu(dir: string): Promise<Window[]> {
  const agent = await AgentUnderTest.start('builtin', { qdhcpDir: dir, tag: 'dl' });
  cleanup.prefix(agent.bed.namespacePrefix);
  cleanup.track(agent);
  try {
    await propagation(agent, [100], 5, { next: 0 }, log);
    const networks = await agent.api('GET', '/v2.0/networks?name=prop');
    const network = (networks.body['networks'] as { id: string }[] | undefined)?.[0];
    if (network === undefined) throw new Error('propagation network not found');
    const sandbox = agent.bed.sandbox;
    const relay = await sandbox.addNamespace('pd');
    await sandbox.addVeth(agent.bed.host, sandbox.device('pd'), relay, 'pd0', {
      bridge: bridgeName(network.id),
      peerAddresses: ['10.77.255.250/16'],
    });
    await agent.waitPortsReported(120_000);
    return await cpuPerDora(relay, 'pd0', agent.pid, 100);
  } finally {
    await cleanup.release(agent);
  }
}

/** Highest ladder step with ≤ 1 % failed exchanges (5-s steps; two failed steps end the ladder). */
async function sustained(kind: ServerKind, steps: readonly number[]): Promise<string> {
  return withServer(kind, 10_000, async (client, device, pid) => {
    await window(client, device, pid, steps[0] ?? 100, 10_000, 3);
    let best = 0;
    let failures = 0;
    const seen: string[] = [];
    for (const rate of steps) {
      const w = await window(client, device, pid, rate, 10_000, 5);
      const ok = w.discovers > 0 && w.acks >= 0.99 * w.discovers;
      seen.push(
        `${rate}:${ok ? 'ok' : 'fail'}(${w.achieved.toFixed(0)}/s, perfdhcp ${w.perfdhcpMicros.toFixed(0)} µs/DORA)`,
      );
      if (ok) {
        best = rate;
        failures = 0;
      } else if (++failures === 2) break;
    }
    log(`${kind} ladder: ${seen.join(' ')}`);
    return `${best} | ${seen.join('; ')}`;
  });
}

async function main(): Promise<void> {
  const started = new Date();
  console.log(`Run of ${started.toISOString().slice(0, 16)} UTC, load average at start ${loadAverage()}`);
  console.log(`Busiest processes at start: ${(await busiestProcesses()).join('; ')}\n`);
  if (ONLY.has('cpu') || ONLY.has('agent')) {
    console.log(
      `| server, ${RATE}/s offered, ${RUNS} × ${SECONDS}-s windows | server CPU µs/DORA, median | windows | perfdhcp CPU µs/DORA | DORA/s done |`,
    );
    console.log('|---|---:|---|---:|---:|');
  }
  if (ONLY.has('cpu')) {
    for (const kind of ['dnsmasq', 'serve-old', 'serve-new'] as const) {
      log(`cpu: ${kind}`);
      const windows = await withServer(kind, 100, (client, device, pid) =>
        cpuPerDora(client, device, pid, 100),
      );
      console.log(cpuRow(`${kind}, 100 hosts`, windows));
    }
  }
  if (ONLY.has('agent')) {
    for (const [name, dir] of [
      ['builtin-old', OLD_DIR],
      ['builtin-new', NEW_DIR],
    ] as const) {
      log(`agent: ${name}`);
      console.log(cpuRow(`${name} (all-in-one), 100 ports`, await builtinCpu(dir)));
    }
  }
  if (ONLY.has('rate')) {
    console.log(`\nload average before the ladders: ${loadAverage()}\n`);
    console.log('| server, 10,000 hosts | other core | sustained DORA/s | steps |');
    console.log('|---|---|---:|---|');
    const dnsmasqSteps = [100, 200, 300, 400, 500, 600, 800];
    const serveSteps = [500, 1000, 2000, 4000, 6000, 8000, 10000, 12000, 15000];
    for (const busy of [false, true]) {
      const spinner = busy ? spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }) : undefined;
      try {
        for (const [kind, steps] of [
          ['dnsmasq', dnsmasqSteps],
          ['serve-old', serveSteps],
          ['serve-new', serveSteps],
        ] as const) {
          log(`rate: ${kind}${busy ? ' with a busy core' : ''}`);
          console.log(`| ${kind} | ${busy ? 'busy' : 'quiet'} | ${await sustained(kind, steps)} |`);
        }
      } finally {
        if (spinner?.pid !== undefined) process.kill(spinner.pid, 'SIGKILL');
      }
    }
  }
  console.log(`\nLoad average at end ${loadAverage()}; busiest: ${(await busiestProcesses()).join('; ')}`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(
    `dhcp-loop failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
} finally {
  await cleanup.all();
}
