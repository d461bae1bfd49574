import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Cleanup } from './cleanup.js';
import {
  type ServerKind,
  type Side,
  startBuiltin,
  startServer,
  type Window,
  window,
} from './dhcp-loop-sides.js';
import { busiestProcesses, loadAverage } from './machine.js';

/**
 * Issue 17, item 3 (docs/performance.md "Issue 17, item 3: the DHCP packet loop"), side by side in one run:
 *
 *   node dist/bench/compare/dhcp-loop.js --old DIR --new DIR [--runs 5] [--seconds 10] [--only cpu,agent,rate]
 *
 * - cpu: server CPU per DORA at 1,000/s offered with 100 hosts (perfdhcp relayed, as bench/compare's serve
 *   scenario) for dnsmasq as Neutron runs it and `qdhcp serve` of OLD and NEW;
 * - agent: the same for the builtin driver inside all-in-one (OLD and NEW), 100 ports on one network.
 *   Every side of cpu and agent is started first and warmed up (3 s); then `runs` rounds, each one window of
 *   `seconds` per side, the order rotated by one side per round: a change of the machine's load within the
 *   run weighs on every side alike, and each round gives a ratio of windows minutes apart at most. Printed:
 *   each side's median window, its spread, user/system CPU and wake-ups per DORA, perfdhcp's own CPU and its
 *   delays (what the DHCP sockets' hold costs a client: native/netns/src/udp-batch.c); then
 *   the ratios per round (NEW/dnsmasq, NEW/OLD) with their median and spread;
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
const RUNS = Number(flag('--runs') ?? 5);
const SECONDS = Number(flag('--seconds') ?? 10);
const ONLY = new Set((flag('--only') ?? 'cpu,agent,rate').split(','));
const RATE = 1000;
const cleanup = new Cleanup(flag('--prefix-file'));
const log = (text: string): void => {
  process.stderr.write(`[dhcp-loop ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const spread = (values: readonly number[], digits: number): string =>
  `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;

function cpuRow(name: string, windows: readonly Window[]): string {
  const server = windows.map((w) => w.serverMicros);
  const of = (pick: (w: Window) => number, digits = 0): string => median(windows.map(pick)).toFixed(digits);
  return `| ${name} | ${median(server).toFixed(0)} | ${spread(server, 0)} | ${server
    .map((v) => v.toFixed(0))
    .join(', ')} | ${of((w) => w.userMicros)} / ${of((w) => w.systemMicros)} | ${of(
    (w) => w.wakeUps,
    2,
  )} | ${of((w) => w.perfdhcpMicros)} | ${of((w) => w.achieved)} | ${of(
    (w) => w.averageDelayMs.discoverOffer,
    2,
  )} / ${of((w) => w.averageDelayMs.requestAck, 2)} | ${of((w) => w.maxDelayMs, 1)} |`;
}

/** Ratios of two sides' windows of the same round: median, spread, every round. */
function ratioRow(name: string, top: readonly Window[], bottom: readonly Window[]): string {
  const ratios = top.map((w, i) => w.serverMicros / (bottom[i]?.serverMicros ?? Number.NaN));
  return `| ${name} | ${median(ratios).toFixed(2)} | ${spread(ratios, 2)} | ${ratios
    .map((r) => r.toFixed(2))
    .join(', ')} |`;
}

/** Starts the sides asked for (each released by the caller), in the order their rows are printed. */
async function startSides(): Promise<Side[]> {
  const sides: Side[] = [];
  if (ONLY.has('cpu')) {
    for (const kind of ['dnsmasq', 'serve-old', 'serve-new'] as const) {
      log(`start: ${kind}`);
      sides.push(await startServer(kind, kind === 'serve-old' ? OLD_DIR : NEW_DIR, 100, cleanup));
    }
  }
  if (ONLY.has('agent')) {
    for (const [name, dir] of [
      ['builtin-old', OLD_DIR],
      ['builtin-new', NEW_DIR],
    ] as const) {
      log(`start: ${name}`);
      sides.push(await startBuiltin(name, dir, cleanup, log));
    }
  }
  return sides;
}

/** Warm-up, then RUNS rounds of one window per side in rotated order; every window of every side. */
async function cpuRounds(sides: readonly Side[]): Promise<Map<string, Window[]>> {
  const windows = new Map<string, Window[]>(sides.map((side) => [side.name, []]));
  for (const side of sides) {
    log(`warm-up: ${side.name}`);
    await window(side, RATE, 3);
  }
  for (let round = 0; round < RUNS; round++) {
    log(`round ${round + 1} of ${RUNS}, load ${loadAverage()}`);
    for (let i = 0; i < sides.length; i++) {
      const side = sides[(round + i) % sides.length];
      if (side !== undefined) windows.get(side.name)?.push(await window(side, RATE, SECONDS));
    }
  }
  return windows;
}

async function cpuAndAgent(): Promise<void> {
  // A side that fails to start leaves the others to main's cleanup.all().
  const sides = await startSides();
  try {
    const windows = await cpuRounds(sides);
    console.log(
      `| server, ${RATE}/s offered, ${RUNS} rounds × ${SECONDS}-s windows | server CPU µs/DORA, median | spread | windows, by round | user / system µs/DORA | wake-ups/DORA | perfdhcp CPU µs/DORA | DORA/s done | avg delay ms, DO / RA | max delay ms |`,
    );
    console.log('|---|---:|---|---|---|---:|---:|---:|---|---:|');
    for (const side of sides) console.log(cpuRow(side.name, windows.get(side.name) ?? []));
    const pairs: [string, string][] = [
      ['serve-new', 'dnsmasq'],
      ['serve-old', 'dnsmasq'],
      ['serve-new', 'serve-old'],
      ['builtin-new', 'dnsmasq'],
      ['builtin-old', 'dnsmasq'],
      ['builtin-new', 'builtin-old'],
    ];
    console.log('\n| ratio of server CPU per DORA, same round | median | spread | by round |');
    console.log('|---|---:|---|---|');
    for (const [top, bottom] of pairs) {
      const a = windows.get(top);
      const b = windows.get(bottom);
      if (a !== undefined && b !== undefined) console.log(ratioRow(`${top} / ${bottom}`, a, b));
    }
  } finally {
    for (const side of sides) await side.release();
  }
}

/** Highest ladder step with ≤ 1 % failed exchanges (5-s steps; two failed steps end the ladder). */
async function sustained(kind: ServerKind, steps: readonly number[]): Promise<string> {
  const side = await startServer(kind, kind === 'serve-old' ? OLD_DIR : NEW_DIR, 10_000, cleanup);
  try {
    await window(side, steps[0] ?? 100, 3);
    let best = 0;
    let failures = 0;
    const seen: string[] = [];
    for (const rate of steps) {
      const w = await window(side, rate, 5);
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
  } finally {
    await side.release();
  }
}

async function main(): Promise<void> {
  const started = new Date();
  console.log(`Run of ${started.toISOString().slice(0, 16)} UTC, load average at start ${loadAverage()}`);
  console.log(`Busiest processes at start: ${(await busiestProcesses()).join('; ')}\n`);
  if (ONLY.has('cpu') || ONLY.has('agent')) await cpuAndAgent();
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
