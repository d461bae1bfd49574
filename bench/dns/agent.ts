import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runCommand } from '../../src/linux/run-command.js';
import { AllInOne, type Json } from '../../test/support/agent/all-in-one.js';

/**
 * DNS benchmark of the agent (issue 6): dnsperf from a probe namespace on a tenant network against the DNS
 * served in that network's DHCP namespace — by the builtin driver (the agent process) and by the dnsmasq
 * driver (Neutron's dnsmasq) — with the same ports, hence the same names, in the same run. Queries mix
 * FQDN A, short-name A and PTR of every port (`host-<ip>.openstacklocal`, as addn_hosts has them).
 * Prints queries/s, the server's CPU per query (utime+stime from /proc around the run: the all-in-one
 * process for builtin, which also holds the idle API; dnsmasq's own PID otherwise) and the ratios.
 *
 *   node dist/bench/dns/agent.js [--hosts 1000] [--seconds 10] [--clients 4] [--outstanding 100]
 *     [--drivers builtin,dnsmasq] [--rounds 1]
 *
 * Needs root, dnsperf, dnsmasq and a build. Everything is in namespaces under a unique prefix (the
 * all-in-one test harness); nothing touches the root namespace but the API on 127.0.0.1.
 */
const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '4' },
    outstanding: { type: 'string', default: '100' },
    drivers: { type: 'string', default: 'builtin,dnsmasq' },
    rounds: { type: 'string', default: '1' },
  },
});
const HOSTS = Number(values.hosts);
if (!Number.isInteger(HOSTS) || HOSTS < 1 || HOSTS > 3500) throw new Error('--hosts must be 1..3500');
const drivers = values.drivers.split(',') as Array<'builtin' | 'dnsmasq'>;
const CIDR = '10.78.0.0/20';
const address = (i: number) => `10.78.${1 + (i >> 8)}.${i & 255}`;
const log = (line: string) =>
  process.stderr.write(`[bench-dns-agent ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** Clock ticks (utime + stime) of a PID. */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

/** The node process of this all-in-one (found by its unique state directory; read only, never signalled). */
function allInOnePid(stateDir: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.includes('all-in-one') && argv.includes(stateDir)) return Number(entry);
    } catch {
      // gone
    }
  }
  throw new Error(`no all-in-one process with --state-dir ${stateDir}`);
}

/**
 * Waits until `pid` uses under 5 % of a core over one second (at most 60 s): right after the bulk create,
 * all-in-one is still marking 1,000 ports ACTIVE, which would be billed to the builtin driver's DNS.
 */
async function untilIdle(pid: number): Promise<void> {
  const hz = Number((await runCommand('getconf', ['CLK_TCK'])).stdout.trim());
  for (let second = 0; second < 60; second++) {
    const before = cpuTicks(pid);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (cpuTicks(pid) - before < hz * 0.05) return;
  }
}

interface Result {
  readonly driver: string;
  readonly qps: number;
  readonly lost: number;
  readonly cpuUsPerQuery: number;
}

async function measure(driver: 'builtin' | 'dnsmasq', rounds: number): Promise<Result[]> {
  const aio = await AllInOne.start(driver === 'builtin' ? 'bdb' : 'bdd', [
    '--driver',
    driver,
    '--resync-interval',
    '0',
  ]);
  try {
    const network = await aio.create('/v2.0/networks', 'network', { name: 'dns-bench' });
    const subnet = await aio.create('/v2.0/subnets', 'subnet', {
      network_id: network['id'],
      ip_version: 4,
      cidr: CIDR,
      allocation_pools: [{ start: '10.78.0.2', end: '10.78.0.250' }],
    });
    for (let start = 0; start < HOSTS; start += 250) {
      const ports: Json[] = [];
      for (let i = start; i < Math.min(HOSTS, start + 250); i++) {
        ports.push({
          network_id: network['id'],
          device_owner: 'compute:nova',
          fixed_ips: [{ subnet_id: subnet['id'], ip_address: address(i) }],
        });
      }
      const reply = await aio.api('POST', '/v2.0/ports', { ports });
      if (reply.status !== 201)
        throw new Error(`bulk port create: ${reply.status} ${JSON.stringify(reply.body)}`);
    }
    const probe = await aio.probe('create', ['--network', String(network['id']), '--name', 'bench']);
    if (probe.code !== 0) throw new Error(`probe: ${probe.stdout}${probe.stderr}\n${aio.output()}`);
    const server = /dns {7}(\d+\.\d+\.\d+\.\d+)/.exec(probe.stdout)?.[1];
    if (server === undefined) throw new Error(`no DNS server in the lease: ${probe.stdout}`);
    const namespace = aio.probeNamespace('bench');
    const last = `host-${address(HOSTS - 1).replaceAll('.', '-')}.openstacklocal`;
    await aio.waitFor(
      `${last} resolves`,
      async () => {
        const out = await runCommand(
          'ip',
          ['netns', 'exec', namespace, 'dig', '+short', '+time=1', '+tries=1', `@${server}`, last],
          {
            allowFailure: true,
          },
        );
        return out.stdout.trim() === address(HOSTS - 1) ? true : undefined;
      },
      120_000,
    );
    const queries: string[] = [];
    for (let i = 0; i < HOSTS; i++) {
      const ip = address(i);
      const hostname = `host-${ip.replaceAll('.', '-')}`;
      queries.push(
        `${hostname}.openstacklocal A`,
        `${hostname} A`,
        `${ip.split('.').reverse().join('.')}.in-addr.arpa PTR`,
      );
    }
    const queryFile = aio.bed.path('queries.txt');
    writeFileSync(queryFile, `${queries.join('\n')}\n`);
    const pid =
      driver === 'builtin'
        ? allInOnePid(aio.bed.path('state'))
        : ((await aio.served()).find((n) => n.networkId === network['id']) as { pid?: number } | undefined)
            ?.pid;
    if (pid === undefined) throw new Error('server PID not found');
    const dnsperf = (seconds: string) =>
      runCommand(
        'ip',
        [
          ...['netns', 'exec', namespace, 'dnsperf', '-s', server, '-d', queryFile, '-l', seconds],
          ...['-c', values.clients, '-q', values.outstanding, '-t', '2'],
        ],
        { timeoutMs: (Number(seconds) + 30) * 1000 },
      );
    await untilIdle(pid);
    await dnsperf('2'); // warm-up, not counted: JIT for node, caches for both
    const results: Result[] = [];
    for (let round = 0; round < rounds; round++) {
      const before = cpuTicks(pid);
      const out = await dnsperf(values.seconds);
      const ticks = cpuTicks(pid) - before;
      const qps = Number(/Queries per second:\s+([\d.]+)/.exec(out.stdout)?.[1] ?? 0);
      const completed = Number(/Queries completed:\s+(\d+)/.exec(out.stdout)?.[1] ?? 0);
      const lost = Number(/Queries lost:\s+(\d+)/.exec(out.stdout)?.[1] ?? 0);
      const hz = Number((await runCommand('getconf', ['CLK_TCK'])).stdout.trim());
      const cpuUsPerQuery = completed > 0 ? ((ticks / hz) * 1e6) / completed : 0;
      log(
        `${driver}: ${Math.round(qps)} queries/s, lost ${lost}, ${cpuUsPerQuery.toFixed(1)} us CPU per query`,
      );
      results.push({ driver, qps, lost, cpuUsPerQuery });
    }
    return results;
  } finally {
    await aio.teardown();
  }
}

const rounds = Number(values.rounds);
const all: Result[] = [];
for (const driver of drivers) {
  log(`${driver}: ${HOSTS} ports`);
  all.push(...(await measure(driver, rounds)));
}
const best = (driver: string) => all.filter((r) => r.driver === driver).sort((a, b) => b.qps - a.qps)[0];
console.log('\n| driver | DNS server | ports | queries/s | lost | server CPU per query |');
console.log('|---|---|---|---|---|---|');
for (const r of all) {
  const what = r.driver === 'builtin' ? 'agent process (src/dns)' : 'dnsmasq (Neutron flags)';
  console.log(
    `| ${r.driver} | ${what} | ${HOSTS} | ${Math.round(r.qps)} | ${r.lost} | ${r.cpuUsPerQuery.toFixed(1)} µs |`,
  );
}
const ours = best('builtin');
const theirs = best('dnsmasq');
if (ours !== undefined && theirs !== undefined) {
  console.log(
    `\nratio builtin/dnsmasq (best round each): ${(ours.qps / theirs.qps).toFixed(2)} by queries/s, ` +
      `${(theirs.cpuUsPerQuery / ours.cpuUsPerQuery).toFixed(2)} by CPU per query (>1 = builtin cheaper)`,
  );
}
console.log(
  `(dnsperf -c ${values.clients} -q ${values.outstanding}, ${values.seconds} s per round, from a probe namespace)`,
);
