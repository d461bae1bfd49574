import type { Step } from './perfdhcp6.js';
import { MAX_FAILED } from './perfdhcp6.js';
import type { ServerKind } from './servers.js';

export interface SizeResult {
  readonly hosts: number;
  readonly byServer: ReadonlyMap<ServerKind, readonly Step[]>;
  readonly best: ReadonlyMap<ServerKind, Step | undefined>;
}

const f = (value: number | undefined, digits = 0): string =>
  value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);

/**
 * The report: per size and server the best passing step (exchanges/s at ≤ 1 % failed, CPU per exchange
 * there), the CPU per exchange of both at the highest offered rate both passed (cost at equal load), and the
 * builtin/dnsmasq ratios of this run.
 */
export function table(results: readonly SizeResult[], stepSeconds: number): string {
  const lines = [
    `perfdhcp -6, full exchanges (Solicit/Advertise/Request/Reply), ${stepSeconds}-s steps, ≤ 1 % failed`,
    '',
    '| hosts | server | exchanges/s | failed | server CPU µs/exchange | perfdhcp CPU µs/exchange | at common rate: offered, server µs/exchange |',
    '| ---: | --- | ---: | ---: | ---: | ---: | --- |',
  ];
  const ratios: string[] = [];
  for (const result of results) {
    const common = commonRate(result);
    for (const [kind, steps] of result.byServer) {
      const best = result.best.get(kind);
      const atCommon = steps.find((s) => s.offered === common);
      lines.push(
        `| ${result.hosts} | ${kind} | ${f(best?.achieved)} | ${best === undefined ? '–' : `${(best.failed * 100).toFixed(2)} %`} ` +
          `| ${f(best?.serverMicros, 1)} | ${f(best?.perfdhcpMicros, 1)} | ${common === undefined ? '–' : `${common}/s: ${f(atCommon?.serverMicros, 1)}`} |`,
      );
    }
    const builtin = result.best.get('builtin');
    const dnsmasq = result.best.get('dnsmasq');
    if (builtin !== undefined && dnsmasq !== undefined) {
      const b = result.byServer.get('builtin')?.find((s) => s.offered === common);
      const d = result.byServer.get('dnsmasq')?.find((s) => s.offered === common);
      ratios.push(
        `- ${result.hosts} hosts: builtin/dnsmasq exchanges/s ${f(builtin.achieved / dnsmasq.achieved, 2)}×; ` +
          `dnsmasq/builtin CPU per exchange at ${common ?? '?'}/s ${f((d?.serverMicros ?? Number.NaN) / (b?.serverMicros ?? Number.NaN), 2)}×` +
          (builtin === result.byServer.get('builtin')?.at(-1)
            ? ' (builtin passed its last step: its rate is a lower bound)'
            : ''),
      );
    }
  }
  return [...lines, '', ...ratios].join('\n');
}

/** The highest offered rate at which every server's step passed. */
function commonRate(result: SizeResult): number | undefined {
  let common: number | undefined;
  const lists = [...result.byServer.values()];
  for (const step of lists[0] ?? []) {
    const passedByAll = lists.every((steps) =>
      steps.some((s) => s.offered === step.offered && s.failed <= MAX_FAILED),
    );
    if (passedByAll && (common === undefined || step.offered > common)) common = step.offered;
  }
  return common;
}
