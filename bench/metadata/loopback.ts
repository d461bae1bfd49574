/**
 * The proxy's own cost per request, without namespaces, bridges or the bus (issue 17 item 2): the metadata
 * proxy with the builtin backend on 127.0.0.1 (its lookup answers at once with one instance) on the addon's
 * listener as the agent runs it (`raw`), on a `net.Server` with its fast path (`fast`) and without it
 * (`http`: everything through node:http), against floors answering a fixed body: a bare `node:http` server
 * (`bare`), a bare `net.Server` that answers the first bytes (`net`: Node's per-connection floor) and the
 * bare addon listener (`raw-bare`). The load client
 * (load-client.ts) is a separate process, so the CPU measured (`process.cpuUsage()` of this process, from
 * "go" to the last answer) is the server's alone. Alternates the servers, R rounds of N requests, C at a
 * time, each on its own connection as in bench/metadata/run.ts (the servers alternate within a round).
 *
 *   node dist/bench/metadata/loopback.js [--requests 2000] [--concurrency 20] [--rounds 4] [--path P]
 *     [--servers raw,fast,http,bare,net,raw-bare]
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
import { loopbackListener } from '../../src/agent/metadata-proxy/testing/loopback-listener.js';
import type { GetInstanceResult } from '../../src/bus/dhcp-agent-rpc.js';
import { createLogger } from '../../src/common/logger.js';
import { AcceptEvent } from '../../src/linux/tcp-accept-socket.js';
import { rawLoopbackListener } from '../../src/linux/testing/raw-loopback.js';
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

/** Every server the bench can measure, by name (`--servers a,b,…` picks and orders them). */
const SERVERS = ['raw', 'fast', 'http', 'bare', 'net', 'raw-bare'] as const;
type ServerName = (typeof SERVERS)[number];
const LABELS: Record<ServerName, string> = {
  raw: "proxy, addon accept + fast path (the agent's)",
  fast: 'proxy, net.Server + fast path',
  http: 'proxy, all node:http',
  bare: 'bare node:http',
  net: 'bare net.Server',
  'raw-bare': 'bare addon accept',
};

async function main(): Promise<void> {
  const result = sampleResult();
  // As the agent's lookup with the instance cached: `settled` lets the fast path answer at once.
  const lookup: InstanceLookup = { find: async () => ({ result, cached: true }), settled: () => result };
  const stops: (() => unknown)[] = [];
  /** The proxy on a loopback port: its listener the addon's or a net.Server, with or without the fast path. */
  const startProxy = async (fastPath: boolean, raw: boolean) => {
    let port = 0;
    const proxy = new MetadataProxy({
      backend: createBuiltinBackend(lookup),
      logger: createLogger({ level: 'silent' }),
      fastPath,
      listen: loopbackListener(raw ? 'raw' : 'net', (opened) => {
        port = opened;
      }),
    });
    await proxy.open('loopback', 'none');
    stops.push(() => proxy.stop());
    return port;
  };
  const body = Buffer.from('i-0000000a');
  const fixed = Buffer.from(
    `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.byteLength}\r\nConnection: close\r\n\r\n${body}`,
  );
  const startBare = async () => {
    const bare = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.byteLength });
      response.end(body);
    });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    stops.push(() => bare.close());
    return (bare.address() as AddressInfo).port;
  };
  /** Node's floor: a net.Server that answers a fixed response to the first bytes and closes. */
  const startNet = async () => {
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.end(fixed));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stops.push(() => server.close());
    return (server.address() as AddressInfo).port;
  };
  /** The addon's floor: the same fixed answer to every connection's first bytes. */
  const startRawBare = async () => {
    const { listener, port } = rawLoopbackListener();
    listener.start((count, batch) => {
      for (let i = 0; i < count; i++)
        if (batch.kinds[i] === AcceptEvent.acceptedWithData || batch.kinds[i] === AcceptEvent.data)
          listener.reply(batch.fds[i]!, fixed);
    });
    stops.push(() => listener.close());
    return port;
  };
  const start: Record<ServerName, () => Promise<number>> = {
    raw: () => startProxy(true, true),
    fast: () => startProxy(true, false),
    http: () => startProxy(false, false),
    bare: startBare,
    net: startNet,
    'raw-bare': startRawBare,
  };
  const chosen = option('servers', SERVERS.join(','))
    .split(',')
    .filter((name): name is ServerName => (SERVERS as readonly string[]).includes(name));
  const ports: number[] = [];
  for (const name of chosen) ports.push(await start[name]());
  const lines = [
    `Metadata servers on loopback, GET ${path}, ${requests} requests ${concurrency} at a time per round (load ${loadavg()[0]?.toFixed(2)} at start)`,
    'server CPU µs per request (user + system)',
    '',
    `| round | ${chosen.map((name) => LABELS[name]).join(' | ')} |`,
    `|---|${chosen.map(() => '---|').join('')}`,
  ];
  const fmt = (r: { user: number; system: number }) =>
    `${(r.user + r.system).toFixed(0)} (${r.user.toFixed(0)} + ${r.system.toFixed(0)})`;
  for (const port of ports) await round(port); // warm-up: JIT
  for (let i = 1; i <= rounds; i++) {
    const cells: string[] = [];
    for (const port of ports) cells.push(fmt(await round(port)));
    lines.push(`| ${i} | ${cells.join(' | ')} |`);
  }
  lines.push('', `load ${loadavg()[0]?.toFixed(2)} at end`);
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const stop of stops) await stop();
}

await main();
