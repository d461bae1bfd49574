import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { AgentUnderTest, type Driver } from './agent-under-test.js';
import {
  type ChurnResult,
  churn,
  type PropagationResult,
  propagation,
  type ResyncResult,
  resync,
} from './scenarios.js';

/**
 * The agent benchmark of issue 4, both drivers in one run: `node dist/bench/agent/run.js [--quick]
 * [--prefix-file F]` (bench/agent/run.sh builds and calls it). Prints a markdown table with ratios.
 */
interface DriverResult {
  readonly propagation: PropagationResult[];
  readonly churn: ChurnResult[];
  readonly resync: ResyncResult | undefined;
}

const quick = process.argv.includes('--quick');
const prefixFileIndex = process.argv.indexOf('--prefix-file');
const prefixFile = prefixFileIndex === -1 ? undefined : process.argv[prefixFileIndex + 1];
/** --smoke: a seconds-long pass through every scenario, to check the harness itself. */
const smoke = process.argv.includes('--smoke');
/** `--flag VALUE` from the command line, or undefined. */
const flag = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
};
const numbers = (text: string | undefined): number[] | undefined =>
  text?.split(',').map((part) => Number(part));
const SIZES = numbers(flag('--sizes')) ?? (smoke ? [10] : [10, 1000, 10_000]);
const SAMPLES = Number(flag('--samples') ?? (smoke ? 5 : quick ? 20 : 100));
const RATES = smoke ? [100] : [100, 200, 400];
const CHURN_SECONDS = smoke ? 2 : quick ? 5 : 10;
const RESYNC_NETWORKS = Number(flag('--networks') ?? (smoke ? 5 : quick ? 200 : 1000));
/** `--only propagation,churn,resync`: a subset of the scenarios (others are reported as not run). */
const ONLY = new Set((flag('--only') ?? 'propagation,churn,resync').split(','));
/** `--drivers builtin`: one driver only (the table then shows – for the other). */
const DRIVERS = (flag('--drivers') ?? 'builtin,dnsmasq').split(',') as Driver[];
/** `--agent-args "--no-served-state"`: more all-in-one flags (issue 17: the restart without the snapshot). */
const AGENT_ARGS = (flag('--agent-args') ?? '').split(' ').filter((arg) => arg !== '');
/** `--probe-interval MS`: the resync probers' DISCOVER interval per network (default 50; issue 17 hyp. b). */
const PROBE_INTERVAL_MS = Number(flag('--probe-interval') ?? 50);

const log = (text: string): void => {
  process.stderr.write(`[agent-bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
};

/** Runs `work`, rejecting when it takes longer than `minutes` (so a full run always finishes). */
async function limited<T>(what: string, minutes: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: over its ${minutes}-minute limit`)),
      minutes * 60_000,
    );
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

async function measure(driver: Driver): Promise<DriverResult> {
  const agent = await AgentUnderTest.start(driver, { extraArgs: AGENT_ARGS });
  if (prefixFile !== undefined) writeFileSync(prefixFile, `${agent.bed.namespacePrefix}\n`, { flag: 'a' });
  const stop = (): void => {
    void agent.teardown().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const result: { -readonly [K in keyof DriverResult]: DriverResult[K] } = {
    propagation: [],
    churn: [],
    resync: undefined,
  };
  // A step that fails or overruns is reported and skipped; the next steps and the teardown still run.
  const step = async (name: string, minutes: number, work: () => Promise<void>): Promise<void> => {
    if (!ONLY.has(name)) return;
    log(`${driver}: ${name} (limit ${minutes} min)`);
    const started = performance.now();
    try {
      await limited(`${driver} ${name}`, minutes, work());
      log(`${driver}: ${name} done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    } catch (error) {
      log(`${driver}: ${name} FAILED: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  try {
    const macs = { next: 1 };
    await step('propagation', 30, async () => {
      result.propagation = await propagation(agent, SIZES, SAMPLES, macs, log);
    });
    await step('churn', 10, async () => {
      result.churn = await churn(agent, RATES, CHURN_SECONDS, macs);
    });
    await step('resync', 60, async () => {
      result.resync = await resync(agent, RESYNC_NETWORKS, macs, log, PROBE_INTERVAL_MS);
    });
    return result;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await agent.teardown();
  }
}

const ms = (v: number): string => (Number.isNaN(v) ? '–' : v.toFixed(1));
const settle = (v: number | undefined): string => (v === undefined ? '> 120 (gave up)' : v.toFixed(1));
const ratio = (a: number, b: number): string =>
  b > 0 && Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '–';

const EMPTY: DriverResult = { propagation: [], churn: [], resync: undefined };
const fixed = (v: number | undefined, digits = 1): string => (v === undefined ? '–' : v.toFixed(digits));

function table(results: Partial<Record<Driver, DriverResult>>): string {
  const b = results.builtin ?? EMPTY;
  const d = results.dnsmasq ?? EMPTY;
  const rows: string[] = [
    '| measure | builtin | dnsmasq | builtin/dnsmasq | target |',
    '|---|---:|---:|---:|---|',
  ];
  for (const size of SIZES) {
    const bp = b.propagation.find((r) => r.existing === size);
    const dp = d.propagation.find((r) => r.existing === size);
    if (bp === undefined && dp === undefined) continue;
    const timeouts = `${bp?.timeouts ?? '–'}/${dp?.timeouts ?? '–'}`;
    const note = `${bp?.samples ?? dp?.samples} samples${timeouts !== '0/0' ? `, timeouts ${timeouts}` : ''}`;
    const nan = Number.NaN;
    rows.push(
      `| propagation p50 ms, ${size} ports (${note}) | ${ms(bp?.p50 ?? nan)} | ${ms(dp?.p50 ?? nan)} | ${ratio(bp?.p50 ?? nan, dp?.p50 ?? nan)} | |`,
      `| propagation p99 ms, ${size} ports | ${ms(bp?.p99 ?? nan)} | ${ms(dp?.p99 ?? nan)} | ${ratio(bp?.p99 ?? nan, dp?.p99 ?? nan)} | ≤ 50 at 10,000, flat |`,
      `| propagation max ms, ${size} ports | ${ms(bp?.max ?? nan)} | ${ms(dp?.max ?? nan)} | ${ratio(bp?.max ?? nan, dp?.max ?? nan)} | |`,
      `| bulk to ${size} ports: last bulk port answered, s after its 201 | ${bp ? settle(bp.settleS) : '–'} | ${dp ? settle(dp.settleS) : '–'} | ${ratio(bp?.settleS ?? nan, dp?.settleS ?? nan)} | |`,
    );
  }
  for (const rate of RATES) {
    const bc = b.churn.find((r) => r.target === rate);
    const dc = d.churn.find((r) => r.target === rate);
    if (bc === undefined && dc === undefined) continue;
    const nan = Number.NaN;
    const timeouts = `${bc?.lagTimeouts ?? '–'}/${dc?.lagTimeouts ?? '–'}`;
    rows.push(
      `| churn ${rate}/s target: pairs/s done | ${fixed(bc?.achieved, 0)} | ${fixed(dc?.achieved, 0)} | ${ratio(bc?.achieved ?? nan, dc?.achieved ?? nan)} | ≥ 200/s |`,
      `| churn ${rate}/s: lag 201→OFFER p50 / max ms${timeouts !== '0/0' ? ` (timeouts ${timeouts})` : ''} | ${ms(bc?.lagP50 ?? nan)} / ${ms(bc?.lagMax ?? nan)} | ${ms(dc?.lagP50 ?? nan)} / ${ms(dc?.lagMax ?? nan)} | ${ratio(bc?.lagMax ?? nan, dc?.lagMax ?? nan)} | bounded |`,
    );
  }
  const br = b.resync;
  const dr = d.resync;
  if (br !== undefined || dr !== undefined) {
    const n = `${br?.networks ?? dr?.networks} networks × 20 ports`;
    const nan = Number.NaN;
    const dnsmasqTotal = (m: ResyncResult['before'] | undefined): string =>
      m === undefined
        ? '–'
        : `${(m.agentMiB + m.dnsmasqMiB).toFixed(0)} (${m.agentMiB.toFixed(0)} + ${m.dnsmasqMiB.toFixed(0)} in ${m.dnsmasqCount} dnsmasq)`;
    const sum = (m: ResyncResult['before'] | undefined): number =>
      m === undefined ? nan : m.agentMiB + m.dnsmasqMiB;
    rows.push(
      `| resync s, kill -9 → "full resync done", ${n} | ${fixed(br?.resyncLogS)} | ${fixed(dr?.resyncLogS)} | ${ratio(br?.resyncLogS ?? nan, dr?.resyncLogS ?? nan)} | |`,
      `| resync s, kill -9 → every network answered, ${n} | ${fixed(br?.allAnsweredS)} | ${fixed(dr?.allAnsweredS)} | ${ratio(br?.allAnsweredS ?? nan, dr?.allAnsweredS ?? nan)} | ≤ 30 (at 1,000) |`,
      `| resync s, new process start → every network answered (CPU ms by then), ${n} | ${fixed(br?.allAnsweredFromStartS, 2)} (${br?.cpuMsAtLastAnswer ?? '–'}) | ${fixed(dr?.allAnsweredFromStartS, 2)} (${dr?.cpuMsAtLastAnswer ?? '–'}) | ${ratio(br?.allAnsweredFromStartS ?? nan, dr?.allAnsweredFromStartS ?? nan)} | ≤ 2 (at 1,000, issue 17) |`,
      `| memory MiB VmRSS before the kill, ${n}: all-in-one (+ dnsmasq sum) | ${fixed(br?.before.agentMiB, 0)} | ${dnsmasqTotal(dr?.before)} | ${ratio(br?.before.agentMiB ?? nan, sum(dr?.before))} | ≤ 300 (at 1,000) |`,
      `| memory MiB VmRSS after the resync, ${n}: all-in-one (+ dnsmasq sum) | ${fixed(br?.after.agentMiB, 0)} | ${dnsmasqTotal(dr?.after)} | ${ratio(br?.after.agentMiB ?? nan, sum(dr?.after))} | ≤ 300 (at 1,000) |`,
    );
  }
  return rows.join('\n');
}

async function main(): Promise<void> {
  const started = new Date();
  const load = loadavg()
    .map((v) => v.toFixed(1))
    .join(' ');
  const results: Partial<Record<Driver, DriverResult>> = {};
  for (const driver of DRIVERS) {
    results[driver] = await measure(driver);
    // Progress: the table so far, so a long run shows its figures before it ends.
    log(`${driver} finished; table so far:\n${table(results)}`);
  }
  process.stdout.write(
    `Run of ${started.toISOString().slice(0, 16)}–${new Date().toISOString().slice(11, 16)} UTC, ` +
      `load average at start ${load}, end ${loadavg()
        .map((v) => v.toFixed(1))
        .join(' ')}${quick ? ', --quick' : ''}, ${process.argv.slice(2).join(' ')}\n\n` +
      `${table(results)}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `agent bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
