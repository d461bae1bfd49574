import type { ProcessUse } from './process-set.js';
import { type BurstResult, type PropagationResult, percentile, type RestartResult } from './scenarios.js';

/** Everything measured for one agent (a figure is missing when its step failed or overran). */
export interface AgentFigures {
  readonly label: string;
  coldStartS?: number;
  readonly propagation: PropagationResult[];
  burst?: BurstResult | undefined;
  restart?: RestartResult | undefined;
  memory?: ProcessUse[];
}

const fixed = (v: number | undefined, digits = 2): string =>
  v === undefined || Number.isNaN(v) ? '–' : v.toFixed(digits);

/** How many times better the second agent is (smaller is better for every figure here). */
const better = (reference: number | undefined, candidate: number | undefined): string =>
  reference === undefined || candidate === undefined || !(candidate > 0) || Number.isNaN(reference)
    ? '–'
    : `${(reference / candidate).toFixed(1)}×`;

function memory(processes: readonly ProcessUse[] | undefined): { total: number; text: string } | undefined {
  if (processes === undefined || processes.length === 0) return undefined;
  const groups = new Map<string, { mib: number; count: number }>();
  for (const p of processes) {
    const name = p.name === 'dnsmasq' || p.name === 'haproxy' ? p.name : 'agent';
    const g = groups.get(name) ?? { mib: 0, count: 0 };
    groups.set(name, { mib: g.mib + p.rssMiB, count: g.count + 1 });
  }
  const total = processes.reduce((sum, p) => sum + p.rssMiB, 0);
  const parts = [...groups].map(([name, g]) => `${name} ${g.mib.toFixed(0)} in ${g.count}`);
  return { total, text: `${total.toFixed(0)} (${parts.join(', ')})` };
}

/** The markdown table: one column per agent (first = the reference), and how many times better the second is. */
export function table(results: readonly AgentFigures[]): string {
  const [a, b] = results;
  const rows = [
    `| measure | ${a?.label ?? '–'} | ${b?.label ?? '–'} | ${a?.label ?? 'first'} / ${b?.label ?? 'second'} | target |`,
    '|---|---:|---:|---:|---|',
  ];
  const row = (
    what: string,
    x: number | undefined,
    y: number | undefined,
    target: string,
    digits = 2,
  ): void => {
    rows.push(`| ${what} | ${fixed(x, digits)} | ${fixed(y, digits)} | ${better(x, y)} | ${target} |`);
  };
  row(
    'start → every network served, s (first and last fill port of each)',
    a?.coldStartS,
    b?.coldStartS,
    '',
    1,
  );
  const existing = [...new Set(results.flatMap((r) => r.propagation.map((p) => p.existing)))];
  for (const n of existing) {
    const pa = a?.propagation.find((p) => p.existing === n);
    const pb = b?.propagation.find((p) => p.existing === n);
    const note = `${pa?.samples ?? '–'}/${pb?.samples ?? '–'} samples, timeouts ${pa?.timeouts ?? '–'}/${pb?.timeouts ?? '–'}`;
    const p = (
      r: PropagationResult | undefined,
      key: 'from201' | 'fromCast',
      q: number,
    ): number | undefined => (r === undefined ? undefined : percentile(r[key], q) / 1000);
    row(
      `port create → servable, from 201, p50 s, ${n} ports (${note})`,
      p(pa, 'from201', 50),
      p(pb, 'from201', 50),
      '≥ 10×',
      3,
    );
    row(`… from 201, p99 s, ${n} ports`, p(pa, 'from201', 99), p(pb, 'from201', 99), '≥ 10×', 3);
    row(
      `… from the port_create_end cast, p50 s, ${n} ports`,
      p(pa, 'fromCast', 50),
      p(pb, 'fromCast', 50),
      '≥ 10×',
      3,
    );
    row(`… from the cast, p99 s, ${n} ports`, p(pa, 'fromCast', 99), p(pb, 'fromCast', 99), '≥ 10×', 3);
    row(`… agent CPU ms per port, ${n} ports`, pa?.cpuMsPerPort, pb?.cpuMsPerPort, '', 1);
  }
  const burst = (r: AgentFigures | undefined): BurstResult | undefined => r?.burst;
  row(
    `burst of ${burst(a)?.ports ?? burst(b)?.ports ?? '–'} ports in one bulk create → all servable, s from sending it`,
    burst(a)?.totalS,
    burst(b)?.totalS,
    '≥ 10×',
    1,
  );
  row('… s from its 201', burst(a)?.afterLast201S, burst(b)?.afterLast201S, '', 1);
  row('… agent CPU ms per port', burst(a)?.cpuMsPerPort, burst(b)?.cpuMsPerPort, '', 1);
  const rs = a?.restart ?? b?.restart;
  const shape = rs === undefined ? '' : `${rs.networks} networks × ${rs.ports / rs.networks} ports`;
  row(
    `restart, ${shape}: new process → every network served by it, s`,
    a?.restart?.networksServedS,
    b?.restart?.networksServedS,
    '',
    1,
  );
  row(
    `restart, ${shape}: new process → every port served by it, s`,
    a?.restart?.allServedS,
    b?.restart?.allServedS,
    '≥ 10×',
    1,
  );
  row('… CPU s of the new processes by then', a?.restart?.cpuS, b?.restart?.cpuS, '', 1);
  const ma = memory(a?.memory);
  const mb = memory(b?.memory);
  rows.push(
    `| memory at the end, MiB VmRSS (agent and its helpers, dnsmasq, haproxy) | ${ma?.text ?? '–'} | ${mb?.text ?? '–'} | ${better(ma?.total, mb?.total)} | ≤ half |`,
  );
  return rows.join('\n');
}
