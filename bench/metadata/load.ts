import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLIENT = join(fileURLToPath(import.meta.url), '..', 'load-client.js');
/** Requests each client sends one at a time before "go" (not in the latencies; the server does serve them). */
export const WARMUP_REQUESTS = 3;

/** What one burst from several probes gave. */
export interface BurstResult {
  readonly statuses: Record<string, number>;
  readonly failed: number;
  /** Every request's latency, sorted ascending (ms). */
  readonly latenciesMs: readonly number[];
  /** "go" → last answer (ms). */
  readonly wallMs: number;
  /** CPU the load clients used from their "go" to their last answer, all together (ms). */
  readonly clientCpuMs: number;
}

interface ClientOutput {
  readonly statuses: Record<string, number>;
  readonly failed: number;
  readonly latenciesMs: number[];
  readonly cpuMs: number;
}

/** One load client in a namespace: resolves `ready` after its warm-up, `done` with its JSON line. */
function startClient(namespace: string, args: readonly string[]) {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', namespace, process.execPath, CLIENT, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin?.on('error', () => undefined); // "go" to a client that already died: its exit code reports it
  let out = '';
  let err = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.startsWith('ready\n')) onReady();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const done = new Promise<ClientOutput>((resolve, reject) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((text) => text.startsWith('{'));
      if (code === 0 && line !== undefined) resolve(JSON.parse(line) as ClientOutput);
      else reject(new Error(`load client in ${namespace} exited ${code}: ${err}`));
    });
  });
  // A client that dies during warm-up must not leave the burst waiting for its "ready".
  void done.catch(() => onReady());
  return { child, ready, done };
}

/**
 * `perProbe` GETs of `url` from each probe namespace, `concurrency` at a time per probe (default: all at
 * once), every probe together: one node client per namespace warms up, then all get "go" at once, so
 * client start-up stays out of the latencies. Used by the metadata e2e (200 requests, all answered) and by
 * bench/metadata (p50/p99).
 */
export async function metadataBurst(
  namespaces: readonly string[],
  url: string,
  perProbe: number,
  concurrency = perProbe,
  /** Called right before "go" and once every client has answered (a bench reads CPU counters there). */
  window: { readonly go?: () => void; readonly done?: () => void } = {},
): Promise<BurstResult> {
  const clients = namespaces.map((namespace) =>
    startClient(namespace, [url, String(perProbe), String(concurrency), String(WARMUP_REQUESTS)]),
  );
  await Promise.all(clients.map((client) => client.ready));
  window.go?.();
  const start = performance.now();
  for (const client of clients) client.child.stdin?.end('go\n');
  const outputs = await Promise.all(clients.map((client) => client.done));
  const wallMs = performance.now() - start;
  window.done?.();
  const statuses: Record<string, number> = {};
  let failed = 0;
  let clientCpuMs = 0;
  const latencies: number[] = [];
  for (const output of outputs) {
    clientCpuMs += output.cpuMs;
    for (const [status, n] of Object.entries(output.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
    failed += output.failed;
    latencies.push(...output.latenciesMs);
  }
  return { statuses, failed, latenciesMs: latencies.sort((a, b) => a - b), wallMs, clientCpuMs };
}

/** The q-th percentile (0–100) of sorted values, nearest rank. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
