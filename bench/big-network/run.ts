import { resolve } from 'node:path';
import { AgentUnderTest } from '../agent/agent-under-test.js';
import { Cleanup } from '../compare/cleanup.js';
import { busiestProcesses, load1, loadAverage, preciseCpuSeconds, rssMiB } from '../compare/machine.js';

/**
 * Issue 17, item 7: `node dist/bench/big-network/run.js [--old DIR] [--new DIR] [--ports 60000] [--batch 1000]
 * [--idle 30] [--prefix-file F]` (bench/big-network/run.sh builds this checkout and calls it). For each side
 * (new first, then old), a fresh `qdhcp all-in-one` of that checkout (SQLite, builtin driver, one agent), one
 * network with a /16 subnet, filled by bulk creates of `--batch` ports up to `--ports`. Per batch: the POST's
 * wall time, the time until the agent has reported the batch's last port ready (ACTIVE), the all-in-one CPU
 * over both, VmRSS after; at the end VmRSS after `--idle` seconds without requests. Prints a markdown table.
 */
const flag = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
};
const PORTS = Number(flag('--ports') ?? 60_000);
const BATCH = Number(flag('--batch') ?? 1_000);
const IDLE_S = Number(flag('--idle') ?? 30);
const cleanup = new Cleanup(flag('--prefix-file'));
// New first: on a busy machine the new side's figures (the targets) are in before the slower old fill.
const sides: { side: string; dir: string }[] = [
  { side: 'new', dir: resolve(flag('--new') ?? '.') },
  ...(flag('--old') === undefined ? [] : [{ side: 'old', dir: resolve(flag('--old') ?? '') }]),
];

const log = (text: string): void => {
  process.stderr.write(`[big-network ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
};

interface Batch {
  /** Ports on the network before this batch. */
  readonly existing: number;
  readonly postS: number;
  /** 201 → the batch's last port ACTIVE (the agent served it and reported it). */
  readonly settleS: number;
  /** All-in-one CPU seconds of the POST (request to 201). */
  readonly postCpuS: number;
  /** All-in-one CPU seconds from the POST until the batch settled. */
  readonly cpuS: number;
  readonly rssMiB: number;
}

interface Fill {
  readonly batches: Batch[];
  readonly peakRssMiB: number;
  readonly endRssMiB: number;
  readonly idleRssMiB: number;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function waitActive(agent: AgentUnderTest, portId: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reply = await agent.api('GET', `/v2.0/ports/${portId}?fields=status`);
    if ((reply.body['port'] as { status?: string } | undefined)?.status === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`port ${portId} not ACTIVE after ${timeoutMs} ms`);
    await sleep(20);
  }
}

async function fill(dir: string, side: string): Promise<Fill> {
  const agent = await AgentUnderTest.start('builtin', { qdhcpDir: dir, tag: 'bn' });
  cleanup.prefix(agent.bed.namespacePrefix);
  cleanup.track(agent);
  try {
    const network = await agent.create('/v2.0/networks', 'network', { name: 'big' });
    const networkId = String(network['id']);
    await agent.create('/v2.0/subnets', 'subnet', {
      network_id: networkId,
      ip_version: 4,
      cidr: '10.90.0.0/16',
    });
    await agent.waitServing(1, 60_000);
    const batches: Batch[] = [];
    let peak = rssMiB(agent.pid);
    for (let existing = 0; existing < PORTS; existing += BATCH) {
      const count = Math.min(BATCH, PORTS - existing);
      const ports = Array.from({ length: count }, () => ({
        network_id: networkId,
        device_owner: 'compute:nova',
      }));
      const cpu0 = preciseCpuSeconds(agent.pid);
      const t0 = performance.now();
      const reply = await agent.api('POST', '/v2.0/ports', { ports });
      const postS = (performance.now() - t0) / 1000;
      const postCpuS = preciseCpuSeconds(agent.pid) - cpu0;
      if (reply.status !== 201) throw new Error(`bulk create: ${reply.status} ${JSON.stringify(reply.body)}`);
      const created = reply.body['ports'] as { id: string }[];
      await waitActive(agent, created.at(-1)?.id ?? '', 300_000);
      const settleS = (performance.now() - t0) / 1000 - postS;
      const cpuS = preciseCpuSeconds(agent.pid) - cpu0;
      const rss = rssMiB(agent.pid);
      peak = Math.max(peak, rss);
      batches.push({ existing, postS, settleS, postCpuS, cpuS, rssMiB: rss });
      if ((existing / BATCH) % 5 === 0 || existing + count >= PORTS) {
        log(
          `${side}: ${existing + count} ports; last batch POST ${postS.toFixed(2)} s (CPU ${postCpuS.toFixed(2)} s), settled +${settleS.toFixed(2)} s, ` +
            `CPU ${cpuS.toFixed(2)} s, VmRSS ${rss.toFixed(0)} MiB, load1 ${load1().toFixed(1)}`,
        );
      }
    }
    const endRssMiB = rssMiB(agent.pid);
    log(`${side}: filled; VmRSS ${endRssMiB.toFixed(0)} MiB; idling ${IDLE_S} s`);
    // Idle: only the agent's own timers (heartbeat, report interval) run; V8 shrinks its heap when idle.
    for (let waited = 0; waited < IDLE_S; waited += 1) {
      await sleep(1000);
      peak = Math.max(peak, rssMiB(agent.pid));
    }
    const idleRssMiB = rssMiB(agent.pid);
    return { batches, peakRssMiB: Math.max(peak, endRssMiB), endRssMiB, idleRssMiB };
  } finally {
    await cleanup.release(agent);
  }
}

const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '–');
const f0 = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : '–');
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || !(a > 0) ? '–' : (b / a).toFixed(2);

/** Rows every `step` batches (and the last): each side's POST, its CPU, settle, CPU and RSS, with new/old ratios. */
function report(fills: Map<string, Fill>): string {
  const old = fills.get('old');
  const now = fills.get('new');
  const both = old !== undefined;
  const rows: string[] = [];
  const cols = ['POST s', 'POST CPU s', 'settle s', 'batch CPU s', 'VmRSS MiB'];
  const head = both ? cols.flatMap((c) => [`old ${c}`, `new ${c}`, 'new/old']) : cols.map((c) => `new ${c}`);
  rows.push(`| ports before batch | ${head.join(' | ')} |`);
  rows.push(`|---:|${head.map(() => '---:').join('|')}|`);
  const batches = now?.batches ?? [];
  const step = Math.max(1, Math.round(batches.length / 12));
  const fields: (keyof Batch)[] = ['postS', 'postCpuS', 'settleS', 'cpuS', 'rssMiB'];
  batches.forEach((b, i) => {
    if (i % step !== 0 && i !== batches.length - 1) return;
    const o = old?.batches[i];
    const cells = fields.flatMap((field) => {
      const digits = field === 'rssMiB' ? f0 : f2;
      return both
        ? [digits(o?.[field] ?? Number.NaN), digits(b[field]), ratio(o?.[field], b[field])]
        : [digits(b[field])];
    });
    rows.push(`| ${b.existing} | ${cells.join(' | ')} |`);
  });
  const summary = (fill: Fill | undefined) =>
    fill === undefined
      ? undefined
      : {
          maxPost: Math.max(...fill.batches.map((b) => b.postS)),
          maxPostCpu: Math.max(...fill.batches.map((b) => b.postCpuS)),
          maxSettle: Math.max(...fill.batches.map((b) => b.postS + b.settleS)),
          cpu: fill.batches.reduce((sum, b) => sum + b.cpuS, 0),
          peak: fill.peakRssMiB,
          end: fill.endRssMiB,
          idle: fill.idleRssMiB,
        };
  const o = summary(old);
  const n = summary(now);
  const line = (name: string, key: keyof NonNullable<typeof n>, digits: (x: number) => string) =>
    `| ${name} | ${o === undefined ? '–' : digits(o[key])} | ${n === undefined ? '–' : digits(n[key])} | ${ratio(o?.[key], n?.[key])} |`;
  return [
    rows.join('\n'),
    '',
    '| summary | old | new | new/old |',
    '|---|---:|---:|---:|',
    line(`slowest bulk POST of ${BATCH} (s; target ≤ 2)`, 'maxPost', f2),
    line(`most CPU of one bulk POST of ${BATCH} (s)`, 'maxPostCpu', f2),
    line('slowest POST + settle (s)', 'maxSettle', f2),
    line('all-in-one CPU over the whole fill (s)', 'cpu', f2),
    line('peak VmRSS during the fill (MiB)', 'peak', f0),
    line(`VmRSS at ${PORTS} ports (MiB; target ≤ 500)`, 'end', f0),
    line(`VmRSS after ${IDLE_S} s idle (MiB; target ≤ 500)`, 'idle', f0),
  ].join('\n');
}

async function main(): Promise<void> {
  const started = new Date();
  const loadAtStart = loadAverage();
  const busyAtStart = await busiestProcesses();
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    log('interrupted: stopping what runs');
    void cleanup.all().finally(() => process.exit(130));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const fills = new Map<string, Fill>();
  for (const { side, dir } of sides) {
    log(`${side}: ${dir}, ${PORTS} ports in batches of ${BATCH}`);
    fills.set(side, await fill(dir, side));
  }
  const busyAtEnd = await busiestProcesses();
  const minutes = ((Date.now() - started.getTime()) / 60_000).toFixed(0);
  process.stdout.write(
    [
      `${sides.map((s) => `${s.side}: ${s.dir}`).join('; ')}. One /16 network, ${PORTS} ports in bulk creates of ${BATCH}.`,
      `Run of ${started.toISOString().slice(0, 16)} UTC, ${minutes} min; load average at start ${loadAtStart}, at end ${loadAverage()}.`,
      '',
      report(fills),
      '',
      `Busiest processes over 2 s at the start: ${busyAtStart.join('; ')}`,
      `Busiest processes over 2 s at the end: ${busyAtEnd.join('; ')}`,
      '',
    ].join('\n'),
  );
}

main().catch(async (error: unknown) => {
  console.error(error);
  await cleanup.all();
  process.exitCode = 1;
});
