import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../../src/linux/run-command.js';

const CLIENT = join(fileURLToPath(import.meta.url), '..', 'load-client.js');

/** What one burst from several probes gave. */
export interface BurstResult {
  readonly statuses: Record<string, number>;
  readonly failed: number;
  /** Every request's latency, sorted ascending (ms). */
  readonly latenciesMs: readonly number[];
  /** First request sent → last answer, as the probes saw it (ms, including client start). */
  readonly wallMs: number;
}

/**
 * `perProbe` GETs of `url` from each probe namespace, `concurrency` at a time per probe (default: all at
 * once), all probes together (one node client per namespace, started together), merged. Used by the metadata e2e (200 requests, all answered) and by
 * bench/metadata (p50/p99).
 */
export async function metadataBurst(
  namespaces: readonly string[],
  url: string,
  perProbe: number,
  concurrency = perProbe,
): Promise<BurstResult> {
  const start = performance.now();
  const runs = await Promise.all(
    namespaces.map((namespace) =>
      runCommand(
        'ip',
        ['netns', 'exec', namespace, process.execPath, CLIENT, url, String(perProbe), String(concurrency)],
        {
          timeoutMs: 60_000,
        },
      ),
    ),
  );
  const wallMs = performance.now() - start;
  const statuses: Record<string, number> = {};
  let failed = 0;
  const latencies: number[] = [];
  for (const run of runs) {
    const out = JSON.parse(run.stdout) as {
      statuses: Record<string, number>;
      failed: number;
      latenciesMs: number[];
    };
    for (const [status, n] of Object.entries(out.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
    failed += out.failed;
    latencies.push(...out.latenciesMs);
  }
  return { statuses, failed, latenciesMs: latencies.sort((a, b) => a - b), wallMs };
}

/** The q-th percentile (0–100) of sorted values, nearest rank. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
