/**
 * CPU readings of one process for bench/metadata: user/system from `/proc/PID/stat` (10 ms ticks) and the
 * exact on-CPU time of each thread from `/proc/PID/task/TID/schedstat` (ns), so a run can tell the main
 * thread (where all-in-one's agent *and* server run, one event loop) from V8's and libuv's helper threads
 * (GC, the thread pool), and can sum the time inside the bursts' windows only.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface CpuReading {
  /** ms, from ticks. */
  readonly user: number;
  readonly system: number;
  /** ns on a CPU, main thread (tid = pid) and every other thread together. */
  readonly mainNs: number;
  readonly otherNs: number;
}

const ZERO: CpuReading = { user: 0, system: 0, mainNs: 0, otherNs: 0 };

function schedstatNs(pid: number, tid: string): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return 0; // a thread that ended between readdir and read
  }
}

/** The process's CPU so far (a process that is gone or unknown reads as zero). */
export function readCpu(pid: number | undefined): CpuReading {
  if (pid === undefined) return ZERO;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    let mainNs = 0;
    let otherNs = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      if (tid === String(pid)) mainNs += schedstatNs(pid, tid);
      else otherNs += schedstatNs(pid, tid);
    }
    // utime, stime in clock ticks (USER_HZ 100). Threads that ended are in stat but not in task/: the
    // schedstat sums can only miss time, never add it.
    return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10, mainNs, otherNs };
  } catch {
    return ZERO;
  }
}

/** after − before, field by field. */
export function cpuSince(before: CpuReading, after: CpuReading): CpuReading {
  return {
    user: after.user - before.user,
    system: after.system - before.system,
    mainNs: after.mainNs - before.mainNs,
    otherNs: after.otherNs - before.otherNs,
  };
}

/** The sum of several differences (the bursts' windows). */
export function addCpu(a: CpuReading, b: CpuReading): CpuReading {
  return {
    user: a.user + b.user,
    system: a.system + b.system,
    mainNs: a.mainNs + b.mainNs,
    otherNs: a.otherNs + b.otherNs,
  };
}

export { ZERO as NO_CPU };
