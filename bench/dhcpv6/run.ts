import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Namespace, Sandbox } from '../../test/support/netns.js';
import { Cleanup } from '../compare/cleanup.js';
import { busiestProcesses, loadAverage } from '../compare/machine.js';
import { serverClientPair } from '../compare/server-client-pair.js';
import { SERVER_ADDRESS } from './network.js';
import { bestStep, ladder, perfdhcp6, type Step } from './perfdhcp6.js';
import { type ServerKind, startServer } from './servers.js';
import { type SizeResult, table } from './table.js';

/**
 * Issue 15's DHCPv6 benchmark (docs/performance.md "DHCPv6: builtin engine vs dnsmasq"):
 *
 *   node dist/bench/dhcpv6/run.js [--quick] [--sizes "100 10000"] [--servers "builtin dnsmasq"]
 *                                 [--profile DIR] [--prefix-file F]
 *
 * For each size and server: a server namespace and a client namespace joined by a veth, the server started
 * (servers.ts), a warm-up, then a ladder of offered rates of full perfdhcp -6 exchanges (perfdhcp6.ts), each
 * step its own perfdhcp run with the server's and perfdhcp's CPU around it; the ladder stops after two
 * steps in a row with more than 1 % of exchanges failed. Prints a markdown table with the ratios of the
 * run; the steps go to bench/results/dhcpv6-<time>/steps.json.
 */
const flag = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
};
const QUICK = process.argv.includes('--quick');
const SIZES = (flag('--sizes') ?? '100 10000').split(/\s+/).filter(Boolean).map(Number);
const SERVERS = (flag('--servers') ?? 'builtin dnsmasq').split(/\s+/).filter(Boolean) as ServerKind[];
const PROFILE = flag('--profile');
const STEP_SECONDS = QUICK ? 3 : 10;
const WARM_SECONDS = QUICK ? 2 : 5;
const RATES = [
  25, 50, 100, 200, 300, 500, 750, 1000, 1250, 1500, 1750, 2000, 2500, 3000, 4000, 5000, 6000, 8000, 10000,
];
const cleanup = new Cleanup(flag('--prefix-file'));
const log = (text: string): void => {
  process.stderr.write(`[dhcpv6 ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
};

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void cleanup.all().finally(() => process.exit(130));
  });
}

/** Waits (≤ 10 s) until no address of `device` is still doing duplicate address detection. */
async function settled(namespace: Namespace, device: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const shown = await namespace.ip(['-6', 'addr', 'show', 'dev', device, 'tentative']);
    if (shown.stdout.trim() === '') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${namespace.name} ${device}: addresses still tentative after 10 s`);
}

/** Udp6RcvbufErrors of a namespace: datagrams the kernel dropped because a socket's receive buffer was full. */
async function rcvbufErrors(namespace: Namespace): Promise<string> {
  const snmp = await namespace.exec('cat', ['/proc/net/snmp6'], { allowFailure: true });
  return /^Udp6RcvbufErrors\s+(\d+)/m.exec(snmp.stdout)?.[1] ?? '?';
}

async function measure(kind: ServerKind, hosts: number): Promise<Step[]> {
  const sandbox = new Sandbox('d6');
  cleanup.prefix(sandbox.prefix);
  cleanup.track(sandbox);
  try {
    const { server, client, serverDevice, clientDevice } = await serverClientPair(sandbox, [
      `${SERVER_ADDRESS}/64`,
    ]);
    await settled(server, serverDevice);
    await settled(client, clientDevice);
    const profileDir = PROFILE === undefined ? undefined : resolve(PROFILE, `${kind}-${hosts}`);
    const process_ = await startServer(kind, sandbox, server, serverDevice, hosts, profileDir);
    const pid = process_.pid;
    const warm = await perfdhcp6(client, clientDevice, pid, 500, hosts, WARM_SECONDS);
    if (warm.replies === 0) throw new Error(`warm-up: no Reply from ${kind}: ${process_.stderr.slice(-500)}`);
    const steps = await ladder(
      RATES,
      (rate) => perfdhcp6(client, clientDevice, pid, rate, hosts, STEP_SECONDS),
      (step) =>
        log(
          `${kind} N=${hosts} offered ${step.offered}/s: achieved ${step.achieved.toFixed(0)}/s, ` +
            `failed ${(step.failed * 100).toFixed(2)} %, server ${step.serverMicros.toFixed(1)} µs, ` +
            `perfdhcp ${step.perfdhcpMicros.toFixed(1)} µs per exchange; load ${loadAverage()}`,
        ),
    );
    log(
      `${kind} N=${hosts} UDP receive-buffer drops: server ${await rcvbufErrors(server)}, client ${await rcvbufErrors(client)}`,
    );
    await process_.stop();
    if (kind === 'builtin') log(`builtin counters: ${process_.stdout.trim().split('\n').at(-1) ?? ''}`);
    return steps;
  } finally {
    await cleanup.release(sandbox);
  }
}

const started = new Date();
const loadBefore = loadAverage();
const busy = await busiestProcesses();
log(`load ${loadBefore}; busiest processes:\n  ${busy.join('\n  ')}`);
const results: SizeResult[] = [];
for (const hosts of SIZES) {
  const byServer = new Map<ServerKind, Step[]>();
  for (const kind of SERVERS) {
    log(`${kind}: ${hosts} hosts`);
    try {
      byServer.set(kind, await measure(kind, hosts));
    } catch (error) {
      log(`FAILED ${kind} N=${hosts}: ${error instanceof Error ? error.message : String(error)}`);
      byServer.set(kind, []);
    }
  }
  results.push({ hosts, byServer, best: new Map([...byServer].map(([k, s]) => [k, bestStep(s)])) });
}
const loadAfter = loadAverage();
const here = fileURLToPath(new URL('.', import.meta.url));
const outDir = join(here, '../../../bench/results', `dhcpv6-${started.toISOString().replace(/[:.]/g, '')}`);
mkdirSync(outDir, { recursive: true });
const raw = results.map((r) => ({ hosts: r.hosts, steps: Object.fromEntries(r.byServer) }));
writeFileSync(join(outDir, 'steps.json'), `${JSON.stringify(raw, null, 1)}\n`);
const report = [
  table(results, STEP_SECONDS),
  '',
  `Load average before: ${loadBefore}; after: ${loadAfter}. Busiest processes at the start:`,
  ...busy.map((line) => `- ${line}`),
].join('\n');
writeFileSync(join(outDir, 'report.md'), `${report}\n`);
process.stdout.write(`${report}\n`);
log(`raw data: ${outDir}`);
