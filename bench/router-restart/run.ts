/**
 * Agent restart with many routers (issue 13): `qdhcp server` + `qdhcp agent` over RabbitMQ with --routers
 * routers (default 200), each with a tenant network and a gateway on one external network; --probes of them
 * (default 10, spread evenly) have an instance namespace pinging the outside through SNAT every 100 ms, and
 * the first of those a floating IP the outside pings every 100 ms (test/support/router-restart-bed.ts).
 *
 * Cases, one after another on the same routers: `kill -9` of the agent then a new one; SIGTERM, wait for
 * the exit, then a new one; a planned takeover (`qdhcp agent --takeover` beside the running one, which
 * exits once replaced — what SIGHUP starts). Per case: echoes sent and lost, the longest time between two
 * answers (any probe), the time from the new process's start to its startup router sync (`l3.synced`) and
 * its CPU by then, and how many routers' namespaces (inode) or nftables tables (handles) changed.
 *
 *   node dist/bench/router-restart/run.js [--prefix-file F] [--routers 200] [--probes 10]
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { PingSummary } from '../../test/support/ping-probe.js';
import {
  type BedAgent,
  type Convergence,
  RouterRestartBed,
  rebuilt,
} from '../../test/support/router-restart-bed.js';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}
const routerCount = Number(option('routers', '200'));
const probeCount = Math.min(routerCount, Number(option('probes', '10')));
const prefixFile = option('prefix-file', '');
const CONVERGE_TIMEOUT_MS = 15 * 60_000;

const load = (): string => loadavg()[0]?.toFixed(1) ?? '?';
const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** A way to replace the running agent: returns the new one (started) once the old one is gone or leaving. */
type Restart = (bed: RouterRestartBed, old: BedAgent) => Promise<BedAgent>;

const CASES: readonly { name: string; restart: Restart }[] = [
  {
    name: 'kill -9, then start',
    async restart(bed, old) {
      old.process.signal('SIGKILL');
      if (!(await old.process.waitForExit(30_000))) throw new Error('killed agent still running');
      return bed.startAgent([]);
    },
  },
  {
    name: 'SIGTERM, exit, then start',
    async restart(bed, old) {
      const asked = Date.now();
      old.process.signal('SIGTERM');
      if (!(await old.process.waitForExit(120_000))) throw new Error('agent did not exit on SIGTERM');
      log(`# SIGTERM → exit: ${Date.now() - asked} ms`);
      return bed.startAgent([]);
    },
  },
  {
    name: 'planned: `--takeover` beside the running one',
    async restart(bed, old) {
      const successor = await bed.startAgent(['--takeover']);
      const took = await successor.process.waitForOutput(/"event":"agent\.took_over"[^\n]*/, 300_000);
      log(`# ${took[0]}`);
      if (!(await old.process.waitForExit(60_000))) throw new Error('replaced agent did not exit');
      return successor;
    },
  },
];

async function main(): Promise<void> {
  const bed = await RouterRestartBed.start('brr');
  if (prefixFile !== '') writeFileSync(prefixFile, `${bed.namespacePrefix}\n`, { flag: 'a' });
  const stop = () => void bed.teardown().then(() => process.exit(130));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    const setupStarted = Date.now();
    await bed.addRouters(routerCount);
    const apiDone = Date.now();
    await bed.built(CONVERGE_TIMEOUT_MS);
    log(
      `# ${routerCount} routers: API ${((apiDone - setupStarted) / 1000).toFixed(1)} s, built ${((Date.now() - apiDone) / 1000).toFixed(1)} s after (load ${load()})`,
    );
    const step = routerCount / probeCount;
    for (let probe = 0; probe < probeCount; probe++)
      await bed.addInstance(bed.routers[Math.floor(probe * step)]!, probe === 0);
    // Let the first agent's work (gratuitous ARP of the floating IP, metadata listeners) settle.
    await new Promise((resolve) => setTimeout(resolve, 3000));

    const lines = [
      `Agent restart with ${routerCount} routers; ${probeCount} instances ping the outside through SNAT and the outside pings one floating IP, every 100 ms; load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at start`,
      '',
      '| case | echoes sent | lost | longest gap ms | converged (s from process start) | agent CPU s until converged | namespaces rebuilt | nft tables rebuilt | load (1 min) |',
      '|---|---|---|---|---|---|---|---|---|',
    ];
    for (const { name, restart } of CASES) {
      const pings = await bed.startPings(10, 60_000);
      const before = await bed.identities();
      const old = bed.agent!;
      const next = await restart(bed, old);
      bed.agent = next;
      const convergence: Convergence = await bed.converged(next, routerCount, CONVERGE_TIMEOUT_MS);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const seen = await bed.stopPings(pings);
      const changed = rebuilt(before, await bed.identities());
      for (const { label, summary } of seen) log(`#   ${name} ${label}: ${JSON.stringify(summary)}`);
      const output = next.process.stdout + next.process.stderr;
      for (const event of ['l3.router_failed', 'router.metadata_failed', 'agent.took_over'])
        log(`#   ${name}: ${event} × ${output.split(`"event":"${event}"`).length - 1}`);
      const total = (pick: (s: PingSummary) => number): number =>
        seen.reduce((sum, { summary }) => sum + pick(summary), 0);
      const gap = Math.max(...seen.map(({ summary }) => summary.longestGapMs));
      lines.push(
        `| ${name} | ${total((s) => s.sent)} | ${total((s) => s.lost)} | ${gap} | ${(convergence.ms / 1000).toFixed(1)} | ${(convergence.cpuMs / 1000).toFixed(1)} | ${changed.namespaces} | ${changed.tables} | ${load()} |`,
      );
      log(lines.at(-1) ?? '');
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await bed.teardown();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
