import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { metadataBurst, percentile } from '../../bench/metadata/load.js';
import { AllInOne, type Json, type ProbeInstance } from '../support/agent/all-in-one.js';
import { canUseNamespaces } from '../support/netns.js';
import { freePort } from './api-server-process.js';

/**
 * Issue 17 item 6, "Fair metadata": one instance holding 1,000+ idle metadata connections must not starve
 * a neighbour on the same network (before the caps of src/agent/metadata-proxy/connection-slots.ts the
 * neighbour got 32 of 50 answers). `qdhcp all-in-one`, one network, two probe instances with real leases
 * and the 169.254.169.254/32 route by DHCP; the hoarder is a small node client in its probe namespace
 * (test/support/metadata-hoarder-main.ts) that opens 1,100 connections and sends nothing; the neighbour then
 * asks 50 times, one request at a time, each on a new connection (bench/metadata/load-client.ts).
 *
 *   [host ns] brq(net) ── tap…══ns-… [<prefix>qdhcp-net] 169.254.169.254:80 (agent process)
 *              ├── tap…══eth0 [<prefix>qprobe-hoard]     1,100 idle connections
 *              └── tap…══eth0 [<prefix>qprobe-neighbour] 50 GETs
 *
 * Run twice: with the defaults (64 connections per source: the hoarder keeps 64), and with the per-source
 * cap lifted so the hoarder fills the whole network (1,024) and the neighbour's connections must each
 * close one of the hoarder's idle ones.
 */
const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';
const URL = 'http://169.254.169.254/latest/meta-data/instance-id';
const HOARDER = join(fileURLToPath(import.meta.url), '..', '..', 'support', 'metadata-hoarder-main.js');
const HOARDED = 1100;
const ASKS = 50;
/**
 * Issue 17's target is ≤ 100 ms per answer. The suite runs at `nice 19` beside other load on a 2-core
 * machine (the agent inherits that priority), so the assertion is generous; the measured p50/p99/max are
 * printed as diagnostics, and what matters here — every answer arrives, none waits for a 10 s timeout —
 * is asserted exactly.
 */
const ANSWER_BOUND_MS = 1000;

interface Hoarder {
  readonly child: ChildProcess;
  /** Open connections once every attempt settled. */
  readonly open: number;
  /** Ends the hoarder; resolves with how many connections it still held. */
  release(): Promise<number>;
}

/** Starts the hoarder in `namespace` and waits until its connections are all attempted. */
async function hoard(namespace: string): Promise<Hoarder> {
  const child = spawn(
    'ip',
    ['netns', 'exec', namespace, process.execPath, HOARDER, '169.254.169.254', '80', String(HOARDED)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stdin?.on('error', () => undefined);
  const lines: Json[] = [];
  let err = '';
  let out = '';
  const waiters: Array<() => void> = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const complete = out.split('\n');
    out = complete.pop() ?? '';
    for (const line of complete) if (line.startsWith('{')) lines.push(JSON.parse(line) as Json);
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const line = async (index: number): Promise<Json> => {
    const deadline = Date.now() + 60_000;
    while (lines[index] === undefined) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`hoarder: no output (${err})`);
      await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), delay(500)]);
    }
    return lines[index] ?? {};
  };
  const first = await line(0).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    child,
    open: Number(first['open']),
    async release() {
      child.stdin?.end('done\n');
      const last = await line(1).finally(() => {
        if (child.exitCode === null) child.kill('SIGKILL');
      });
      await exited;
      return Number(last['open']);
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The neighbour's 50 sequential asks: all answered 200, each within the bound; figures as diagnostics. */
async function neighbourAsks(t: TestContext, neighbour: ProbeInstance): Promise<void> {
  const result = await metadataBurst([neighbour.namespace], URL, ASKS, 1);
  const l = result.latenciesMs;
  t.diagnostic(
    `neighbour: ${JSON.stringify(result.statuses)} p50 ${percentile(l, 50)} ms, p99 ${percentile(l, 99)} ms, max ${l.at(-1)} ms`,
  );
  assert.deepEqual(result.statuses, { '200': ASKS }, `every ask answered (${result.failed} failed)`);
  assert.ok((l.at(-1) ?? Infinity) <= ANSWER_BOUND_MS, `slowest answer ${l.at(-1)} ms`);
}

async function limitedCount(metricsPort: number, reason: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('qdhcp_metadata_limited_total{') && l.includes(`reason="${reason}"`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('metadata fairness: one source holding 1,000+ connections', { skip, concurrency: false }, () => {
  let aio: AllInOne;
  let hoarderVm: ProbeInstance;
  let neighbour: ProbeInstance;
  let metricsPort: number;
  const running = new Set<ChildProcess>();

  before(async () => {
    metricsPort = await freePort();
    aio = await AllInOne.start('mdf', ['--metrics-bind', `127.0.0.1:${metricsPort}`]);
    const { network } = await aio.servedNetwork('md-fair', '10.86.0.0/24');
    const fields = (name: string) => ({
      name,
      hostname: name,
      user_data: Buffer.from('x').toString('base64'),
    });
    hoarderVm = await aio.probeInstance(String(network['id']), 'hoard', fields('hoard'));
    neighbour = await aio.probeInstance(String(network['id']), 'nbr', fields('nbr'));
  });

  after(async () => {
    for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
    await aio?.teardown();
  });

  test('defaults: the hoarder keeps 64 connections, the neighbour gets 50 of 50 answers', async (t) => {
    const hoarder = await hoard(hoarderVm.namespace);
    running.add(hoarder.child);
    t.diagnostic(`hoarder: ${HOARDED} attempted, ${hoarder.open} open`);
    assert.ok(hoarder.open <= 64, `the per-source cap holds (${hoarder.open} open)`);
    assert.ok(hoarder.open >= 32, `idle connections are kept up to the cap (${hoarder.open} open)`);
    await neighbourAsks(t, neighbour);
    assert.ok((await limitedCount(metricsPort, 'source_connections')) >= HOARDED - 64);
    await hoarder.release();
  });

  test('per-source cap lifted: the hoarder fills the network, the neighbour still gets 50 of 50', async (t) => {
    await aio.restart([
      '--metrics-bind',
      `127.0.0.1:${metricsPort}`,
      '--metadata-connections-per-source',
      '4096',
    ]);
    // Served again (the listener reopens with the resync).
    await aio.waitFor('metadata answering again', async () => {
      const probe = await metadataBurst([neighbour.namespace], URL, 1).catch(() => undefined);
      return probe?.statuses['200'] === 1 ? true : undefined;
    });
    const hoarder = await hoard(hoarderVm.namespace);
    running.add(hoarder.child);
    t.diagnostic(`hoarder: ${HOARDED} attempted, ${hoarder.open} open`);
    assert.ok(hoarder.open >= 1000 && hoarder.open <= 1024, `the network cap holds (${hoarder.open} open)`);
    await neighbourAsks(t, neighbour);
    const left = await hoarder.release();
    assert.ok(
      left < hoarder.open,
      `the neighbour's connections closed idle ones of the hoarder (${left} left)`,
    );
    assert.ok((await limitedCount(metricsPort, 'network_connections')) >= 1);
  });
});
