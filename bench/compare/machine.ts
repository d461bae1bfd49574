import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** Linux reports utime/stime in clock ticks of 1/100 s (USER_HZ is 100 on every architecture Node runs on). */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system, all threads) a process has used so far, from /proc/PID/stat; NaN when it is
 * gone. The command name (field 2) may hold spaces and parentheses, so fields are counted after its last ')'.
 */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the name: state is field 3, so utime (14) and stime (15) are at indexes 11 and 12.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds a process has used so far, to the nanosecond: the sum over its threads of
 * /proc/PID/task/TID/schedstat (time on a CPU). /proc/PID/stat counts 10-ms ticks, too coarse for a few
 * seconds of a server at 10 % of a core; threads that ended are missed, which Node's long-lived ones never
 * do. Falls back to {@link cpuSeconds} where schedstat is missing (a kernel without schedstats).
 */
export function preciseCpuSeconds(pid: number | undefined): number {
  const threads = threadCpuNs(pid);
  if (threads === undefined) return cpuSeconds(pid);
  const nanoseconds = threads.mainNs + threads.otherNs;
  return Number.isFinite(nanoseconds) ? nanoseconds / 1e9 : cpuSeconds(pid);
}

/**
 * ns on a CPU so far (/proc/PID/task/TID/schedstat) of the main thread (tid = pid: where a Node process's
 * event loop runs) and of all its other threads together (V8's and libuv's helpers); undefined when the
 * process is gone. A thread that ends between listing and reading counts as 0: the sums can only miss time.
 */
export function threadCpuNs(pid: number | undefined): { mainNs: number; otherNs: number } | undefined {
  if (pid === undefined) return undefined;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let mainNs = 0;
  let otherNs = 0;
  for (const tid of tids) {
    let ns = 0;
    try {
      ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // ended meanwhile
    }
    if (tid === String(pid)) mainNs += ns;
    else otherNs += ns;
  }
  return { mainNs, otherNs };
}

/** What a process has used so far, all threads: CPU split into user and system, and its sleeps. */
export interface ProcessTimes {
  /** User and system CPU seconds (/proc/PID/stat, 10-ms ticks: read over windows of seconds). */
  readonly userSeconds: number;
  readonly systemSeconds: number;
  /** Voluntary context switches summed over threads (/proc/PID/task/TID/status): a server's wake-ups. */
  readonly wakeUps: number;
}

/** {@link ProcessTimes} of `pid` now; NaN fields when it is gone. */
export function processTimes(pid: number | undefined): ProcessTimes {
  const gone = { userSeconds: Number.NaN, systemSeconds: Number.NaN, wakeUps: Number.NaN };
  if (pid === undefined) return gone;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let wakeUps = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      wakeUps += Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1] ?? Number.NaN);
    }
    return {
      userSeconds: Number(fields[11]) / TICKS_PER_SECOND,
      systemSeconds: Number(fields[12]) / TICKS_PER_SECOND,
      wakeUps,
    };
  } catch {
    return gone;
  }
}

/** VmRSS of a process in MiB (NaN when it is gone). */
export function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? Number.NaN : Number(match[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

export const loadAverage = (): string =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');

/** The 1-minute load average, to note beside each run. */
export const load1 = (): number => loadavg()[0] ?? Number.NaN;

/**
 * What else was running: the processes that used the most CPU in the last `windowMs` (two reads of every
 * /proc/PID/stat), not `ps`'s lifetime %CPU, which hides a build that started a second ago. Our own process
 * and its children are included: they are part of the picture too.
 */
export async function busiestProcesses(windowMs = 2000, count = 8): Promise<string[]> {
  const before = snapshot();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const after = snapshot();
  const rows: { pid: number; cpuPct: number }[] = [];
  for (const [pid, seconds] of after) {
    const used = seconds - (before.get(pid) ?? seconds);
    if (used > 0) rows.push({ pid, cpuPct: (100 * used * 1000) / windowMs });
  }
  rows.sort((a, b) => b.cpuPct - a.cpuPct);
  return rows.slice(0, count).map(({ pid, cpuPct }) => `${cpuPct.toFixed(0)}% ${commandLine(pid)}`);
}

function snapshot(): Map<number, number> {
  const out = execFileSync('ps', ['-e', '-o', 'pid='], { encoding: 'utf8' });
  const seconds = new Map<number, number>();
  for (const text of out.split('\n')) {
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const used = cpuSeconds(pid);
    if (Number.isFinite(used)) seconds.set(pid, used);
  }
  return seconds;
}

function commandLine(pid: number): string {
  try {
    // Kernel threads have no command line: their name, in brackets as ps shows it.
    const args =
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim() ||
      `[${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}]`;
    return `${pid} ${args.length > 90 ? `${args.slice(0, 87)}...` : args}`;
  } catch {
    return `${pid} (gone)`;
  }
}
