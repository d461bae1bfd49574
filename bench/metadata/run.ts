/**
 * Metadata proxy benchmark (issue 5): `qdhcp all-in-one` (builtin driver by default), one network, P probe
 * instances (real udhcpc leases, the 169.254.169.254/32 route by DHCP), then from inside the probes:
 *   - sequential: 200 requests one at a time from one probe (the cost of one request);
 *   - bursts: R rounds of B requests all at once, spread over the P probes (each request its own TCP
 *     connection), p50/p99/max per round and over all rounds.
 * Prints a markdown table. Options: --driver builtin|dnsmasq, --probes P (8), --burst B (200),
 * --rounds R (5), --path PATH (/latest/meta-data/instance-id).
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { AllInOne, type ProbeInstance } from '../../test/support/agent/all-in-one.js';
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

/** CPU time (ms) the process has used so far, user and system, from /proc (10 ms resolution). */
function cpuMs(pid: number | undefined): { user: number; system: number } {
  if (pid === undefined) return { user: Number.NaN, system: Number.NaN };
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime, stime in clock ticks (USER_HZ 100)
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
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
    const lines = [
      `Metadata proxy, ${driver} driver, ${probes} probes, GET ${path} (load ${loadavg()[0]?.toFixed(2)} at start)`,
      '',
      '| run | requests | answers | p50 ms | p99 ms | max ms | wall ms |',
      '|---|---|---|---|---|---|---|',
      row('sequential, 1 probe', await metadataBurst(namespaces.slice(0, 1), url, 200, 1)),
    ];
    const all: BurstResult[] = [];
    const cpuBefore = cpuMs(aio.pid);
    const perProbe = Math.ceil(burst / probes);
    for (let round = 1; round <= rounds; round++) {
      const result = await metadataBurst(namespaces, url, perProbe);
      all.push(result);
      lines.push(row(`burst ${round}: ${perProbe * probes} at once`, result));
    }
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
    };
    const served = merged.latenciesMs.length + rounds * probes * WARMUP_REQUESTS;
    const cpuAfter = cpuMs(aio.pid);
    // System time is mostly the kernel's TCP and veth/bridge work for each connection, in the agent's context.
    const user = (cpuAfter.user - cpuBefore.user) / served;
    const system = (cpuAfter.system - cpuBefore.system) / served;
    lines.push(row(`all ${rounds} bursts`, merged));
    lines.push(
      '',
      `all-in-one CPU per request during the bursts (warm-ups included): ${(user + system).toFixed(2)} ms (user ${user.toFixed(2)}, system ${system.toFixed(2)})`,
    );
    lines.push('', `load ${loadavg()[0]?.toFixed(2)} at end`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await aio.teardown();
  }
}

await main();
