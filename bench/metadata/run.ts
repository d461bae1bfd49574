/**
 * Metadata proxy benchmark (issue 5): `qdhcp all-in-one` (builtin driver by default), one network, P probe
 * instances (real udhcpc leases, the 169.254.169.254/32 route by DHCP), then from inside the probes:
 *   - sequential: 200 requests one at a time from one probe (the cost of one request);
 *   - bursts: R rounds of B requests all at once, spread over the P probes (each request its own TCP
 *     connection), p50/p99/max per round and over all rounds.
 * Prints a markdown table. Options: --driver builtin|dnsmasq, --probes P (8), --burst B (200),
 * --rounds R (5), --path PATH (/latest/meta-data/instance-id), --client http|raw (http: node:http's client;
 * raw: a bare net.Socket writing the same GET, load-client.ts, which costs the shared cores less).
 *
 * CPU per request is given three ways, all from the same run: the all-in-one process from the first burst's
 * warm-up to the last answer (the figure of earlier runs: warm-ups, client start-ups and the background work
 * between bursts included), the all-in-one inside the bursts' "go" → last answer windows only (per burst
 * request; main thread vs V8/libuv helper threads), and the load clients' own CPU in those windows (they
 * share the machine's cores with the agent, so their CPU is queueing the latencies include). The background
 * rate (heartbeats, resync timers) is read over an idle pause before the bursts. QDHCP_BENCH_CPU_PROF=DIR: a
 * V8 CPU profile of the all-in-one, written to DIR when it stops (test/support/agent/all-in-one.ts).
 */

import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand } from '../../src/linux/run-command.js';
import { AllInOne, type ProbeInstance } from '../../test/support/agent/all-in-one.js';
import { addCpu, type CpuReading, cpuSince, NO_CPU, readCpu } from './cpu.js';
import { type BurstResult, metadataBurst, percentile, WARMUP_REQUESTS } from './load.js';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const driver = option('driver', 'builtin');
const probes = Number(option('probes', '8'));
const burst = Number(option('burst', '200'));
const rounds = Number(option('rounds', '5'));
const path = option('path', '/latest/meta-data/instance-id');
const url = `http://169.254.169.254${path}`;
const client = option('client', 'http');
if (client !== 'http' && client !== 'raw') throw new Error(`--client ${client}: expected http or raw`);
if (client === 'raw') process.env['QDHCP_LOAD_CLIENT'] = 'raw'; // the load clients inherit it

/** The agent's bus requests to the server so far (all-in-one's /metrics): count and their summed wall time. */
async function busRequests(apiUrl: string): Promise<{ count: number; seconds: number }> {
  const text = await (await fetch(`${apiUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const value = (name: string) =>
    Number(
      text
        .split('\n')
        .find((line) => line.startsWith(`${name}{`))
        ?.split(' ')
        .at(-1) ?? Number.NaN,
    );
  return { count: value('qdhcp_bus_request_seconds_count'), seconds: value('qdhcp_bus_request_seconds_sum') };
}

/** TCP listen-queue counters of a namespace (`/proc/net/netstat` read inside it): did a burst overflow? */
async function listenCounters(namespace: string | undefined): Promise<Record<string, number>> {
  if (namespace === undefined) return {};
  const { stdout } = await runCommand('ip', ['netns', 'exec', namespace, 'cat', '/proc/net/netstat']);
  const [names, values] = stdout
    .split('\n')
    .filter((line) => line.startsWith('TcpExt:'))
    .map((line) => line.split(' '));
  const wanted = ['ListenOverflows', 'ListenDrops', 'TCPReqQFullDrop', 'SyncookiesSent'];
  return Object.fromEntries(
    wanted.map((name) => [name, Number(values?.[names?.indexOf(name) ?? -1] ?? Number.NaN)]),
  );
}

function row(label: string, result: BurstResult): string {
  const answered = Object.entries(result.statuses)
    .map(([status, n]) => `${n}×${status}`)
    .join(' ');
  const l = result.latenciesMs;
  return `| ${label} | ${l.length} | ${answered}${result.failed ? ` (${result.failed} failed)` : ''} | ${percentile(l, 50).toFixed(1)} | ${percentile(l, 99).toFixed(1)} | ${(l.at(-1) ?? 0).toFixed(1)} | ${Math.round(result.wallMs)} |`;
}

async function main(): Promise<void> {
  const aio = await AllInOne.start('bmd', ['--driver', driver]);
  const stop = () => void aio.teardown().then(() => process.exit(130));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    const { network } = await aio.servedNetwork('bench-md', '10.90.0.0/24');
    const vms: ProbeInstance[] = [];
    for (let i = 0; i < probes; i++) {
      vms.push(
        await aio.probeInstance(String(network['id']), `b${i}`, {
          name: `b${i}`,
          hostname: `b${i}`,
          user_data: Buffer.from('#cloud-config\n').toString('base64'),
        }),
      );
    }
    const namespaces = vms.map((vm) => vm.namespace);
    await metadataBurst(namespaces, url, 5); // warm-up: JIT, lookups cached
    let sequentialStart: CpuReading = NO_CPU;
    let sequentialCpu: CpuReading = NO_CPU;
    const sequential = await metadataBurst(namespaces.slice(0, 1), url, 200, 1, {
      go: () => {
        sequentialStart = readCpu(aio.pid);
      },
      done: () => {
        sequentialCpu = cpuSince(sequentialStart, readCpu(aio.pid));
      },
    });
    const lines = [
      `Metadata proxy, ${driver} driver, ${probes} probes, GET ${path}, ${client} clients (load ${loadavg()[0]?.toFixed(2)} at start)`,
      '',
      '| run | requests | answers | p50 ms | p99 ms | max ms | wall ms |',
      '|---|---|---|---|---|---|---|',
      row('sequential, 1 probe', sequential),
    ];
    const idleSeconds = 3;
    const idleBefore = readCpu(aio.pid);
    await sleep(idleSeconds * 1000);
    const idle = cpuSince(idleBefore, readCpu(aio.pid));
    const all: BurstResult[] = [];
    const [dhcpNamespace] = await aio.dhcpNamespaces();
    const listenBefore = await listenCounters(dhcpNamespace);
    const busBefore = await busRequests(aio.apiUrl);
    const spanBefore = readCpu(aio.pid);
    let inWindows: CpuReading = NO_CPU;
    let windowStart: CpuReading = NO_CPU;
    const window = {
      go: () => {
        windowStart = readCpu(aio.pid);
      },
      done: () => {
        inWindows = addCpu(inWindows, cpuSince(windowStart, readCpu(aio.pid)));
      },
    };
    const perProbe = Math.ceil(burst / probes);
    for (let round = 1; round <= rounds; round++) {
      const result = await metadataBurst(namespaces, url, perProbe, perProbe, window);
      all.push(result);
      lines.push(row(`burst ${round}: ${perProbe * probes} at once`, result));
    }
    const span = cpuSince(spanBefore, readCpu(aio.pid));
    const busAfter = await busRequests(aio.apiUrl);
    const listenAfter = await listenCounters(dhcpNamespace);
    const merged: BurstResult = {
      statuses: Object.fromEntries(
        [...new Set(all.flatMap((r) => Object.keys(r.statuses)))].map((status) => [
          status,
          all.reduce((sum, r) => sum + (r.statuses[status] ?? 0), 0),
        ]),
      ),
      failed: all.reduce((sum, r) => sum + r.failed, 0),
      latenciesMs: all.flatMap((r) => r.latenciesMs).sort((a, b) => a - b),
      wallMs: all.reduce((sum, r) => sum + r.wallMs, 0),
      clientCpuMs: all.reduce((sum, r) => sum + r.clientCpuMs, 0),
    };
    const requests = merged.latenciesMs.length;
    const served = requests + rounds * probes * WARMUP_REQUESTS;
    const ms = (value: number) => value.toFixed(3);
    const idleMsPerS = (idle.mainNs + idle.otherNs) / 1e6 / idleSeconds;
    lines.push(row(`all ${rounds} bursts`, merged));
    lines.push(
      '',
      // System time is mostly the kernel's TCP and veth/bridge work for each connection, in the agent's
      // context (a send also runs the receiving side's softirq work on the same CPU).
      `all-in-one CPU per request, first warm-up → last answer (warm-ups, client start-ups, background included; the figure of earlier runs): ${ms((span.user + span.system) / served)} ms (user ${ms(span.user / served)}, system ${ms(span.system / served)})`,
      `  of which the server answering the agent's bus requests (metadata.get_instance once per source and second, reports): ${busAfter.count - busBefore.count} requests, ${Math.round((busAfter.seconds - busBefore.seconds) * 1000)} ms of their wall time in all`,
      `all-in-one CPU per request inside the bursts' go → last-answer windows (${Math.round(merged.wallMs)} ms in all): ${ms((inWindows.mainNs + inWindows.otherNs) / 1e6 / requests)} ms (main thread ${ms(inWindows.mainNs / 1e6 / requests)}, other threads ${ms(inWindows.otherNs / 1e6 / requests)}; user ${ms(inWindows.user / requests)}, system ${ms(inWindows.system / requests)} from 10 ms ticks)`,
      `all-in-one background while idle (before the bursts, ${idleSeconds} s): ${idleMsPerS.toFixed(1)} ms of CPU per s, i.e. ~${ms((idleMsPerS * merged.wallMs) / 1000 / requests)} ms per request of the windows`,
      `sequential run (one request at a time, one client): all-in-one ${ms((sequentialCpu.mainNs + sequentialCpu.otherNs) / 1e6 / sequential.latenciesMs.length)} ms per request (main thread ${ms(sequentialCpu.mainNs / 1e6 / sequential.latenciesMs.length)}), the client ${ms(sequential.clientCpuMs / sequential.latenciesMs.length)} ms`,
      `load clients' own CPU in the windows: ${ms(merged.clientCpuMs / requests)} ms per request (${probes} node processes on the same cores)`,
    );
    lines.push(
      `listen queue of the DHCP namespace over the bursts (backlog 511): ${Object.entries(listenAfter)
        .map(([name, value]) => `${name} +${value - (listenBefore[name] ?? 0)}`)
        .join(', ')}`,
    );
    lines.push('', `load ${loadavg()[0]?.toFixed(2)} at end`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await aio.teardown();
  }
}

await main();
