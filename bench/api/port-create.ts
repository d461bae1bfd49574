/**
 * Port-create benchmark of the control plane: latency (p50/p99) and throughput with 1 and 16 concurrent
 * HTTP clients, with 1,000 and 10,000 ports already on the network, on SQLite and PostgreSQL.
 *
 * Run: `bash bench/api/run.sh` (builds, then prints a table). The server runs in this process and
 * listens on a loopback port; clients are keep-alive HTTP connections to it. PostgreSQL uses a
 * throw-away database on 127.0.0.1:5432 that is dropped at the end.
 *
 * @module
 */
import { Agent, request } from 'node:http';
import { defaultConfig } from '../../src/common/config.js';
import { createTestDatabase } from '../../src/db/testing/test-databases.js';
import { buildControlPlane } from '../../src/main/server.js';

const SIZES = [1_000, 10_000];
const SAMPLES_SINGLE = Number(process.env['BENCH_SAMPLES'] ?? 300);
const SAMPLES_CONCURRENT = SAMPLES_SINGLE * 2;
const CONCURRENCY = 16;

interface Row {
  backend: string;
  existing: number;
  clients: number;
  creates: number;
  p50: number;
  p99: number;
  max: number;
  perSecond: number;
}

function call(
  agent: Agent,
  port: number,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { host: '127.0.0.1', port, method, path, agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function measure(agent: Agent, port: number, networkId: string, clients: number, total: number) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < total) {
        next++;
        const t0 = performance.now();
        const reply = await call(agent, port, 'POST', '/v2.0/ports', { port: { network_id: networkId } });
        latencies.push(performance.now() - t0);
        if (reply.status !== 201) throw new Error(`port create failed: ${reply.status} ${reply.body}`);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? 0,
    perSecond: total / elapsed,
  };
}

async function benchBackend(backend: 'sqlite' | 'postgres'): Promise<Row[]> {
  const database = await createTestDatabase(backend);
  const plane = await buildControlPlane(
    defaultConfig({ connection: database.url, state_dir: database.stateDir }),
  );
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const rows: Row[] = [];
  try {
    await plane.api.listen({ host: '127.0.0.1', port: 0 });
    const address = plane.api.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    for (const size of SIZES) {
      // A fresh network per size so "existing ports" is exact; /16 leaves room for everything.
      const net = JSON.parse(
        (await call(agent, port, 'POST', '/v2.0/networks', { network: { name: `bench-${size}` } })).body,
      );
      const networkId = net.network.id as string;
      await call(agent, port, 'POST', '/v2.0/subnets', {
        subnet: { network_id: networkId, ip_version: 4, cidr: `10.${100 + SIZES.indexOf(size)}.0.0/16` },
      });
      for (let made = 0; made < size; made += 500) {
        const batch = Array.from({ length: Math.min(500, size - made) }, () => ({ network_id: networkId }));
        const reply = await call(agent, port, 'POST', '/v2.0/ports', { ports: batch });
        if (reply.status !== 201) throw new Error(`prefill failed: ${reply.body}`);
      }
      await measure(agent, port, networkId, 1, 20); // warm-up: JIT and caches, not measured
      for (const clients of [1, CONCURRENCY]) {
        const creates = clients === 1 ? SAMPLES_SINGLE : SAMPLES_CONCURRENT;
        const result = await measure(agent, port, networkId, clients, creates);
        rows.push({ backend, existing: size, clients, creates, ...result });
        process.stderr.write(`${backend} ${size} ports, ${clients} client(s): done\n`);
      }
    }
  } finally {
    agent.destroy();
    await plane.close();
    await database.drop();
  }
  return rows;
}

async function main(): Promise<void> {
  const backends = (process.env['BENCH_BACKENDS'] ?? 'sqlite,postgres').split(',') as (
    | 'sqlite'
    | 'postgres'
  )[];
  const rows: Row[] = [];
  for (const backend of backends) rows.push(...(await benchBackend(backend)));
  const fmt = (n: number) => n.toFixed(2).padStart(8);
  console.log('| backend  | existing ports | clients | creates | p50 ms | p99 ms | max ms | creates/s |');
  console.log('| -------- | -------------: | ------: | ------: | -----: | -----: | -----: | --------: |');
  for (const r of rows) {
    console.log(
      `| ${r.backend.padEnd(8)} | ${String(r.existing).padStart(14)} | ${String(r.clients).padStart(7)} | ${String(r.creates).padStart(7)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.max)} | ${r.perSecond.toFixed(0).padStart(9)} |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
