/**
 * The proxy's own cost per request, without namespaces, bridges or the bus (issue 17 item 2): the metadata
 * proxy with the builtin backend on 127.0.0.1 (its lookup answers at once with one instance), with its fast
 * path (a guest's GET answered without node:http) and without it (`fastPath: false`), against a bare
 * `node:http` server writing a fixed body — the floor any `node:http`-based proxy stands on. The load client
 * (load-client.ts) is a separate process, so the CPU measured (`process.cpuUsage()` of this process, from
 * "go" to the last answer) is the server's alone. Alternates proxy and bare, R rounds of N requests, C at a
 * time, each on its own connection as in bench/metadata/run.ts.
 *
 *   node dist/bench/metadata/loopback.js [--requests 2000] [--concurrency 20] [--rounds 4] [--path P]
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBuiltinBackend } from '../../src/agent/metadata-proxy/backends.js';
import type { InstanceLookup } from '../../src/agent/metadata-proxy/instance-lookup.js';
import { MetadataProxy } from '../../src/agent/metadata-proxy/proxy-server.js';
import type { GetInstanceResult } from '../../src/bus/dhcp-agent-rpc.js';
import { createLogger } from '../../src/common/logger.js';
import { sampleContext } from '../../src/metadata/testing/fixtures.js';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const requests = Number(option('requests', '2000'));
const concurrency = option('concurrency', '20');
const rounds = Number(option('rounds', '4'));
const path = option('path', '/latest/meta-data/instance-id');
const CLIENT = join(fileURLToPath(import.meta.url), '..', 'load-client.js');

/** The sample instance as the server sends it on the bus (user data base64). */
function sampleResult(): GetInstanceResult {
  const sample = sampleContext();
  const { userData, ...rest } = sample.instance;
  return JSON.parse(
    JSON.stringify({
      identity: { portId: sample.requestPort.id, instanceId: rest.id, projectId: rest.projectId },
      context: {
        instance: {
          ...rest,
          userDataBase64: userData === undefined ? null : Buffer.from(userData).toString('base64'),
        },
        requestPort: sample.requestPort,
        ports: sample.ports,
        domain: sample.domain,
      },
    }),
  ) as GetInstanceResult;
}

/** Server CPU (µs, user and system) per request for one round against `port`. */
async function round(port: number): Promise<{ user: number; system: number }> {
  const child = spawn(
    process.execPath,
    [CLIENT, `http://127.0.0.1:${port}${path}`, String(requests), concurrency],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  let out = '';
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.startsWith('ready\n')) resolve();
    }),
  );
  const before = process.cpuUsage();
  child.stdin.end('go\n');
  await new Promise<void>((resolve) => child.once('close', () => resolve()));
  const used = process.cpuUsage(before);
  if (!out.includes(`"200":${requests}`)) throw new Error(`not every request answered: ${out}`);
  return { user: used.user / requests, system: used.system / requests };
}

async function main(): Promise<void> {
  const result = sampleResult();
  const lookup: InstanceLookup = { find: async () => ({ result, cached: true }) };
  /** The proxy on a loopback port, with or without the fast path (docs/performance.md, issue 17 item 2). */
  const startProxy = async (fastPath: boolean) => {
    let port = 0;
    const proxy = new MetadataProxy({
      backend: createBuiltinBackend(lookup),
      logger: createLogger({ level: 'silent' }),
      fastPath,
      listen: async (_namespace, onConnection) => {
        const server = net.createServer(onConnection);
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        port = (server.address() as AddressInfo).port;
        return server;
      },
    });
    await proxy.open('loopback', 'none');
    return { proxy, port };
  };
  const fast = await startProxy(true);
  const slow = await startProxy(false);
  const body = Buffer.from('i-0000000a');
  const bare = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.byteLength });
    response.end(body);
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const barePort = (bare.address() as AddressInfo).port;
  const lines = [
    `Metadata proxy on loopback, GET ${path}, ${requests} requests ${concurrency} at a time per round (load ${loadavg()[0]?.toFixed(2)} at start)`,
    '',
    '| round | proxy, fast path: µs/request (user + system) | proxy, all through node:http | bare node:http |',
    '|---|---|---|---|',
  ];
  const fmt = (r: { user: number; system: number }) =>
    `${(r.user + r.system).toFixed(0)} (${r.user.toFixed(0)} + ${r.system.toFixed(0)})`;
  for (const port of [fast.port, slow.port, barePort]) await round(port); // warm-up: JIT
  for (let i = 1; i <= rounds; i++)
    lines.push(
      `| ${i} | ${fmt(await round(fast.port))} | ${fmt(await round(slow.port))} | ${fmt(await round(barePort))} |`,
    );
  lines.push('', `load ${loadavg()[0]?.toFixed(2)} at end`);
  process.stdout.write(`${lines.join('\n')}\n`);
  await fast.proxy.stop();
  await slow.proxy.stop();
  bare.close();
}

await main();
