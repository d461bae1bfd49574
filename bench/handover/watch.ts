/**
 * Small helpers of bench/handover/run.ts: waiting for a log line without rescanning megabytes, processes
 * by PID, the sample of networks and the per-service totals.
 *
 * @module
 */
import type { ManagedProcess } from '../../test/support/process.js';
import type { ProbeResult } from './bed.js';

/**
 * Waits for a line of a process's output that matches, scanning only complete lines that arrived since
 * this watch was made or last matched: an agent serving 1,000 networks logs megabytes, and
 * `ManagedProcess.waitForOutput` matches the whole output again every 20 ms. Each watch has its own
 * position, so two lines awaited in either order (the old agent's `handed_over`, the successor's
 * `took_over` in the same pipe after SIGHUP) are both found.
 */
export class OutputWatch {
  #stdout: number;
  #stderr: number;

  constructor(private readonly process: ManagedProcess) {
    this.#stdout = process.stdout.length;
    this.#stderr = process.stderr.length;
  }

  async next(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const fromStdout = this.scan(this.process.stdout, this.#stdout, pattern);
      this.#stdout = fromStdout.at;
      if (fromStdout.match !== undefined) return fromStdout.match;
      const fromStderr = this.scan(this.process.stderr, this.#stderr, pattern);
      this.#stderr = fromStderr.at;
      if (fromStderr.match !== undefined) return fromStderr.match;
      if (Date.now() > deadline)
        throw new Error(
          `${this.process.label}: no ${pattern} within ${timeoutMs} ms:\n${this.process.output()}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The first match in the complete lines from `from`; `at`: where the next scan starts. */
  private scan(text: string, from: number, pattern: RegExp): { at: number; match?: RegExpMatchArray } {
    const end = text.lastIndexOf('\n') + 1;
    if (end <= from) return { at: from };
    const lines = text.slice(from, end);
    const match = lines.match(pattern);
    if (match === null || match.index === undefined) return { at: end };
    const lineEnd = lines.indexOf('\n', match.index + match[0].length - 1);
    return { at: from + (lineEnd < 0 ? lines.length : lineEnd + 1), match };
  }
}

/** Whether `pid` is running (an exited child of ours is reaped by Node at once: no). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to a process that is not our child (the SIGHUP successor), SIGKILL after `graceMs`. */
export async function stopByPid(pid: number, graceMs: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** `sample` network indices spread evenly over `count`. */
export function sampleIndices(count: number, sample: number): number[] {
  return Array.from({ length: sample }, (_, k) => Math.floor((k * count) / sample));
}

interface Totals {
  sent: number;
  missed: number;
  late: number;
  longestGapMs: number;
}

/** Per service over every sampled network: questions, unanswered and late summed; the longest gap. */
export function worstOf<S extends 'dhcp' | 'dns' | 'metadata'>(
  probes: readonly ProbeResult[],
  services: readonly S[],
): Record<S, Totals> {
  const totals = {} as Record<S, Totals>;
  for (const service of services) {
    const sum: Totals = { sent: 0, missed: 0, late: 0, longestGapMs: 0 };
    for (const probe of probes) {
      const seen = probe[service];
      sum.sent += seen.sent;
      sum.missed += seen.missed;
      sum.late += seen.late;
      sum.longestGapMs = Math.max(sum.longestGapMs, seen.longestGapMs);
    }
    totals[service] = sum;
  }
  return totals;
}
