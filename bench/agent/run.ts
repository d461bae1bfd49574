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
  readonly resync: ResyncResult;
}

const quick = process.argv.includes('--quick');
const prefixFileIndex = process.argv.indexOf('--prefix-file');
const prefixFile = prefixFileIndex === -1 ? undefined : process.argv[prefixFileIndex + 1];
/** --smoke: a seconds-long pass through every scenario, to check the harness itself. */
const smoke = process.argv.includes('--smoke');
const SIZES = smoke ? [10] : [10, 1000, 10_000];
const SAMPLES = smoke ? 5 : quick ? 20 : 50;
const RATES = smoke ? [100] : [100, 200, 400];
const CHURN_SECONDS = smoke ? 2 : quick ? 5 : 10;
const RESYNC_NETWORKS = smoke ? 5 : quick ? 200 : 1000;

const log = (text: string): void => {
  process.stderr.write(`[agent-bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
};

async function measure(driver: Driver): Promise<DriverResult> {
  const agent = await AgentUnderTest.start(driver);
  if (prefixFile !== undefined) writeFileSync(prefixFile, `${agent.bed.namespacePrefix}\n`, { flag: 'a' });
  const stop = (): void => {
    void agent.teardown().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const macs = { next: 1 };
    log(`${driver}: propagation`);
    const prop = await propagation(agent, SIZES, SAMPLES, macs);
    log(`${driver}: churn`);
    const ch = await churn(agent, RATES, CHURN_SECONDS, macs);
    log(`${driver}: resync ${RESYNC_NETWORKS} networks`);
    const rs = await resync(agent, RESYNC_NETWORKS, macs);
    return { propagation: prop, churn: ch, resync: rs };
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

function table(results: Record<Driver, DriverResult>): string {
  const b = results.builtin;
  const d = results.dnsmasq;
  const rows: string[] = [
    '| measure | builtin | dnsmasq | builtin/dnsmasq | target |',
    '|---|---:|---:|---:|---|',
  ];
  b.propagation.forEach((bp, i) => {
    const dp = d.propagation[i];
    if (dp === undefined) return;
    const note = `${bp.samples} samples${bp.timeouts + dp.timeouts > 0 ? `, timeouts ${bp.timeouts}/${dp.timeouts}` : ''}`;
    rows.push(
      `| propagation p50 ms, ${bp.existing} ports (${note}) | ${ms(bp.p50)} | ${ms(dp.p50)} | ${ratio(bp.p50, dp.p50)} | |`,
      `| propagation p99 ms, ${bp.existing} ports | ${ms(bp.p99)} | ${ms(dp.p99)} | ${ratio(bp.p99, dp.p99)} | ≤ 50 at 10,000, flat |`,
      `| bulk to ${bp.existing} ports: last bulk port answered, s after its 201 | ${settle(bp.settleS)} | ${settle(dp.settleS)} | ${ratio(bp.settleS ?? Number.NaN, dp.settleS ?? Number.NaN)} | |`,
    );
  });
  b.churn.forEach((bc, i) => {
    const dc = d.churn[i];
    if (dc === undefined) return;
    rows.push(
      `| churn ${bc.target}/s target: pairs/s done | ${bc.achieved.toFixed(0)} | ${dc.achieved.toFixed(0)} | ${ratio(bc.achieved, dc.achieved)} | ≥ 200/s |`,
      `| churn ${bc.target}/s: lag 201→OFFER p50 / max ms${bc.lagTimeouts + dc.lagTimeouts > 0 ? ` (timeouts ${bc.lagTimeouts}/${dc.lagTimeouts})` : ''} | ${ms(bc.lagP50)} / ${ms(bc.lagMax)} | ${ms(dc.lagP50)} / ${ms(dc.lagMax)} | ${ratio(bc.lagMax, dc.lagMax)} | bounded |`,
    );
  });
  const n = `${b.resync.networks} networks × 20 ports${quick ? ' (--quick: 200, not 1,000)' : ''}`;
  rows.push(
    `| resync s, kill -9 → "full resync done", ${n} | ${b.resync.resyncLogS.toFixed(1)} | ${d.resync.resyncLogS.toFixed(1)} | ${ratio(b.resync.resyncLogS, d.resync.resyncLogS)} | |`,
    `| resync s, kill -9 → every network answered, ${n} | ${b.resync.allAnsweredS.toFixed(1)} | ${d.resync.allAnsweredS.toFixed(1)} | ${ratio(b.resync.allAnsweredS, d.resync.allAnsweredS)} | ≤ 30 (at 1,000) |`,
    `| memory MiB VmRSS, ${n}: all-in-one (+ dnsmasq sum) | ${b.resync.agentMiB.toFixed(0)} | ${(d.resync.agentMiB + d.resync.dnsmasqMiB).toFixed(0)} (${d.resync.agentMiB.toFixed(0)} + ${d.resync.dnsmasqMiB.toFixed(0)} in ${d.resync.dnsmasqCount} dnsmasq) | ${ratio(b.resync.agentMiB, d.resync.agentMiB + d.resync.dnsmasqMiB)} | ≤ 300 (at 1,000) |`,
  );
  return rows.join('\n');
}

async function main(): Promise<void> {
  const started = new Date();
  const load = loadavg()
    .map((v) => v.toFixed(1))
    .join(' ');
  const builtin = await measure('builtin');
  const dnsmasq = await measure('dnsmasq');
  process.stdout.write(
    `Run of ${started.toISOString().slice(0, 16)}–${new Date().toISOString().slice(11, 16)} UTC, ` +
      `load average at start ${load}, end ${loadavg()
        .map((v) => v.toFixed(1))
        .join(' ')}${quick ? ', --quick' : ''}\n\n` +
      `${table({ builtin, dnsmasq })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `agent bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
