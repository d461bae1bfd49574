/**
 * Floating-IP benchmark (issue 13): `qdhcp all-in-one --bridge-mappings physnet1:<br>,public:<pub>` set up as
 * test/e2e/seed-flatdhcp.test.ts does (a flat tenant network 10.0.0.0/24, an external flat "public"
 * 172.24.4.0/24 whose outside namespace holds 172.24.4.1, a router with gateway and the tenant subnet, one
 * instance made by `qdhcp probe` running test/support/whoami-main.ts as a UDP echo).
 *
 * For N in --counts (default "1 200"): N-1 floating IPs are associated with bare tenant ports (no instance:
 * the router's NAT rules are what is measured), then S samples of: disassociate the measured floating IP
 * (until the outside gets no answer), start bench/routers/udp-first-reply.ts in the outside namespace
 * (a datagram every 5 ms), `PUT /v2.0/floatingips/{id}` with the instance's port_id, and take the time from
 * just before the request to the first echo the outside receives via the floating IP. Also the agent's CPU
 * (/proc/<pid>/stat utime+stime) per associate. Prints a markdown table.
 *
 * `--profile`: the agent logs at debug level and, per sample, the path is split at the timestamps of the
 * router reconciler's `l3.router_applied` line and the data plane's `l3.floating_ip_delta`: API call →
 * commit (the event's `occurredAt`) → event received → work started → router fetched (when it was) → the
 * delta's process started → its nft and ip in (gratuitous ARP sent) → first echo; and its conntrack part.
 *
 *   node dist/bench/routers/run.js [--prefix-file F] [--counts "1 200"] [--samples 20] [--profile]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { routerNamespaceName } from '../../src/agent/naming.js';
import { AllInOne, type Json } from '../../test/support/agent/all-in-one.js';
import { Namespace } from '../../test/support/netns.js';
import { ManagedProcess } from '../../test/support/process.js';

const HERE = join(fileURLToPath(import.meta.url), '..');
const WHOAMI = join(HERE, '..', '..', 'test', 'support', 'whoami-main.js');
const PROBER = join(HERE, 'udp-first-reply.js');
const ECHO_PORT = 8080;
const UPSTREAM = '172.24.4.1';
const PROBE_INTERVAL_MS = 5;

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}
const counts = option('counts', '1 200').split(/\s+/).filter(Boolean).map(Number);
const samples = Number(option('samples', '20'));
const prefixFile = option('prefix-file', '');
const profile = process.argv.includes('--profile');
if (profile) process.env['QDHCP_LOG_LEVEL'] = 'debug'; // inherited by the all-in-one process

/** One sample's timestamps (epoch ms): the associate request sent and the first echo received. */
interface Sample {
  readonly started: number;
  readonly first: number;
}

/** `l3.router_applied` (src/agent/router/router-reconciler.ts), as logged. */
interface Applied {
  readonly occurredAt: string;
  readonly receivedAt: number;
  readonly startedAt: number;
  readonly fetchedAt?: number;
  readonly appliedAt: number;
}

/** The path of each sample split at the agent's timestamps: a markdown row of p50/p99 per stage. */
function profileRows(output: string, samples: readonly Sample[], count: number): string[] {
  const applied = output
    .split('\n')
    .filter((line) => line.includes('"l3.router_applied"'))
    .map((line) => JSON.parse(line) as Applied);
  const deltas = output
    .split('\n')
    .filter((line) => line.includes('"l3.floating_ip_delta"'))
    .map((line) => JSON.parse(line) as { startedAt: number; inAt: number; doneAt: number });
  const stages: Record<string, number[]> = {
    'API → commit': [],
    'commit → event received': [],
    'received → work started': [],
    'router fetch (RPC)': [],
    'fetched → delta process started': [],
    'process: nft + ip in (GARP sent)': [],
    'in → first echo': [],
    'process: conntrack, exit': [],
  };
  let fetched = 0;
  for (const sample of samples) {
    const entry = applied
      .filter((a) => Date.parse(a.occurredAt) >= sample.started)
      .sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt))[0];
    if (entry === undefined) continue;
    const commit = Date.parse(entry.occurredAt);
    const fetchDone = entry.fetchedAt ?? entry.startedAt;
    if (entry.fetchedAt !== undefined) fetched++;
    const delta = deltas.find((d) => d.startedAt >= fetchDone && d.doneAt <= entry.appliedAt);
    const values = [
      commit - sample.started,
      entry.receivedAt - commit,
      entry.startedAt - entry.receivedAt,
      fetchDone - entry.startedAt,
      (delta?.startedAt ?? Number.NaN) - fetchDone,
      (delta?.inAt ?? Number.NaN) - (delta?.startedAt ?? Number.NaN),
      sample.first - (delta?.inAt ?? Number.NaN),
      (delta?.doneAt ?? Number.NaN) - (delta?.inAt ?? Number.NaN),
    ];
    for (const [index, list] of Object.values(stages).entries()) list.push(values[index] ?? Number.NaN);
  }
  return Object.entries(stages).map(([stage, values]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return `| ${count} | ${stage} | ${percentile(sorted, 50)} | ${percentile(sorted, 99)} | ${sorted.length} (${fetched} fetched) |`;
  });
}

/** CPU time (ms) used so far by `pid`, user + system, from /proc (USER_HZ 100: 10 ms resolution). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function main(): Promise<void> {
  let br = '';
  let pub = '';
  let mappings = '';
  const aio = await AllInOne.start('brt', (bed) => {
    br = bed.sandbox.device('br100');
    pub = bed.sandbox.device('pub');
    mappings = `physnet1:${br},public:${pub}`;
    return ['--bridge-mappings', mappings];
  });
  if (prefixFile !== '') writeFileSync(prefixFile, `${aio.bed.namespacePrefix}\n`, { flag: 'a' });
  const stop = () => void aio.teardown().then(() => process.exit(130));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    const { sandbox, host } = aio.bed;
    await sandbox.addBridge(host, br);
    await sandbox.addBridge(host, pub);
    const outside = await sandbox.addNamespace('out');
    await sandbox.addVeth(host, sandbox.device('o'), outside, 'eth0', {
      bridge: pub,
      peerAddresses: [`${UPSTREAM}/24`],
    });

    const fixedNet = await aio.create('/v2.0/networks', 'network', {
      name: 'fixed',
      'provider:network_type': 'flat',
      'provider:physical_network': 'physnet1',
    });
    const fixedSubnet = await aio.create('/v2.0/subnets', 'subnet', {
      network_id: fixedNet['id'],
      ip_version: 4,
      cidr: '10.0.0.0/24',
      gateway_ip: '10.0.0.1',
    });
    const publicNet = await aio.create('/v2.0/networks', 'network', {
      name: 'public',
      'router:external': true,
      'provider:network_type': 'flat',
      'provider:physical_network': 'public',
    });
    await aio.create('/v2.0/subnets', 'subnet', {
      network_id: publicNet['id'],
      ip_version: 4,
      cidr: '172.24.4.0/24',
      gateway_ip: UPSTREAM,
      enable_dhcp: false,
    });
    const router = await aio.create('/v2.0/routers', 'router', {
      name: 'r1',
      external_gateway_info: { network_id: publicNet['id'] },
    });
    const added = await aio.api('PUT', `/v2.0/routers/${String(router['id'])}/add_router_interface`, {
      subnet_id: fixedSubnet['id'],
    });
    if (added.status !== 200) throw new Error(`add_router_interface: ${JSON.stringify(added.body)}`);

    const created = await aio.probe('create', [
      '--network',
      String(fixedNet['id']),
      '--name',
      'vm',
      '--bridge-mappings',
      mappings,
    ]);
    const portId = /port (\S+) mac/.exec(created.stdout)?.[1];
    if (created.code !== 0 || portId === undefined)
      throw new Error(`probe create: ${created.stdout}${created.stderr}`);
    const vm = new Namespace(aio.probeNamespace('vm'));
    await sandbox
      .spawn(vm, 'echo-vm', process.execPath, [WHOAMI, 'serve', String(ECHO_PORT)])
      .waitForOutput(/listening/, 10_000);

    const measured = await aio.create('/v2.0/floatingips', 'floatingip', {
      floating_network_id: publicNet['id'],
    });
    const fipId = String(measured['id']);
    const fipAddress = String(measured['floating_ip_address']);
    const background: Json[] = [];
    await warmUp(aio, outside, fipId, fipAddress, portId, String(router['id']));

    const lines = [
      `Floating IP associate → first UDP echo at the outside via the floating IP (probe every ${PROBE_INTERVAL_MS} ms), ${samples} samples per row; load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at start`,
      '',
      '| floating IPs on the router | samples | API p50 ms | first packet p50 ms | first packet p99 ms | max ms | agent CPU ms / associate | load (1 min) |',
      '|---|---|---|---|---|---|---|---|',
    ];
    const profiled: string[] = [];
    for (const count of counts) {
      // The other count-1 floating IPs: bare ports on the tenant network, each with a floating IP.
      while (background.length < count - 1) {
        const port = await aio.create('/v2.0/ports', 'port', {
          network_id: fixedNet['id'],
          name: `bg${background.length}`,
        });
        background.push(
          await aio.create('/v2.0/floatingips', 'floatingip', {
            floating_network_id: publicNet['id'],
            port_id: port['id'],
          }),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 3000)); // let the agent settle on the new set
      const firstMs: number[] = [];
      const apiMs: number[] = [];
      const timeline: Sample[] = [];
      let cpu = 0;
      for (let sample = 0; sample < samples; sample++) {
        const off = await aio.api('PUT', `/v2.0/floatingips/${fipId}`, { floatingip: { port_id: null } });
        if (off.status !== 200) throw new Error(`disassociate: ${JSON.stringify(off.body)}`);
        await waitUnreachable(outside, fipAddress);
        const prober = ManagedProcess.start('udp-first-reply', 'ip', [
          ...['netns', 'exec', outside.name, process.execPath, PROBER],
          ...[fipAddress, String(ECHO_PORT), String(PROBE_INTERVAL_MS), '10000'],
        ]);
        await prober.waitForOutput(/ready/, 10_000);
        const cpuBefore = cpuMs(aio.pid);
        const started = Date.now();
        const on = await aio.api('PUT', `/v2.0/floatingips/${fipId}`, { floatingip: { port_id: portId } });
        apiMs.push(Date.now() - started);
        if (on.status !== 200) throw new Error(`associate: ${JSON.stringify(on.body)}`);
        const first = await prober.waitForOutput(/first (\d+)|timeout/, 15_000);
        if (first[1] === undefined)
          throw new Error(
            `no echo via ${fipAddress} within 10 s\n${await routerState(aio, String(router['id']))}`,
          );
        firstMs.push(Number(first[1]) - started);
        timeline.push({ started, first: Number(first[1]) });
        await prober.stop();
        cpu += cpuMs(aio.pid) - cpuBefore;
      }
      firstMs.sort((a, b) => a - b);
      apiMs.sort((a, b) => a - b);
      lines.push(
        `| ${count} | ${samples} | ${percentile(apiMs, 50)} | ${percentile(firstMs, 50)} | ${percentile(firstMs, 99)} | ${firstMs.at(-1)} | ${(cpu / samples).toFixed(1)} | ${loadavg()[0]?.toFixed(2)} |`,
      );
      process.stderr.write(`${lines.at(-1)}\n`);
      if (profile) {
        await new Promise((resolve) => setTimeout(resolve, 1500)); // the agent's log is flushed every second
        profiled.push(...profileRows(aio.log(), timeline, count));
      }
    }
    if (profiled.length > 0)
      lines.push(
        '',
        '| floating IPs | stage | p50 ms | p99 ms | samples |',
        '|---|---|---|---|---|',
        ...profiled,
      );
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await aio.teardown();
  }
}

/**
 * The first association, not measured: the router's namespace and gateway are made asynchronously after
 * the API calls, so wait (bounded, 60 s) until the echo comes back once; on failure, show the router's state.
 */
async function warmUp(
  aio: AllInOne,
  outside: Namespace,
  fipId: string,
  address: string,
  portId: string,
  routerId: string,
): Promise<void> {
  const on = await aio.api('PUT', `/v2.0/floatingips/${fipId}`, { floatingip: { port_id: portId } });
  if (on.status !== 200) throw new Error(`associate: ${JSON.stringify(on.body)}`);
  for (let attempt = 0; attempt < 60; attempt++) {
    const asked = await outside.exec(process.execPath, [PROBER, address, String(ECHO_PORT), '50', '1000'], {
      allowFailure: true,
      timeoutMs: 20_000, // generous: `ip netns exec node` takes seconds on a loaded machine
    });
    if (asked.code === 0) return;
  }
  throw new Error(`warm-up: no echo via ${address} in 60 s\n${await routerState(aio, routerId)}`);
}

/** The router namespace's addresses, routes and nftables rules: what a failed sample is explained by. */
async function routerState(aio: AllInOne, routerId: string): Promise<string> {
  const router = new Namespace(routerNamespaceName(routerId, aio.bed.namespacePrefix));
  const state = await Promise.all([
    router.exec('ip', ['-br', 'addr'], { allowFailure: true }),
    router.exec('ip', ['route'], { allowFailure: true }),
    router.exec('nft', ['list', 'ruleset'], { allowFailure: true }),
  ]);
  return state.map((r) => r.stdout + r.stderr).join('\n');
}

/** Waits (bounded, 10 s) until a UDP echo to `address` from `outside` goes unanswered for 300 ms. */
async function waitUnreachable(outside: Namespace, address: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const asked = await outside.exec(process.execPath, [PROBER, address, String(ECHO_PORT), '50', '300'], {
      allowFailure: true,
      timeoutMs: 20_000, // generous: `ip netns exec node` takes seconds on a loaded machine
    });
    if (asked.code !== 0) return;
  }
  throw new Error(`floating IP ${address} still answers after disassociation`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
