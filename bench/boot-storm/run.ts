/**
 * Boot storm (issue 17 item 2): `qdhcp all-in-one` (builtin driver), one network, N probe "instances"
 * (namespaces with a veth on the network's bridge and the port's MAC, an instance record each) prepared
 * beforehand without a lease; then all start at once, as guests after a mass boot: busybox `udhcpc` takes
 * the lease (option 121 gives the 169.254.169.254/32 route), then the metadata requests of a boot, with one
 * light client (one `curl` per probe, one connection per request, in order): CirrOS's EC2 datasource
 * (`2009-04-04/meta-data/instance-id`, the keys of test/support/vm/guest-init.ts, `user-data`) and
 * cloud-init's OpenStack reader (`openstack`, `meta_data.json`, `network_data.json`, `vendor_data.json`,
 * `vendor_data2.json`, `user_data`); a sample of S probes runs cloud-init's real readers instead
 * (CLOUD_INIT_READER with Debian's /usr/bin/python3 and cloud-init, both trees). Reported: the first DISCOVER
 * (tcpdump in the DHCP namespace) → last answer (issue 17's measure), "go" → first DISCOVER and → last
 * answer, lease times, p50/p99 per request, agent CPU per request, load.
 *
 *   node dist/bench/boot-storm/run.js [--probes 200] [--sample 5] [--dhcp-only]   (a build's own bin/qdhcp: old vs new = run it in each tree)
 *
 * Everything lives in namespaces under the run's prefix (removed at the end, also on failure or SIGINT).
 */

import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bridgeName } from '../../src/agent/naming.js';
import { runIpBatch } from '../../src/linux/ip-batch.js';
import { runCommand } from '../../src/linux/run-command.js';
import { CLOUD_INIT_READER } from '../../src/metadata/testing/fixtures.js';
import { AllInOne, type Json } from '../../test/support/agent/all-in-one.js';
import { GUEST_MD_KEYS } from '../../test/support/vm/guest-init.js';
import { percentile } from '../metadata/load.js';
import { firstPacket, kernelDrops, probeFrames, serverLatencies } from './kernel.js';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const probes = Number(option('probes', '200'));
const sample = Math.min(probes, Number(option('sample', '5')));
/** Leases only, no metadata client: the DHCP part of the storm alone. */
const dhcpOnly = process.argv.includes('--dhcp-only');
const MD = 'http://169.254.169.254';

/** The requests of one guest's boot, in order (CirrOS, then cloud-init's OpenStack reader). */
const BOOT_PATHS = [
  '/2009-04-04/meta-data/instance-id',
  ...GUEST_MD_KEYS.map((key) => `/2009-04-04/meta-data/${key}`),
  '/2009-04-04/user-data',
  '/openstack',
  '/openstack/latest/meta_data.json',
  '/openstack/latest/network_data.json',
  '/openstack/latest/vendor_data.json',
  '/openstack/latest/vendor_data2.json',
  '/openstack/latest/user_data',
];

/** udhcpc's script: the lease applied as CirrOS does (address, MTU, option 121 routes or the router). */
const UDHCPC_SCRIPT = `#!/bin/sh
case "$1" in bound|renew)
  ip addr flush dev "$interface"
  ip addr add "$ip/$mask" dev "$interface"
  [ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
  if [ -n "$staticroutes" ]; then
    set -- $staticroutes
    while [ $# -ge 2 ]; do ip route add "$1" via "$2" dev "$interface"; shift 2; done
  elif [ -n "$router" ]; then ip route add default via "\${router%% *}" dev "$interface"; fi ;;
esac
`;

/** One probe's boot: wait for "go" (a line on the FIFO), lease, then its metadata client; times in ns. */
function bootScript(fifo: string, dhcpScript: string, client: string): string {
  return `read go < ${fifo}
udhcpc -i eth0 -n -q -f -s ${dhcpScript} -t 20 -T 1 -A 1 -O staticroutes -O mtu >/dev/null 2>&1 || { echo "nolease $(date +%s%N)"; exit 1; }
echo "leased $(date +%s%N)"
${client}
echo "done $(date +%s%N) $?"
`;
}

const CURL = `curl -s -m 10 -w '%{http_code} %{time_total}\\n' ${BOOT_PATHS.map((path) => `-o /dev/null ${MD}${path}`).join(' ')}`;

/**
 * The agent's time on a CPU and waiting for one (runnable, on a run queue), ms, from /proc/PID/schedstat:
 * its main thread, which runs the event loop. Waiting is what a busy machine adds to every answer.
 */
function schedMs(pid: number | undefined): { running: number; waiting: number } {
  if (pid === undefined) return { running: Number.NaN, waiting: Number.NaN };
  const [running, waiting] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ').map(Number);
  return { running: (running ?? Number.NaN) / 1e6, waiting: (waiting ?? Number.NaN) / 1e6 };
}

function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, USER_HZ 100
}

async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

interface ProbeRun {
  readonly lines: string[];
  readonly code: number | null;
}

async function main(): Promise<void> {
  const aio = await AllInOne.start('bst', ['--driver', 'builtin']);
  const work = await mkdtemp(join(tmpdir(), 'qdhcp-boot-storm-'));
  const stop = () => void aio.teardown().then(() => process.exit(130));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    const { network } = await aio.servedNetwork('storm', '10.93.0.0/23');
    const networkId = String(network['id']);
    const prepared = performance.now();
    const ports: Json[] = [];
    for (let i = 0; i < probes; i++) {
      const port = await aio.create('/v2.0/ports', 'port', {
        network_id: networkId,
        name: `storm-${i}`,
        device_owner: 'compute:probe',
      });
      await aio.create('/v2.0/qdhcp/instances', 'instance', {
        name: `storm-${i}`,
        hostname: `storm-${i}`,
        public_keys: { default: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBootStorm${i} bench` },
        user_data: Buffer.from(`#cloud-config\nhostname: storm-${i}\n`).toString('base64'),
        ports: [port['id']],
      });
      ports.push(port);
    }
    const namespaces = ports.map((_, i) => `${aio.bed.namespacePrefix}qstorm-${i}`);
    await runIpBatch(
      undefined,
      namespaces.map((ns) => `netns add ${ns}`),
    );
    await runIpBatch(
      aio.bed.host.name,
      ports.flatMap((port, i) => [
        `link add bs${i} type veth peer name eth0 netns ${namespaces[i]} address ${String(port['mac_address'])}`,
        `link set bs${i} master ${bridgeName(networkId)} up`,
      ]),
      { timeoutMs: 60_000 },
    );
    await inParallel(namespaces, 4, async (ns) => {
      await runIpBatch(ns, ['link set lo up', 'link set eth0 up']);
    });
    const dhcpScript = join(work, 'udhcpc.sh');
    await writeFile(dhcpScript, UDHCPC_SCRIPT, { mode: 0o755 });
    const fifo = join(work, 'go');
    await runCommand('mkfifo', [fifo]);
    // The agent must hold every port before the storm (the events follow the creates).
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const prepareSeconds = (performance.now() - prepared) / 1000;

    const runs = namespaces.map((ns, i) => {
      const reader = dhcpOnly
        ? ':'
        : i < sample
          ? `/usr/bin/python3 -c ${shellQuote(CLOUD_INIT_READER)} ${MD} ${shellQuote(JSON.stringify({ [String(ports[i]?.['mac_address'])]: 'eth0' }))} >/dev/null 2>${work}/reader-${i}.err && echo reader-ok || { echo reader-failed; tail -n 2 ${work}/reader-${i}.err | sed 's/^/reader-err /'; }`
          : CURL;
      const child = spawn('ip', ['netns', 'exec', ns, 'sh', '-c', bootScript(fifo, dhcpScript, reader)], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      return new Promise<ProbeRun>((resolve) =>
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ lines: out.split('\n').filter((line) => line !== ''), code });
        }),
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 2000)); // every shell blocked on the FIFO
    const loadBefore = loadavg()[0] ?? Number.NaN;
    const cpuBefore = cpuMs(aio.pid);
    const schedBefore = schedMs(aio.pid);
    const counterBefore = await networkCounters(aio, networkId, METADATA_ANSWERS);
    const dhcpBefore = await networkCounters(aio, networkId, DHCP_COUNTS);
    const [dhcpNamespace] = await aio.dhcpNamespaces();
    const dropsBefore = await kernelDrops(dhcpNamespace);
    const framesBefore = await probeFrames(aio.bed.host.name, probes);
    // The first DISCOVER as the DHCP namespace's kernel sees it (tcpdump's own timestamp).
    const firstDiscover = await firstPacket(dhcpNamespace, 'udp dst port 67');
    const proxyLatency = await serverLatencies(dhcpOnly ? undefined : dhcpNamespace);
    const writer = openSync(fifo, 'w');
    const goNs = BigInt(Date.now()) * 1_000_000n;
    writeSync(writer, '\n'.repeat(probes));
    const results = await Promise.all(runs);
    closeSync(writer);
    const cpuUsed = cpuMs(aio.pid) - cpuBefore;
    const schedAfter = schedMs(aio.pid);
    const loadAfter = loadavg()[0] ?? Number.NaN;
    const answered = answeredSince(counterBefore, await networkCounters(aio, networkId, METADATA_ANSWERS));
    const dhcp = answeredSince(dhcpBefore, await networkCounters(aio, networkId, DHCP_COUNTS));
    const served = [...answered.values()].reduce((sum, n) => sum + n, 0);
    const dropsAfter = await kernelDrops(dhcpNamespace);
    const framesAfter = await probeFrames(aio.bed.host.name, probes);
    const frames = framesAfter.map((n, i) => n - (framesBefore[i] ?? 0)).sort((a, b) => a - b);
    const discoverNs = await firstDiscover.stop();
    const proxyMs = await proxyLatency.stop();
    // A probe namespace's counters start with it: after the storm they are the storm's.
    const probeSyn: number[] = [];
    await inParallel(namespaces, 4, async (ns) => {
      probeSyn.push((await kernelDrops(ns)).synRetrans);
    });

    const sinceGo = (line: string | undefined) =>
      line === undefined ? Number.NaN : Number((BigInt(line.split(' ')[1] ?? '0') - goNs) / 1_000_000n);
    // Probes that never got there (no lease, killed) are counted apart, not sorted in as NaN.
    const known = (values: number[]) => values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
    const leaseMs = known(results.map((r) => sinceGo(r.lines.find((l) => l.startsWith('leased ')))));
    const doneMs = known(results.map((r) => sinceGo(r.lines.find((l) => l.startsWith('done ')))));
    const requests = results.flatMap((r) => r.lines.filter((l) => /^\d{3} /.test(l)));
    const latencies = requests.map((l) => Number(l.split(' ')[1]) * 1000).sort((a, b) => a - b);
    // Which of a probe's requests are the slow ones (its first: the instance's lookup; or any).
    const slowFirst = results.filter((r) => {
      const first = r.lines.find((l) => /^\d{3} /.test(l));
      return first !== undefined && Number(first.split(' ')[1]) > 0.9;
    }).length;
    const statuses: Record<string, number> = {};
    for (const line of requests) statuses[line.slice(0, 3)] = (statuses[line.slice(0, 3)] ?? 0) + 1;
    const readers = results.slice(0, sample).map((r) => (r.lines.includes('reader-ok') ? 'ok' : 'failed'));
    const failed = results.filter((r) => r.code !== 0 || !r.lines.some((l) => l.startsWith('done '))).length;
    const lines = [
      `Boot storm: ${probes} probes on one network (${sample} with cloud-init's readers, the rest curl × ${BOOT_PATHS.length} paths); prepared in ${prepareSeconds.toFixed(0)} s`,
      '',
      '| measure | value |',
      '|---|---|',
      `| first DISCOVER → last answer | ${discoverNs === undefined ? 'no DISCOVER seen' : `${((doneMs.at(-1) ?? Number.NaN) - Number((discoverNs - goNs) / 1_000_000n)).toFixed(0)} ms`} |`,
      `| go → first DISCOVER / go → last answer | ${discoverNs === undefined ? '—' : Number((discoverNs - goNs) / 1_000_000n)} / ${(doneMs.at(-1) ?? Number.NaN).toFixed(0)} ms |`,
      `| go → lease (${leaseMs.length} leased): p50 / p99 / max | ${percentile(leaseMs, 50)} / ${percentile(leaseMs, 99)} / ${leaseMs.at(-1)} ms |`,
      `| go → probe done (${doneMs.length} done): p50 / p99 | ${percentile(doneMs, 50)} / ${percentile(doneMs, 99)} ms |`,
      `| DHCP namespace, kernel: UDP receive-buffer drops / TCP listen overflows | ${dropsAfter.udpRcvbuf - dropsBefore.udpRcvbuf} / ${dropsAfter.listenOverflows - dropsBefore.listenOverflows} |`,
      `| frames the bridge delivered to each probe: p50 / max | ${percentile(frames, 50)} / ${frames.at(-1)} |`,
      `| DHCP namespace, kernel: TCP listen drops / SYN-ACKs retransmitted | ${dropsAfter.listenDrops - dropsBefore.listenDrops} / ${dropsAfter.synRetrans - dropsBefore.synRetrans} |`,
      `| probes (each starts at 0): SYNs retransmitted in all / probes with any | ${probeSyn.reduce((a, b) => a + b, 0)} / ${probeSyn.filter((n) => n > 0).length} |`,
      `| metadata proxy, SYN → its answer in the DHCP namespace (${proxyMs.length} connections): p50 / p99 / max | ${percentile(proxyMs, 50).toFixed(1)} / ${percentile(proxyMs, 99).toFixed(1)} / ${(proxyMs.at(-1) ?? 0).toFixed(1)} ms |`,
      `| curl requests over 0.9 s / over 2.9 s / a probe's first over 0.9 s | ${latencies.filter((ms) => ms > 900).length} / ${latencies.filter((ms) => ms > 2900).length} / ${slowFirst} |`,
      `| curl requests: answers | ${Object.entries(statuses)
        .map(([s, n]) => `${n}×${s}`)
        .join(' ')} |`,
      `| per request (curl time_total): p50 / p99 / max | ${percentile(latencies, 50).toFixed(1)} / ${percentile(latencies, 99).toFixed(1)} / ${(latencies.at(-1) ?? 0).toFixed(1)} ms |`,
      `| cloud-init readers | ${readers.join(', ')} |`,
      `| probes failed (no lease, or not done) | ${failed} |`,
      `| metadata answers counted by the agent | ${served}: ${[...answered].map(([status, n]) => `${n}×${status}`).join(' ')} |`,
      `| DHCP counted by the agent | ${[...dhcp].map(([key, n]) => `${key} ${n}`).join(', ')} |`,
      `| agent CPU (all-in-one, DHCP + metadata + everything) | ${cpuUsed} ms, ${(cpuUsed / Math.max(1, served)).toFixed(2)} ms per metadata answer |`,
      `| agent's main thread over the storm: on a CPU / runnable but waiting for one | ${(schedAfter.running - schedBefore.running).toFixed(0)} / ${(schedAfter.waiting - schedBefore.waiting).toFixed(0)} ms |`,
      `| load average (1 min) before → after | ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)} |`,
    ];
    const readerErrors = results.flatMap((r) => r.lines.filter((l) => l.startsWith('reader-err ')));
    if (readerErrors.length > 0) lines.push('', 'cloud-init reader errors:', ...readerErrors.slice(0, 6));
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await aio.teardown();
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The network's counters whose key matches `pattern`, by what follows its first dot: `metadata.<status>`
 * (every answer the proxy gave, 408s to silent connections included), the DHCP loop's `received.<type>`,
 * `sent.<type>`, `dropped.<reason>`.
 */
async function networkCounters(
  aio: AllInOne,
  networkId: string,
  pattern: RegExp,
): Promise<Map<string, number>> {
  const network = (await aio.served()).find((n) => n.networkId === networkId);
  return new Map(
    Object.entries(network?.counters ?? {})
      .filter(([key]) => pattern.test(key))
      .map(([key, n]) => [key.startsWith('metadata.') ? key.slice('metadata.'.length) : key, n]),
  );
}
const METADATA_ANSWERS = /^metadata\.\d{3}$/;
const DHCP_COUNTS = /^(received|sent|dropped|errors)\./;

/** Counts per key between two readings of {@link networkCounters}. */
function answeredSince(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([status, n]) => [status, n - (before.get(status) ?? 0)]));
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

await main();
