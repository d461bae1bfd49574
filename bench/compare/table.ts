/** The old-vs-new table: medians, the ratio new/old and the gate of issue 11 (within 10 % the bad way). */

export type Side = 'old' | 'new';

export interface Measure {
  readonly name: string;
  readonly unit: string;
  /** Gated measures are issue 11's five; the others are shown beside them (rates, p50, …) as context. */
  readonly gated: boolean;
  readonly values: Record<Side, number[]>;
}

/** Issue 11's tolerance: new may be at most this much worse than old. Every measure here is "lower is better". */
export const TOLERANCE = 0.1;

export function median(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

const digits = (value: number): number => (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
export const fmt = (value: number): string => (Number.isFinite(value) ? value.toFixed(digits(value)) : '–');

/** Spread of one side's runs relative to its median: how much noise the gate has to live with. */
function spread(values: readonly number[]): string {
  const finite = values.filter(Number.isFinite);
  const mid = median(finite);
  if (finite.length < 2 || !(mid > 0)) return '';
  return ` ±${((100 * (Math.max(...finite) - Math.min(...finite))) / 2 / mid).toFixed(0)}%`;
}

export function verdict(measure: Measure): { ratio: number; pass: string } {
  const ratio = median(measure.values.new) / median(measure.values.old);
  if (!Number.isFinite(ratio)) return { ratio, pass: measure.gated ? 'no data' : '' };
  if (!measure.gated) return { ratio, pass: '' };
  return { ratio, pass: ratio <= 1 + TOLERANCE ? 'pass' : '**FAIL**' };
}

export function table(measures: readonly Measure[]): string {
  const rows = [
    '| measure | old median | new median | new/old | pass (≤ 1.10) | old runs | new runs |',
    '|---|---:|---:|---:|---|---|---|',
  ];
  for (const measure of measures) {
    const { ratio, pass } = verdict(measure);
    const runs = (side: Side): string =>
      `${measure.values[side].map(fmt).join(', ')}${spread(measure.values[side])}`;
    const name = measure.gated ? `**${measure.name}**` : measure.name;
    rows.push(
      `| ${name} (${measure.unit}) | ${fmt(median(measure.values.old))} | ${fmt(median(measure.values.new))} | ` +
        `${Number.isFinite(ratio) ? ratio.toFixed(3) : '–'} | ${pass} | ${runs('old')} | ${runs('new')} |`,
    );
  }
  return rows.join('\n');
}
