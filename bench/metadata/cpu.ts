/**
 * CPU readings of one process for bench/metadata (read by ../compare/machine.ts): user/system from `/proc/PID/stat` (10 ms ticks) and the
 * exact on-CPU time of each thread from `/proc/PID/task/TID/schedstat` (ns), so a run can tell the main
 * thread (where all-in-one's agent *and* server run, one event loop) from V8's and libuv's helper threads
 * (GC, the thread pool), and can sum the time inside the bursts' windows only.
 */
import { processTimes, threadCpuNs } from '../compare/machine.js';

export interface CpuReading {
  /** ms, from ticks. */
  readonly user: number;
  readonly system: number;
  /** ns on a CPU, main thread (tid = pid) and every other thread together. */
  readonly mainNs: number;
  readonly otherNs: number;
}

export const NO_CPU: CpuReading = { user: 0, system: 0, mainNs: 0, otherNs: 0 };

/** The process's CPU so far (a process that is gone or unknown reads as zero). */
export function readCpu(pid: number | undefined): CpuReading {
  const threads = threadCpuNs(pid);
  const times = processTimes(pid);
  if (threads === undefined || Number.isNaN(times.userSeconds)) return NO_CPU;
  return { user: times.userSeconds * 1000, system: times.systemSeconds * 1000, ...threads };
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
