/**
 * Helpers of bench/security-groups/run.ts: taps in the host namespace, kernel reads, timing and CPU.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { runCommand } from '../../src/linux/run-command.js';
import type { Namespace } from '../../test/support/netns.js';

/**
 * CPU time (ms) used so far by `pid` and its waited-for children (utime+stime+cutime+cstime, USER_HZ 100:
 * 10 ms resolution): the all-in-one's node process plus the ip/ipset/iptables-restore it ran.
 */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 10;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export async function iptablesSave(host: Namespace): Promise<string> {
  return (await host.exec('iptables-save', ['-t', 'filter'], { timeoutMs: 30_000 })).stdout;
}

/**
 * Veth pairs `tap<port id[0:11]>` in the host namespace (as Nova names an instance's tap), each peer
 * `v<index>` in the bench's vms namespace; one `ip -batch` per 200.
 */
export async function plugTaps(
  host: Namespace,
  vms: Namespace,
  portIds: readonly string[],
  firstIndex: number,
): Promise<void> {
  for (let i = 0; i < portIds.length; i += 200) {
    const lines = portIds
      .slice(i, i + 200)
      .map(
        (id, k) =>
          `link add tap${id.slice(0, 11)} type veth peer name v${firstIndex + i + k} netns ${vms.name}`,
      );
    await runCommand('ip', ['-n', host.name, '-batch', '-'], { input: `${lines.join('\n')}\n` });
  }
}

export async function unplugTap(host: Namespace, tap: string): Promise<void> {
  await host.ip(['link', 'del', tap]);
}

/** Polls `check` every `everyMs` until true; throws after `timeoutMs`. */
export async function waitUntil(
  what: string,
  everyMs: number,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * One sample: `action` (the API call), then `done` polled every `pollMs` (ms from just before the call);
 * `first` (optional) is polled alongside until true. CPU of `pid` from before the call to the end (read
 * after 100 ms of settling, for work that finishes after what is polled).
 */
export async function timed(
  pid: number | undefined,
  row: { ms: number[]; first: number[]; cpu: number[]; api: number[] },
  pollMs: number,
  action: () => Promise<void>,
  done: () => Promise<boolean>,
  first?: () => Promise<boolean>,
): Promise<void> {
  const cpuBefore = cpuMs(pid);
  const started = performance.now();
  await action();
  row.api.push(performance.now() - started);
  let firstAt: number | undefined;
  await waitUntil('change enforced', pollMs, 120_000, async () => {
    if (first !== undefined && firstAt === undefined && (await first()))
      firstAt = performance.now() - started;
    return done();
  });
  const elapsed = performance.now() - started;
  row.ms.push(elapsed);
  if (first !== undefined) row.first.push(firstAt ?? elapsed);
  await new Promise((resolve) => setTimeout(resolve, 100));
  row.cpu.push(cpuMs(pid) - cpuBefore);
}
