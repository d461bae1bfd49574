import { readdirSync, readFileSync } from 'node:fs';

/**
 * The processes that make up one agent under test, for its memory and CPU: the agent process and its
 * descendants (neutron-dhcp-agent's rootwrap daemon and privsep daemons run under it), plus daemons it
 * started that re-parented to init (neutron's dnsmasq and haproxy, found by their pid files).
 */
export interface ProcessUse {
  readonly pid: number;
  readonly name: string;
  /** VmRSS in MiB. */
  readonly rssMiB: number;
  /** user + system CPU seconds, its own and its waited-for children's (cutime/cstime). */
  readonly cpuS: number;
}

/** USER_HZ: /proc/PID/stat counts CPU time in 1/100 s on every Linux architecture Node runs on. */
const TICKS = 100;

function stat(pid: number): { ppid: number; name: string; cpuS: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
    // Fields after the name: state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17).
    const f = text
      .slice(text.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const ticks = (f[11] ?? 0) + (f[12] ?? 0) + (f[13] ?? 0) + (f[14] ?? 0);
    return { ppid: f[1] ?? 0, name, cpuS: ticks / TICKS };
  } catch {
    return undefined;
  }
}

function rss(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]) / 1024;
  } catch {
    return 0;
  }
}

/** `root` and every live descendant of it. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (s === undefined) continue;
    children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Memory and CPU of each live process of `pids` (gone ones are left out). */
export function use(pids: readonly number[]): ProcessUse[] {
  const out: ProcessUse[] = [];
  for (const pid of new Set(pids)) {
    const s = stat(pid);
    if (s !== undefined) out.push({ pid, name: s.name, rssMiB: rss(pid), cpuS: s.cpuS });
  }
  return out;
}

/**
 * CPU seconds the set used between two readings: processes in both count their difference, processes that
 * appeared count all they used (they started in between), processes that ended are lost (their time went
 * to a parent's cutime only if it waited for them inside the set).
 */
export function cpuBetween(before: readonly ProcessUse[], after: readonly ProcessUse[]): number {
  const earlier = new Map(before.map((p) => [p.pid, p.cpuS]));
  return after.reduce((sum, p) => sum + p.cpuS - (earlier.get(p.pid) ?? 0), 0);
}
