/**
 * A metadata load client, run inside a probe namespace (`ip netns exec PROBE node
 * dist/bench/metadata/load-client.js URL COUNT [CONCURRENCY [WARMUP]]`). It first sends WARMUP (3) requests one at a time
 * (its own start-up and JIT stay out of the figures), prints `ready`, waits for a line on stdin, then sends
 * COUNT requests, CONCURRENCY at a time (default: all at once), each on its own connection, and prints one
 * JSON line: `{"statuses": {"200": N}, "failed": 0, "latenciesMs": [...], "cpuMs": C}` (request start → body
 * read; C: this client's own CPU from "go" to its last answer, user + system, so a bench can say how much of
 * the shared cores its clients took).
 */
import { request } from 'node:http';
import net from 'node:net';
import { createInterface } from 'node:readline';

interface Outcome {
  readonly status: number | 'error';
  readonly ms: number;
}

function once(url: string, timeoutMs: number): Promise<Outcome> {
  const start = performance.now();
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - start }));
      res.on('error', () => resolve({ status: 'error', ms: performance.now() - start }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 'error', ms: performance.now() - start }));
    req.end();
  });
}

/**
 * The same GET on a bare `net.Socket` (QDHCP_LOAD_CLIENT=raw): request bytes written at connect, the answer
 * read to the server's close, the status taken from its first line. What node:http's client costs per
 * request (agent, parser, request and response objects) is CPU the load clients take from the cores the
 * server shares with them; this client takes less, so a burst's latencies say more about the server.
 */
function onceRaw(url: string, timeoutMs: number): Promise<Outcome> {
  const start = performance.now();
  const { hostname, port, pathname, search } = new URL(url);
  const head = `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`;
  return new Promise((resolve) => {
    let first: Buffer | undefined;
    const socket = net.connect({ host: hostname, port: Number(port || 80) }, () => socket.write(head));
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('timeout')));
    socket.on('data', (chunk: Buffer) => {
      first ??= chunk;
    });
    socket.on('error', () => resolve({ status: 'error', ms: performance.now() - start }));
    socket.on('end', () => {
      const status = Number(first?.toString('latin1', 9, 12));
      resolve({ status: Number.isInteger(status) ? status : 'error', ms: performance.now() - start });
    });
  });
}

const get = process.env['QDHCP_LOAD_CLIENT'] === 'raw' ? onceRaw : once;

async function main(): Promise<void> {
  const [url, countText, concurrencyText, warmupText] = process.argv.slice(2);
  const count = Number(countText ?? '1');
  const concurrency = Number(concurrencyText ?? count);
  if (
    url === undefined ||
    !Number.isInteger(count) ||
    count < 1 ||
    !Number.isInteger(concurrency) ||
    concurrency < 1
  ) {
    process.stderr.write(
      'usage: load-client.js URL COUNT [CONCURRENCY (default COUNT) [WARMUP (default 3)]]\n',
    );
    process.exit(2);
  }
  for (let i = 0; i < Number(warmupText ?? 3); i++) await get(url, 30_000);
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  lines.close();
  const cpuAtGo = process.cpuUsage();
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      outcomes.push(await get(url, 30_000));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const cpu = process.cpuUsage(cpuAtGo);
  const statuses: Record<string, number> = {};
  for (const { status } of outcomes) statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
  process.stdout.write(
    `${JSON.stringify({
      statuses,
      failed: outcomes.filter((o) => o.status === 'error').length,
      latenciesMs: outcomes.map((o) => Math.round(o.ms * 100) / 100),
      cpuMs: (cpu.user + cpu.system) / 1000,
    })}\n`,
  );
}

await main();
