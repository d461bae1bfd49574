/**
 * Helpers of bench/security-groups/run.ts: taps in the host namespace, kernel reads, timing and CPU.
 *
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { type CommandResult, inNetworkNamespace, runCommand } from '../../src/linux/run-command.js';
import type { Namespace } from '../../test/support/netns.js';

/**
 * CPU time (ms) used so far by `pid` and its children (utime+stime+cutime+cstime, USER_HZ 100: 10 ms
 * resolution, plus the running children's utime+stime): the all-in-one's node process plus the
 * ip/ipset/iptables-restore it ran or keeps running.
 */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const fields = statFields(pid);
  return (
    (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 10 +
    liveChildrenMs(pid)
  );
}

function statFields(pid: number | string): string[] {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
}

/**
 * utime+stime of the children still running (`ip monitor link`, an iptables-restore not yet finished):
 * not in cutime until they exit. One that exits between
 * two reads moves into cutime with all its time, so the difference stays right.
 */
function liveChildrenMs(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    let children: string[] = [];
    try {
      children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(' ').filter(Boolean);
    } catch {
      continue; // the thread ended
    }
    for (const child of children) {
      try {
        const fields = statFields(child);
        total += (Number(fields[11]) + Number(fields[12])) * 10;
      } catch {
        // exited meanwhile: its time is in our cutime now
      }
    }
  }
  return total;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/**
 * A probe run in the host namespace: `nsenter --net` (the namespace's network only), not `ip netns exec`,
 * which also makes a mount namespace and remounts /sys for every process (src/linux/run-command.ts
 * `inNetworkNamespace`): on a loaded machine that made each poll, not the change, most of a sample.
 */
export function probe(
  host: Namespace,
  file: string,
  args: readonly string[],
  allowFailure = false,
): Promise<CommandResult> {
  const [command, commandArgs] = inNetworkNamespace(host.name, file, args);
  return runCommand(command, commandArgs, { allowFailure });
}

/** The host namespace's filter table, through `nsenter` as {@link probe} (it is polled in samples too). */
export async function iptablesSave(host: Namespace): Promise<string> {
  const [command, args] = inNetworkNamespace(host.name, 'iptables-save', ['-t', 'filter']);
  return (await runCommand(command, args, { timeoutMs: 30_000 })).stdout;
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
