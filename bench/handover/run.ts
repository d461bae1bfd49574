/**
 * Issue 17, planned restart and upgrade at scale: an agent serving --networks networks (default 1,000; bed:
 * ./bed.ts) is replaced while an instance on each of --sample of them (default 10, spread evenly) asks DHCP
 * (DISCOVER / unicast renewal in turn), DNS and metadata every 100 ms. Cases, one after another on the same
 * networks: with --old DIR (a built checkout) the first agent runs that build and is taken over by this one
 * (`--takeover`: an upgrade); then `--takeover` by this build; then SIGHUP (the agent starts its successor
 * from the binary on disk). Per case and service: questions asked, unanswered (no answer within 10 s), late
 * (answered after 1 s), the longest time between two answers; the takeover's duration (successor started →
 * old agent exited), its own phases from the agents' logs, and both agents' CPU over it. Markdown on stdout.
 *
 *   node dist/bench/handover/run.js [--prefix-file F] [--networks 1000] [--sample 10] [--old DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ManagedProcess } from '../../test/support/process.js';
import { cpuMs } from '../../test/support/router-restart-bed.js';
import { HandoverBed, type ProbeResult, type ProbeTiming } from './bed.js';
import { alive, OutputWatch, sampleIndices, stopByPid, worstOf } from './watch.js';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}
const networkCount = Number(option('networks', '1000'));
const sampleCount = Math.min(networkCount, Number(option('sample', '10')));
const oldDir = option('old', '');
const prefixFile = option('prefix-file', '');
const THIS_BUILD = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const LOG_DIR = join(THIS_BUILD, 'var', 'bench-handover');
const TIMING: ProbeTiming = { intervalMs: 100, timeoutMs: 1000, giveUpMs: 10_000 };
const SERVE_TIMEOUT_MS = 30 * 60_000;
/**
 * How long a takeover may take. The successor gives up 120 s after its own start-up (the old one goes on),
 * but on a starved machine its start-up alone took minutes at 1,000 networks.
 */
const TAKEOVER_TIMEOUT_MS = 900_000;

const load = (): string => loadavg()[0]?.toFixed(1) ?? '?';
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An agent process: our child (`process`), or the SIGHUP successor, whose output is its parent's. */
interface Agent {
  readonly pid: number;
  readonly process: ManagedProcess | undefined;
  /** The process whose pipes carry this agent's log. */
  readonly output: ManagedProcess;
}

/** A way to start the successor of `current`: returns it and when it was started (Date.now()). */
type Replace = (bed: HandoverBed, current: Agent) => Promise<{ successor: Agent; startedAt: number }>;

const takeoverBy =
  (dir: string): Replace =>
  async (bed) => {
    const startedAt = Date.now();
    const child = bed.startAgent(dir, ['--takeover']);
    return { successor: { pid: child.pid ?? -1, process: child, output: child }, startedAt };
  };

const bySighup: Replace = async (_bed, current) => {
  const watch = new OutputWatch(current.output);
  const startedAt = Date.now();
  process.kill(current.pid, 'SIGHUP');
  const line = await watch.next(/"event":"agent\.successor_started","successor":(\d+)/, 30_000);
  return { successor: { pid: Number(line[1]), process: undefined, output: current.output }, startedAt };
};

interface CaseResult {
  readonly probes: ProbeResult[];
  readonly takeoverMs: number;
  readonly tookOver: Record<string, unknown>;
  readonly handedOver: Record<string, unknown>;
  readonly cpuOldMs: number;
  readonly cpuSuccessorMs: number;
}

/** The same probes with no restart, as long as a case about lasts: what the machine's load alone costs. */
async function runReference(bed: HandoverBed, ms: number): Promise<ProbeResult[]> {
  const probers = await bed.startProbers();
  await sleep(ms);
  const probes = await bed.stopProbers(probers);
  for (const probe of probes) log(`#   ${probe.label}: ${JSON.stringify(probe)}`);
  return probes;
}

/** Seconds from the successor's start at which late or unanswered questions were sent, per service. */
function whenLate(probes: readonly ProbeResult[], offsetMs: number): string {
  const at = (times: readonly number[]) =>
    [...new Set(times.map((t) => Math.round((t - offsetMs) / 100) / 10))].sort((a, b) => a - b).join(' ');
  return (['dhcp', 'dns', 'metadata'] as const)
    .map((service) => {
      const seen = probes.flatMap((probe) => {
        const summary = probe[service];
        const missed = summary.missedAt.map((m) => (typeof m === 'number' ? m : m.atMs));
        return [...summary.lateAt, ...missed];
      });
      return `${service} [${at(seen)}]`;
    })
    .join(', ');
}

async function runCase(
  bed: HandoverBed,
  current: Agent,
  replace: Replace,
  started: (successor: Agent) => void,
): Promise<[Agent, CaseResult]> {
  const probers = await bed.startProbers();
  const probersStarted = Date.now();
  await sleep(2000);
  const oldWatch = new OutputWatch(current.output);
  const successorWatch = new OutputWatch(current.output);
  const cpuOldAtStart = cpuMs(current.pid);
  const { successor, startedAt } = await replace(bed, current);
  started(successor);
  const newWatch = successor.output === current.output ? successorWatch : new OutputWatch(successor.output);
  // The old agent's CPU is read until it is gone (/proc/PID goes with it): the last reading, ≤ 100 ms old.
  let cpuOld = cpuOldAtStart;
  const deadline = Date.now() + TAKEOVER_TIMEOUT_MS;
  let cpuSuccessor = Number.NaN;
  while (alive(current.pid)) {
    const reading = cpuMs(current.pid);
    if (Number.isFinite(reading)) cpuOld = reading;
    cpuSuccessor = cpuMs(successor.pid);
    if (Date.now() > deadline)
      throw new Error(`agent ${current.pid} still running ${TAKEOVER_TIMEOUT_MS} ms on`);
    if (successor.process?.exit !== undefined)
      throw new Error(`successor exited before taking over:\n${successor.process.output()}`);
    await sleep(100);
  }
  const takeoverMs = Date.now() - startedAt;
  cpuSuccessor = cpuMs(successor.pid);
  const parse = (line: RegExpMatchArray) => JSON.parse(line[0]) as Record<string, unknown>;
  const tookOver = parse(await newWatch.next(/\{[^\n]*"event":"agent\.took_over"[^\n]*\}/, 30_000));
  const handedOver = parse(await oldWatch.next(/\{[^\n]*"event":"agent\.handed_over"[^\n]*\}/, 30_000));
  await sleep(3000);
  const probes = await bed.stopProbers(probers);
  for (const probe of probes) log(`#   ${probe.label}: ${JSON.stringify(probe)}`);
  log(
    `#   old agent exited at +${(takeoverMs / 1000).toFixed(1)} s; late or unanswered questions sent at (s from the successor's start): ${whenLate(probes, startedAt - probersStarted)}`,
  );
  return [
    successor,
    {
      probes,
      takeoverMs,
      tookOver,
      handedOver,
      cpuOldMs: cpuOld - cpuOldAtStart,
      cpuSuccessorMs: cpuSuccessor,
    },
  ];
}

/** The probes' columns of a row: asked, unanswered, late, longest gap, each per service. */
function probeColumns(probes: readonly ProbeResult[]): string {
  const services = ['dhcp', 'dns', 'metadata'] as const;
  const worst = worstOf(probes, services);
  const per = (pick: (s: (typeof worst)['dhcp']) => number) =>
    services.map((s) => pick(worst[s])).join(' / ');
  return `${per((s) => s.sent)} | ${per((s) => s.missed)} | ${per((s) => s.late)} | ${per((s) => s.longestGapMs)}`;
}

function row(name: string, result: CaseResult): string {
  const { tookOver, handedOver } = result;
  const sockets = `${String(tookOver['adopted'])} / ${String(tookOver['opened'])} / ${String(tookOver['mismatched'])}`;
  return `| ${name} | ${probeColumns(result.probes)} | ${(result.takeoverMs / 1000).toFixed(1)} | ${String(tookOver['startToTakeoverMs'])} | ${String(handedOver['handoverMs'])} + ${String(handedOver['releaseMs'])} | ${sockets} | ${(result.cpuOldMs / 1000).toFixed(2)} + ${(result.cpuSuccessorMs / 1000).toFixed(2)} | ${load()} |`;
}

async function main(): Promise<void> {
  const bed = await HandoverBed.start('bho');
  if (prefixFile !== '') writeFileSync(prefixFile, `${bed.bed.sandbox.prefix}\n`, { flag: 'a' });
  const agents: Agent[] = [];
  const teardown = async () => {
    for (const agent of agents.reverse())
      await (agent.process?.stop(30_000) ?? stopByPid(agent.pid, 30_000)).catch(() => undefined);
    // The agents' logs, for the timings behind a row (the SIGHUP successor's is in its parent's).
    mkdirSync(LOG_DIR, { recursive: true });
    for (const agent of agents)
      if (agent.process !== undefined) {
        const file = join(LOG_DIR, `${bed.bed.sandbox.prefix}-${agent.process.label}.log`);
        writeFileSync(file, agent.process.stdout + agent.process.stderr);
        log(`# log: ${file}`);
      }
    await bed.teardown();
  };
  const stop = () => void teardown().then(() => process.exit(130));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    const first = bed.startAgent(oldDir === '' ? THIS_BUILD : oldDir, []);
    let current: Agent = { pid: first.pid ?? -1, process: first, output: first };
    agents.push(current);
    await new OutputWatch(first).next(/qdhcp agent started/, 120_000);
    const setupStarted = Date.now();
    await bed.addNetworks(networkCount);
    const apiMs = Date.now() - setupStarted;
    const servedMs = await bed.served(networkCount, SERVE_TIMEOUT_MS);
    log(
      `# ${networkCount} networks: API ${(apiMs / 1000).toFixed(1)} s, served ${(servedMs / 1000).toFixed(1)} s after (load ${load()}, agent CPU ${(cpuMs(current.pid) / 1000).toFixed(1)} s)`,
    );
    await bed.addSamples(sampleIndices(networkCount, sampleCount), TIMING);

    const cases: { name: string; replace: Replace }[] = [
      ...(oldDir === ''
        ? []
        : [{ name: `upgrade: ${oldDir} → this build (--takeover)`, replace: takeoverBy(THIS_BUILD) }]),
      { name: '`--takeover`, same build', replace: takeoverBy(THIS_BUILD) },
      { name: 'SIGHUP (successor from the binary on disk)', replace: bySighup },
    ];
    const lines = [
      `Planned restart of an agent serving ${networkCount} networks; on ${sampleCount} of them an instance asks DHCP, DNS and metadata every ${TIMING.intervalMs} ms (late: answered after ${TIMING.timeoutMs} ms; unanswered: not within ${TIMING.giveUpMs} ms). Load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at start.`,
      ...(oldDir === '' ? ['', 'Upgrade case skipped: no `--old DIR` (a built older checkout) given.'] : []),
      '',
      '| case | asked dhcp / dns / metadata | unanswered | late (> 1 s) | longest gap ms | takeover s (successor start → old exit) | successor start → took over ms | old: handover + release ms | sockets adopted / opened / mismatched | CPU s old + successor | load (1 min) |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
    ];
    log(`# case: no restart, reference (load ${load()})`);
    lines.push(
      `| no restart (reference, 15 s) | ${probeColumns(await runReference(bed, 15_000))} | – | – | – | – | – | ${load()} |`,
    );
    log(lines.at(-1) ?? '');
    for (const { name, replace } of cases) {
      await bed.served(networkCount, SERVE_TIMEOUT_MS);
      log(`# case: ${name} (load ${load()})`);
      try {
        const [successor, result] = await runCase(bed, current, replace, (started) => agents.push(started));
        current = successor;
        lines.push(row(name, result));
      } catch (error) {
        // The rows so far still count; the next case would start from an unknown state.
        const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
        lines.push(`| ${name} | failed: ${reason} |`);
        log(lines.at(-1) ?? '');
        break;
      }
      log(lines.at(-1) ?? '');
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await teardown();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
