/**
 * Turns the CSVs of bench/dhcp/run.sh into one markdown table with ratios against dnsmasq and Kea measured
 * in the same run, and checks the targets of the DHCP core issue. Usage: node dist/bench/dhcp/report.js DIR
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

type Row = Readonly<Record<string, string>>;

function readCsv(path: string): { rows: Row[]; comments: string[] } {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const comments = lines.filter((line) => line.startsWith('#'));
  const data = lines.filter((line) => !line.startsWith('#'));
  const header = (data[0] ?? '').split(',');
  const rows = data
    .slice(1)
    .filter((line) => line !== data[0])
    .map((line) => {
      const cells = line.split(',');
      return Object.fromEntries(header.map((name, i) => [name, cells[i] ?? '']));
    });
  return { rows, comments };
}

const num = (row: Row, key: string): number => Number(row[key]);

function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Throughput {
  readonly perRep: number[];
  readonly median: number;
  readonly cpuMicrosPerExchange: number;
  readonly rssStartKb: number;
}

/** Same rules as the anchor's summarize.py: a repetition's rate is its last passing step (≤ 1 % failed). */
function summariseThroughput(rows: readonly Row[], comments: readonly string[]): Throughput {
  const reps = [...new Set(rows.map((r) => num(r, 'rep')))].sort((a, b) => a - b);
  const perRep = reps.map((rep) =>
    rows
      .filter((r) => num(r, 'rep') === rep && num(r, 'fail_pct') <= 1)
      .reduce((best, r) => Math.max(best, num(r, 'target')), 0),
  );
  const med = median(perRep);
  const passing = rows.filter((r) => num(r, 'fail_pct') <= 1 && num(r, 'achieved') > 0);
  const cpu = passing
    .filter((r) => num(r, 'target') >= med / 4)
    .map((r) => (num(r, 'srv_cpu_pct') * 1e4) / num(r, 'achieved'));
  const rss = comments.map((c) => /rss_start_kB=(\d+)/.exec(c)?.[1]).find((v) => v !== undefined);
  return { perRep, median: med, cpuMicrosPerExchange: median(cpu), rssStartKb: Number(rss ?? Number.NaN) };
}

const fmt = (value: number, digits = 0): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const range = (values: readonly number[]): string =>
  values.length ? `${Math.min(...values)}–${Math.max(...values)}` : '–';

function main(dir: string): void {
  const files = readdirSync(dir);
  const throughput = new Map<string, Throughput>();
  for (const file of files) {
    const match = /^throughput-(.+)-N(\d+)\.csv$/.exec(file);
    if (!match) continue;
    const { rows, comments } = readCsv(join(dir, file));
    if (rows.length) throughput.set(`${match[1]}:${match[2]}`, summariseThroughput(rows, comments));
  }
  const startup = files.includes('startup-reload.csv') ? readCsv(join(dir, 'startup-reload.csv')).rows : [];
  const sizes = [...new Set([...throughput.keys()].map((k) => Number(k.split(':')[1])))].sort(
    (a, b) => a - b,
  );
  const servers = ['qdhcp', 'dnsmasq', 'kea'];

  console.log(
    '| N hosts | server | DORA/s at ≤1 % loss: median [range] | server CPU µs/DORA | startup to 1st OFFER s | SIGHUP → new host served s | longest gap during reload s | RSS after start MiB | RSS after reload MiB |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  const checks: string[] = [];
  for (const n of sizes) {
    for (const server of servers) {
      const t = throughput.get(`${server}:${n}`);
      const s = startup.filter((r) => r['server'] === server && num(r, 'n') === n);
      if (!t && s.length === 0) continue;
      const col = (key: string) => median(s.map((r) => num(r, key)));
      console.log(
        `| ${n} | ${server} | ${t ? `${fmt(t.median)} [${range(t.perRep)}]` : '–'} | ${fmt(t?.cpuMicrosPerExchange ?? Number.NaN)} | ${fmt(col('startup_s'), 3)} | ${fmt(col('reload_s'), 3)} | ${fmt(col('max_gap_s'), 3)} | ${fmt((t?.rssStartKb ?? col('rss_kb')) / 1024, 1)} | ${fmt(col('rss_after_reload_kb') / 1024, 1)} |`,
      );
    }
    const ours = throughput.get(`qdhcp:${n}`);
    for (const other of ['dnsmasq', 'kea']) {
      const theirs = throughput.get(`${other}:${n}`);
      if (ours && theirs && theirs.median > 0) {
        checks.push(`N=${n}: qdhcp/${other} sustained rate = ${fmt(ours.median / theirs.median, 1)}×`);
      }
    }
  }
  if (checks.length) {
    console.log('\nRatios measured in this run:');
    for (const line of checks) console.log(`- ${line}`);
  }
}

main(process.argv[2] ?? '.');
