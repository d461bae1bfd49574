import type { Namespace } from '../../test/support/netns.js';
import { preciseCpuSeconds } from './machine.js';

/** perfdhcp's MAC template: client r of `-R N` has MAC fa:16:3e + r (see ../shared/tools/dhcp-bench §3). */
export const PERFDHCP_MAC_TEMPLATE = 'fa:16:3e:00:00:00';

export interface PerfdhcpResult {
  /** 4-way exchanges per second perfdhcp reports. */
  readonly achieved: number;
  readonly discoversSent: number;
  readonly acksReceived: number;
  /** perfdhcp's average delay of DISCOVER→OFFER and of REQUEST→ACK, ms (the anchor's do_avg_ms, ra_avg_ms). */
  readonly averageDelayMs: { readonly discoverOffer: number; readonly requestAck: number };
  /** The largest delay of either exchange, ms. */
  readonly maxDelayMs: number;
}

export interface DoraCost extends Pick<PerfdhcpResult, 'achieved' | 'discoversSent' | 'acksReceived'> {
  /** CPU of the measured server process per completed exchange (ACK received), µs. */
  readonly cpuMicrosPerDora: number;
}

/** perfdhcp's arguments for `rate` relayed DORAs/s over `clients` MACs for `seconds`, from `device`. */
export function perfdhcpArgs(device: string, rate: number, clients: number, seconds: number): string[] {
  return [
    ...['-4', '-l', device, '-g', 'single', '-b', `mac=${PERFDHCP_MAC_TEMPLATE}`],
    ...['-R', String(clients), '-r', String(rate), '-p', String(seconds)],
  ];
}

/**
 * One perfdhcp run (relayed DORAs, single-threaded perfdhcp as the anchor scripts run it) from `device` of
 * `namespace`: `rate` exchanges/s over `clients` MACs for `seconds`. perfdhcp exits 3 when some exchanges
 * failed; the counts say how many, so that is not an error here.
 */
export async function perfdhcp(
  namespace: Namespace,
  device: string,
  rate: number,
  clients: number,
  seconds: number,
): Promise<PerfdhcpResult> {
  const result = await namespace.exec('/usr/sbin/perfdhcp', perfdhcpArgs(device, rate, clients, seconds), {
    allowFailure: true,
    timeoutMs: (seconds + 30) * 1000,
  });
  return parsePerfdhcp(result.stdout);
}

export interface DoraLoad {
  /** DORAs offered per second. */
  readonly rate: number;
  /** perfdhcp's clients (MACs fa:16:3e + 0…clients−1). */
  readonly clients: number;
  /** Measurement windows, each its own perfdhcp run. */
  readonly windows: number;
  readonly secondsPerWindow: number;
}

/**
 * Server CPU per DORA while perfdhcp runs against it (CPU of `serverPid`'s threads around each window), as the
 * lowest of several short windows: other jobs on the machine only ever add to a window's CPU time (cache
 * and core contention, a neighbour's burst), so the least disturbed window is the closest to the code's own
 * cost, and a burst that spoils one window does not move the figure. The rate returned is the mean over windows.
 */
export async function doraCost(
  serverPid: number | undefined,
  namespace: Namespace,
  device: string,
  load: DoraLoad,
): Promise<DoraCost> {
  const costs: number[] = [];
  let achieved = 0;
  let discoversSent = 0;
  let acksReceived = 0;
  for (let i = 0; i < load.windows; i++) {
    const before = preciseCpuSeconds(serverPid);
    const run = await perfdhcp(namespace, device, load.rate, load.clients, load.secondsPerWindow);
    const used = preciseCpuSeconds(serverPid) - before;
    if (run.acksReceived > 0) costs.push((used * 1e6) / run.acksReceived);
    achieved += run.achieved / load.windows;
    discoversSent += run.discoversSent;
    acksReceived += run.acksReceived;
  }
  const cpuMicrosPerDora = costs.length > 0 ? Math.min(...costs) : Number.NaN;
  return { achieved, discoversSent, acksReceived, cpuMicrosPerDora };
}

/** Reads perfdhcp's report the way the anchor's anc_perfdhcp does (awk over the same lines). */
export function parsePerfdhcp(text: string): PerfdhcpResult {
  let section = '';
  const sent = new Map<string, number>();
  const received = new Map<string, number>();
  const averages = new Map<string, number>();
  let maxDelayMs = Number.NaN;
  let achieved = Number.NaN;
  for (const line of text.split('\n')) {
    const average = /^avg delay:\s+([\d.]+)/.exec(line);
    if (average) averages.set(section, Number(average[1]));
    const max = /^max delay:\s+([\d.]+)/.exec(line);
    if (max) maxDelayMs = Math.max(Number.isNaN(maxDelayMs) ? 0 : maxDelayMs, Number(max[1]));
    const rate = /^Rate:\s+([\d.]+)/.exec(line);
    if (rate) achieved = Number(rate[1]);
    if (line.includes('Statistics for: DISCOVER-OFFER')) section = 'DO';
    if (line.includes('Statistics for: REQUEST-ACK')) section = 'RA';
    const sentMatch = /^sent packets:\s+(\d+)/.exec(line);
    if (sentMatch) sent.set(section, Number(sentMatch[1]));
    const receivedMatch = /^received packets:\s+(\d+)/.exec(line);
    if (receivedMatch) received.set(section, Number(receivedMatch[1]));
  }
  return {
    achieved,
    discoversSent: sent.get('DO') ?? 0,
    acksReceived: received.get('RA') ?? 0,
    averageDelayMs: {
      discoverOffer: averages.get('DO') ?? Number.NaN,
      requestAck: averages.get('RA') ?? Number.NaN,
    },
    maxDelayMs,
  };
}
