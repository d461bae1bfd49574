import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AgentUnderTest } from './agent-under-test.js';
import { DiscoverProber } from './discover-prober.js';
import { describeTimeline, restartTimeline } from './restart-timeline.js';

/** A MAC no other port of the run has: fa:16:3e + 24-bit counter from `base`. */
export function macFor(n: number): string {
  const hex = (n & 0xffffff).toString(16).padStart(6, '0');
  return `fa:16:3e:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export interface PropagationResult {
  readonly existing: number;
  readonly samples: number;
  readonly timeouts: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Seconds from the last bulk create's 201 until its last port is answered (undefined: not within 120 s). */
  readonly settleS: number | undefined;
}

export interface ChurnResult {
  readonly target: number;
  readonly achieved: number;
  readonly lagP50: number;
  readonly lagMax: number;
  readonly lagTimeouts: number;
}

export interface MemoryResult {
  readonly agentMiB: number;
  readonly dnsmasqMiB: number;
  readonly dnsmasqCount: number;
}

export interface ResyncResult {
  readonly networks: number;
  /** Seconds from the kill -9 until every network answered. */
  readonly allAnsweredS: number;
  /** Seconds from the new process's start (its exec) until every network answered: issue 17's figure. */
  readonly allAnsweredFromStartS: number;
  /** CPU time (ms, all threads) the new process had used when the last network answered. */
  readonly cpuMsAtLastAnswer: number | undefined;
  readonly resyncLogS: number;
  /** Read with every network served, before the kill (the process has the whole build-up behind it). */
  readonly before: MemoryResult;
  /** Read once every network answered after the restart (what a restarted agent holds). */
  readonly after: MemoryResult;
}

export type Progress = (text: string) => void;

const PROBE_INTERVAL_MS = 2;
const PROBE_TIMEOUT_MS = 5_000;
const WARM_UP_SAMPLES = 5;

/**
 * Propagation (issue 4): one /16 network; for each N, bring the network to N ports (bulk creates), then
 * `samples` times: create a port with a fresh MAC, and from the 201 send a DISCOVER every 2 ms until the
 * OFFER. Each sample port stays, so N grows by `samples` per step (noted, negligible at 1,000+). Five
 * warm-up ports go first, not counted; timing starts once the agent has reported the bulk's ports ready.
 */
export async function propagation(
  agent: AgentUnderTest,
  sizes: readonly number[],
  samples: number,
  macs: { next: number },
  progress: Progress,
): Promise<PropagationResult[]> {
  const already = await agent.servingNetworks();
  const network = await agent.create('/v2.0/networks', 'network', { name: 'prop' });
  const networkId = String(network['id']);
  await agent.create('/v2.0/subnets', 'subnet', {
    network_id: networkId,
    ip_version: 4,
    cidr: '10.77.0.0/16',
    gateway_ip: '10.77.0.1',
  });
  await agent.waitServing(already + 1, 60_000);
  const [device] = await agent.plugClients([networkId]);
  const prober = await DiscoverProber.open(agent.client.name, device ?? 'e0');
  const results: PropagationResult[] = [];
  let present = 0;
  try {
    // Warm-up, not counted: the first port events after start run through code the JIT has not compiled
    // yet (the first samples at 10 ports were the slowest of the whole run).
    for (let i = 0; i < WARM_UP_SAMPLES; i++) {
      const mac = macFor(macs.next++);
      await agent.create('/v2.0/ports', 'port', { network_id: networkId, mac_address: mac });
      await prober.untilOffer(mac, PROBE_INTERVAL_MS, PROBE_TIMEOUT_MS);
      present++;
    }
    for (const size of sizes) {
      if (size > present) {
        const batch = Array.from({ length: size - present }, () => macFor(macs.next++));
        await agent.createPorts(networkId, batch);
        present = size;
      }
      // Let the agent apply the bulk before timing (bounded: the last bulk MAC answers, or 120 s pass).
      const bulkDone = performance.now();
      const settled = await prober.untilOffer(macFor(macs.next - 1), 20, 120_000);
      const settleS = settled === undefined ? undefined : (settled - bulkDone) / 1000;
      // The server marks the bulk's ports ACTIVE as the agent reports them (a backlog of seconds at
      // 10,000): in all-in-one that work shares the agent's event loop, so timing starts once it is done.
      await agent.waitPortsReported(120_000);
      const latencies: number[] = [];
      const stamps: string[] = [];
      let timeouts = 0;
      for (let i = 0; i < samples; i++) {
        const mac = macFor(macs.next++);
        await agent.create('/v2.0/ports', 'port', { network_id: networkId, mac_address: mac });
        const created = performance.now();
        const offered = await prober.untilOffer(mac, PROBE_INTERVAL_MS, PROBE_TIMEOUT_MS);
        if (offered === undefined) timeouts++;
        else {
          latencies.push(offered - created);
          stamps.push(new Date(Date.now() - (performance.now() - created)).toISOString().slice(11, 23));
        }
        present++;
      }
      const worst = latencies
        .map((ms, index) => ({ ms, index }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 5)
        .map(({ ms, index }) => `${ms.toFixed(0)} at ${stamps[index]}`);
      progress(
        `propagation at ${size} ports: worst samples (ms) ${worst.join(', ')}; bulk answered after ${settleS?.toFixed(1) ?? '> 120'} s, ` +
          `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ` +
          `${timeouts} timeouts`,
      );
      results.push({
        existing: size,
        samples,
        timeouts,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies.length === 0 ? Number.NaN : Math.max(...latencies),
        settleS,
      });
    }
  } finally {
    prober.close();
  }
  return results;
}

/**
 * Churn: create+delete pairs started at `rate`/s for `seconds` (16 in flight at most) on a fresh network.
 * Every 20th pair probes its port between create and delete: 201 → OFFER is the agent's lag under load.
 */
export async function churn(
  agent: AgentUnderTest,
  rates: readonly number[],
  seconds: number,
  macs: { next: number },
): Promise<ChurnResult[]> {
  const already = await agent.servingNetworks();
  const network = await agent.create('/v2.0/networks', 'network', { name: 'churn' });
  const networkId = String(network['id']);
  await agent.create('/v2.0/subnets', 'subnet', {
    network_id: networkId,
    ip_version: 4,
    cidr: '10.78.0.0/16',
    gateway_ip: '10.78.0.1',
  });
  await agent.waitServing(already + 1, 60_000);
  const [device] = await agent.plugClients([networkId]);
  const prober = await DiscoverProber.open(agent.client.name, device ?? 'e0');
  const results: ChurnResult[] = [];
  try {
    for (const rate of rates) {
      const total = rate * seconds;
      const lags: number[] = [];
      let lagTimeouts = 0;
      let done = 0;
      let next = 0;
      const started = performance.now();
      const pair = async (index: number): Promise<void> => {
        const mac = macFor(macs.next++);
        const port = await agent.create('/v2.0/ports', 'port', { network_id: networkId, mac_address: mac });
        if (index % 20 === 0) {
          const created = performance.now();
          const offered = await prober.untilOffer(mac, PROBE_INTERVAL_MS, PROBE_TIMEOUT_MS);
          if (offered === undefined) lagTimeouts++;
          else lags.push(offered - created);
        }
        await agent.api('DELETE', `/v2.0/ports/${String(port['id'])}`);
        done++;
      };
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < total) {
            const index = next++;
            const due = started + (index * 1000) / rate;
            const wait = due - performance.now();
            if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
            await pair(index);
          }
        }),
      );
      const elapsed = (performance.now() - started) / 1000;
      results.push({
        target: rate,
        achieved: done / elapsed,
        lagP50: percentile(lags, 50),
        lagMax: lags.length === 0 ? Number.NaN : Math.max(...lags),
        lagTimeouts,
      });
    }
  } finally {
    prober.close();
  }
  return results;
}

/**
 * Resync: `count` networks × 20 ports (plus the earlier two), served; memory read; kill -9 of all-in-one
 * and restart; time from the restart until every network answers a DISCOVER for one of its ports (one veth
 * per network, probed from the restart on), and until the agent logs its first full resync.
 */
export async function resync(
  agent: AgentUnderTest,
  count: number,
  macs: { next: number },
  progress: Progress,
  probeIntervalMs = 50,
): Promise<ResyncResult> {
  const already = await agent.servingNetworks();
  const ids: string[] = [];
  const probeMacs: string[] = [];
  for (let i = 0; i < count; i++) {
    const network = await agent.create('/v2.0/networks', 'network', { name: `rs-${i}` });
    const id = String(network['id']);
    await agent.create('/v2.0/subnets', 'subnet', {
      network_id: id,
      ip_version: 4,
      cidr: `10.${100 + Math.floor(i / 250)}.${i % 250}.0/24`,
      gateway_ip: `10.${100 + Math.floor(i / 250)}.${i % 250}.1`,
    });
    const portMacs = Array.from({ length: 20 }, () => macFor(macs.next++));
    await agent.createPorts(id, portMacs);
    ids.push(id);
    probeMacs.push(portMacs[19] ?? '');
    if ((i + 1) % 100 === 0) progress(`resync: ${i + 1}/${count} networks created`);
  }
  await agent.waitServing(already + count, 30 * 60_000);
  progress(`resync: ${already + count} networks served`);
  const devices = await agent.plugClients(ids);
  const probers = await Promise.all(devices.map((device) => DiscoverProber.open(agent.client.name, device)));
  try {
    // Everything answers before the kill (and the tables are complete), so memory is read at full size.
    await Promise.all(probers.map((prober, i) => prober.untilOffer(probeMacs[i] ?? '', 100, 120_000)));
    const before = await agent.memory();
    progress(`resync: VmRSS ${before.agentMiB.toFixed(0)} MiB; kill -9`);
    // The restarted agent logs its loop delay (agent.loop_delay): the timeline's stalls come from it.
    process.env['QDHCP_LOOP_DELAY_LOG_MS'] ??= '100';
    await agent.kill();
    const restarted = performance.now();
    // The bench's own loop delay across the restart: a late OFFER may be the prober's lateness, not the agent's.
    const benchLoop = monitorEventLoopDelay({ resolution: 10 });
    benchLoop.enable();
    const launched = agent.launch();
    // Probed from the restart on, not from the "agent started" line (in all-in-one that line comes once the
    // server is up, after the restore: issue 17, the served-state snapshot answers before it). dnsmasq
    // processes outlive a kill -9 of the agent and answer throughout. The process's CPU is read as the
    // last network answers (issue 17's target is on a loaded machine compared by CPU as much as by time).
    let pending = probers.length;
    let cpuMsAtLast: number | undefined;
    const answering = Promise.all(
      probers.map((prober, i) =>
        prober.untilOffer(probeMacs[i] ?? '', probeIntervalMs, 10 * 60_000).then((at) => {
          if (--pending === 0) cpuMsAtLast = agent.processClock()?.cpuMs;
          return at;
        }),
      ),
    );
    await launched;
    const line = await agent.waitForResyncLog(10 * 60_000);
    const resyncLogS = (performance.now() - restarted) / 1000;
    const answered = await answering;
    benchLoop.disable();
    const last = Math.max(...answered.map((at) => (at === undefined ? Number.NaN : at)));
    const startedAt = agent.processStartedAt;
    // performance.now() of the last answer on the Date.now() clock the process start is on.
    const lastWall = Date.now() - (performance.now() - last);
    const fromStartS = startedAt === undefined ? Number.NaN : (lastWall - startedAt) / 1000;
    // When each network first answered (s from the kill): the spread says whether they came together.
    const sorted = answered.map((at) => ((at ?? Number.NaN) - restarted) / 1000).sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]?.toFixed(2);
    progress(
      `resync: first OFFER per network, s after the kill: min ${q(0)} p50 ${q(0.5)} p90 ${q(0.9)} max ${q(1)}; ` +
        `the new process started ${startedAt === undefined ? '?' : ((startedAt - (Date.now() - (performance.now() - restarted))) / 1000).toFixed(2)} s after the kill`,
    );
    progress(
      `resync: every network answered ${fromStartS.toFixed(2)} s after the new process started; its CPU by then ${cpuMsAtLast ?? '?'} ms (load ${loadAverage()})`,
    );
    progress(
      `resync: bench loop delay max ${(benchLoop.max / 1e6).toFixed(0)} ms, p99 ${(benchLoop.percentile(99) / 1e6).toFixed(0)} ms (probe every ${probeIntervalMs} ms)`,
    );
    const phases = /"ms":\d+.*?(?=,"msg")/.exec(line)?.[0] ?? line;
    progress(`resync: "full resync done" after ${resyncLogS.toFixed(1)} s (${phases})`);
    // The log is complete for the restore and the sync a moment after the sync's line (pino buffers ≤ 1 s).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    if (startedAt !== undefined)
      progress(`resync timeline, ${describeTimeline(restartTimeline(agent.log, startedAt), fromStartS)}`);
    const after = await agent.memory();
    progress(`resync: every network answered after ${((last - restarted) / 1000).toFixed(1)} s`);
    return {
      networks: count,
      allAnsweredS: (last - restarted) / 1000,
      allAnsweredFromStartS: fromStartS,
      cpuMsAtLastAnswer: cpuMsAtLast,
      resyncLogS,
      before,
      after,
    };
  } finally {
    for (const prober of probers) prober.close();
  }
}

function loadAverage(): string {
  return loadavg()
    .map((load) => load.toFixed(1))
    .join(' ');
}
