import type { Namespace } from '../../test/support/netns.js';
import { preciseCpuSeconds } from '../compare/machine.js';
import { PERFDHCP_DUID_TEMPLATE, PERFDHCP_MAC_TEMPLATE } from './network.js';

/** One perfdhcp -6 run and the CPU both sides used during it. */
export interface Step {
  /** Offered 4-way exchanges (Solicit/Advertise/Request/Reply) per second. */
  readonly offered: number;
  /** What perfdhcp reports as achieved ("Rate:"). */
  readonly achieved: number;
  readonly solicits: number;
  readonly replies: number;
  /** Exchanges not completed: 1 − Replies received / Solicits sent. */
  readonly failed: number;
  /** Server CPU (all its threads) per completed exchange, µs. */
  readonly serverMicros: number;
  /** perfdhcp's own CPU (user + system, /usr/bin/time) per completed exchange, µs. */
  readonly perfdhcpMicros: number;
}

/**
 * perfdhcp -6 from `device` of `namespace` to ff02::1:2 (on-link, not relayed, as an instance's client
 * sends): `rate` full exchanges per second for `seconds`, `clients` DUIDs (network.ts), single-threaded as the
 * DHCPv4 benches run it. perfdhcp exits 3 when some exchanges failed; the counts say how many.
 */
export async function perfdhcp6(
  namespace: Namespace,
  device: string,
  serverPid: number | undefined,
  rate: number,
  clients: number,
  seconds: number,
): Promise<Step> {
  const before = preciseCpuSeconds(serverPid);
  const result = await namespace.exec(
    '/usr/bin/time',
    [
      ...['-f', 'perfdhcp-cpu %U %S', '/usr/sbin/perfdhcp', '-6', '-l', device, '-g', 'single'],
      ...['-b', `duid=${PERFDHCP_DUID_TEMPLATE}`, '-b', `mac=${PERFDHCP_MAC_TEMPLATE}`],
      ...['-R', String(clients), '-r', String(rate), '-p', String(seconds)],
    ],
    { allowFailure: true, timeoutMs: (seconds + 30) * 1000 },
  );
  const used = preciseCpuSeconds(serverPid) - before;
  const parsed = parsePerfdhcp6(result.stdout);
  const cpu = /perfdhcp-cpu ([\d.]+) ([\d.]+)/.exec(result.stderr);
  const perfdhcpSeconds = cpu === null ? Number.NaN : Number(cpu[1]) + Number(cpu[2]);
  const completed = Math.max(parsed.replies, 1);
  return {
    offered: rate,
    ...parsed,
    failed: parsed.solicits === 0 ? 1 : 1 - parsed.replies / parsed.solicits,
    serverMicros: (used * 1e6) / completed,
    perfdhcpMicros: (perfdhcpSeconds * 1e6) / completed,
  };
}

/** The rate and the two counts that matter from perfdhcp -6's report. */
export function parsePerfdhcp6(text: string): { achieved: number; solicits: number; replies: number } {
  let section = '';
  let achieved = Number.NaN;
  let solicits = 0;
  let replies = 0;
  for (const line of text.split('\n')) {
    const rate = /^Rate:\s+([\d.]+)/.exec(line);
    if (rate) achieved = Number(rate[1]);
    if (line.includes('Statistics for: SOLICIT-ADVERTISE')) section = 'SA';
    if (line.includes('Statistics for: REQUEST-REPLY')) section = 'RR';
    const sent = /^sent packets:\s+(\d+)/.exec(line);
    if (sent && section === 'SA') solicits = Number(sent[1]);
    const received = /^received packets:\s+(\d+)/.exec(line);
    if (received && section === 'RR') replies = Number(received[1]);
  }
  return { achieved, solicits, replies };
}

/** The most failed exchanges a step may have and still count (the "≤ 1 % loss"). */
export const MAX_FAILED = 0.01;

/**
 * Climbs `rates` until two steps in a row fail (more than {@link MAX_FAILED} of exchanges not completed);
 * every step is kept for the report. `onStep` sees each as it ends.
 */
export async function ladder(
  rates: readonly number[],
  run: (rate: number) => Promise<Step>,
  onStep: (step: Step) => void,
): Promise<Step[]> {
  const steps: Step[] = [];
  let failures = 0;
  for (const rate of rates) {
    const step = await run(rate);
    steps.push(step);
    onStep(step);
    failures = step.failed <= MAX_FAILED ? 0 : failures + 1;
    if (failures >= 2) break;
  }
  return steps;
}

/** The passing step with the highest achieved rate, if any. */
export function bestStep(steps: readonly Step[]): Step | undefined {
  let best: Step | undefined;
  for (const step of steps) {
    if (step.failed <= MAX_FAILED && (best === undefined || step.achieved > best.achieved)) best = step;
  }
  return best;
}
