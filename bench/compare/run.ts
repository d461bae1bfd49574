import { resolve } from 'node:path';
import { agentDhcp } from './agent-dhcp.js';
import { Cleanup } from './cleanup.js';
import { busiestProcesses, load1, loadAverage } from './machine.js';
import type { DoraLoad } from './perfdhcp.js';
import { ResyncBed } from './resync-bed.js';
import { serveDoraCost } from './serve-dhcp.js';
import { fmt, type Measure, type Side, table } from './table.js';

/**
 * Issue 11's "no regression" gate: `node dist/bench/compare/run.js --old DIR --new DIR [--runs 3] [--quick]
 * [--only serve,agent,resync] [--networks N] [--ports N] [--prefix-file F]` (bench/compare/run.sh builds this checkout and calls it).
 * Each scenario runs old and new alternately (old, new, old, new…) so machine noise spreads over both, on
 * each side's own build (DIR/bin/qdhcp, DIR/dist); this checkout only holds the harness. Prints a markdown
 * table of medians and ratios with the load and what else ran.
 */
const flag = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
};
const quick = process.argv.includes('--quick');
const OLD_DIR = resolve(flag('--old') ?? '');
const NEW_DIR = resolve(flag('--new') ?? '');
const RUNS = Number(flag('--runs') ?? 3);
const ONLY = new Set((flag('--only') ?? 'serve,agent,resync').split(','));
const cleanup = new Cleanup(flag('--prefix-file'));

/** Sizes: the full compare (3 × 2 runs of everything) fits in about 25 minutes on the 2-core test machine. */
const SIZES = {
  serve: { clients: 1000, rate: 1000, windows: quick ? 3 : 5, secondsPerWindow: 2 },
  agent: {
    ports: 1000,
    clients: 1000,
    samples: quick ? 100 : 500,
    rate: 1000,
    windows: quick ? 3 : 5,
    secondsPerWindow: 2,
  },
  resync: {
    networks: Number(flag('--networks') ?? (quick ? 200 : 1000)),
    // `--ports 20`: bench/agent's resync shape (issue 17's figures); 5 keeps the gate's set-up short.
    portsPerNetwork: Number(flag('--ports') ?? 5),
  },
} as const;

const log = (text: string): void => {
  process.stderr.write(`[compare ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
};
const dirOf = (side: Side): string => (side === 'old' ? OLD_DIR : NEW_DIR);

const windows = (load: DoraLoad): string =>
  `lowest of ${load.windows} ${load.secondsPerWindow}-s windows at ${load.rate}/s`;

function measure(name: string, unit: string, gated: boolean): Measure {
  return { name, unit, gated, values: { old: [], new: [] } };
}
const m = {
  serveCpu: measure(
    `qdhcp serve: CPU per DORA, ${SIZES.serve.clients} hosts, ${windows(SIZES.serve)}`,
    'µs',
    true,
  ),
  serveRate: measure(`qdhcp serve: DORA/s done at ${SIZES.serve.rate}/s offered`, '/s, context', false),
  builtinCpu: measure(
    `builtin driver: all-in-one CPU per DORA, ${SIZES.agent.ports} ports, ${windows(SIZES.agent)}`,
    'µs',
    true,
  ),
  builtinRate: measure(`builtin driver: DORA/s done at ${SIZES.agent.rate}/s offered`, '/s, context', false),
  propagationP99: measure(
    `propagation p99, ${SIZES.agent.ports} ports, ${SIZES.agent.samples} samples`,
    'ms',
    true,
  ),
  propagationP50: measure('propagation p50', 'ms', false),
  resync: measure(
    `resync: kill -9 → every network answered, ${SIZES.resync.networks} networks × ${SIZES.resync.portsPerNetwork} ports`,
    's',
    true,
  ),
  resyncFromStart: measure(
    'resync: new process start → every network answered (issue 17: ≤ 2 s at 1,000 networks)',
    's',
    false,
  ),
  resyncCpu: measure('resync: CPU of the new process when every network answered', 'ms', false),
  resyncLog: measure('resync: kill -9 → "full resync done"', 's', false),
  memory: measure(
    `agent memory: all-in-one VmRSS after the resync, ${SIZES.resync.networks} networks`,
    'MiB',
    true,
  ),
};

/**
 * Runs `work` for old and new `RUNS` times each, alternately (old, new, old, new…) or every old run first,
 * logging what each run measured (so a long compare shows its figures as it goes); a failed run is logged
 * and left out.
 */
async function alternate(
  scenario: string,
  work: (side: Side) => Promise<string>,
  order: 'alternating' | 'old-first' = 'alternating',
): Promise<void> {
  const sides: Side[] = ['old', 'new'];
  const plan =
    order === 'alternating'
      ? Array.from({ length: RUNS }, (_, i) => sides.map((side) => ({ run: i + 1, side }))).flat()
      : sides.flatMap((side) => Array.from({ length: RUNS }, (_, i) => ({ run: i + 1, side })));
  for (const { run, side } of plan) {
    const started = performance.now();
    const load = load1().toFixed(1);
    try {
      const figures = await work(side);
      const seconds = ((performance.now() - started) / 1000).toFixed(0);
      log(`${scenario} ${side} run ${run}: ${figures}; ${seconds} s, load1 ${load} at start`);
    } catch (error) {
      log(`${scenario} ${side} run ${run} FAILED: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

async function serveScenario(): Promise<void> {
  await alternate('serve', async (side) => {
    const cost = await serveDoraCost(dirOf(side), { ...SIZES.serve, cleanup });
    m.serveCpu.values[side].push(cost.cpuMicrosPerDora);
    m.serveRate.values[side].push(cost.achieved);
    return `${fmt(cost.cpuMicrosPerDora)} µs/DORA at ${fmt(cost.achieved)} DORA/s`;
  });
}

async function agentScenario(): Promise<void> {
  await alternate('agent', async (side) => {
    const result = await agentDhcp(dirOf(side), { ...SIZES.agent, cleanup, progress: log });
    m.builtinCpu.values[side].push(result.dora.cpuMicrosPerDora);
    m.builtinRate.values[side].push(result.dora.achieved);
    m.propagationP99.values[side].push(result.propagation.p99);
    m.propagationP50.values[side].push(result.propagation.p50);
    const { dora, propagation } = result;
    return `${fmt(dora.cpuMicrosPerDora)} µs/DORA at ${fmt(dora.achieved)} DORA/s, propagation p99 ${fmt(propagation.p99)} ms`;
  });
}

async function resyncScenario(): Promise<void> {
  const bed = await ResyncBed.build(OLD_DIR, { ...SIZES.resync, cleanup, progress: log });
  try {
    // Not timed: the first restart after the build-up ran slowest in the validation runs (caches, the
    // build-up's leftovers); from here every timed run starts from a state a previous restart left.
    const warm = await bed.run(OLD_DIR);
    log(`resync warm-up restart (not counted): every network answered after ${fmt(warm.allAnsweredS)} s`);
    await alternate(
      'resync',
      async (side) => {
        const run = await bed.run(dirOf(side));
        m.resync.values[side].push(run.allAnsweredS);
        m.resyncLog.values[side].push(run.resyncLogS);
        m.resyncFromStart.values[side].push(run.allAnsweredFromStartS);
        m.resyncCpu.values[side].push(run.cpuMsAtLastAnswer);
        log(`resync ${side}: ${run.timeline}`);
        m.memory.values[side].push(run.memoryMiB);
        return `every network answered after ${fmt(run.allAnsweredS)} s (${fmt(run.allAnsweredFromStartS)} s after the process started, CPU ${fmt(run.cpuMsAtLastAnswer)} ms), VmRSS ${fmt(run.memoryMiB)} MiB`;
        // Old first: a newer build migrates the shared database forward (issue 12 added migrations 0004 and
        // 0005), and an older one refuses a schema it does not know, so the old runs cannot follow a new one.
      },
      'old-first',
    );
  } finally {
    await cleanup.release(bed);
  }
}

async function main(): Promise<void> {
  if (flag('--old') === undefined || flag('--new') === undefined) throw new Error('need --old DIR --new DIR');
  const started = new Date();
  const loadAtStart = loadAverage();
  const busyAtStart = await busiestProcesses();
  // Ctrl-C reaches us and the wrapper's TERM follows: the second signal must not cut the first teardown short.
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    log('interrupted: stopping what runs (the wrapper then removes what is left under our prefixes)');
    void cleanup.all().finally(() => process.exit(130));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const loads = [load1()];
  const sampler = setInterval(() => loads.push(load1()), 10_000);
  try {
    if (ONLY.has('serve')) await serveScenario();
    if (ONLY.has('agent')) await agentScenario();
    if (ONLY.has('resync')) await resyncScenario();
  } finally {
    clearInterval(sampler);
  }
  const busyAtEnd = await busiestProcesses();
  const minutes = ((Date.now() - started.getTime()) / 60_000).toFixed(0);
  const shown = Object.values(m).filter((row) => row.values.old.length + row.values.new.length > 0);
  process.stdout.write(
    [
      `Old: ${OLD_DIR}; new: ${NEW_DIR}. ${RUNS} runs each, alternating old/new${quick ? ', --quick' : ''}.`,
      `Run of ${started.toISOString().slice(0, 16)} UTC, ${minutes} min; load average at start ${loadAtStart}, ` +
        `at end ${loadAverage()}; 1-min load during the run ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}.`,
      '',
      table(shown),
      '',
      'Gated rows in bold: lower is better, pass when new/old ≤ 1.10. Runs: each run in order, ± half the',
      "range relative to the median (the noise that side's figure carries).",
      '',
      `Busiest processes over 2 s at the start: ${busyAtStart.join('; ')}`,
      `Busiest processes over 2 s at the end: ${busyAtEnd.join('; ')}`,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `compare failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
