import { writeFileSync } from 'node:fs';
import { runCommand } from '../../src/linux/run-command.js';
import { busiestProcesses, loadAverage } from '../compare/machine.js';
import { AckProber } from './ack-prober.js';
import { type DhcpAgentUnderTest, NeutronDhcpAgent, QdhcpAgent } from './agents.js';
import { CastListener } from './cast-listener.js';
import { type BenchNetwork, NeutronApi } from './neutron-api.js';
import { NeutronBed } from './neutron-bed.js';
import { use } from './process-set.js';
import { type AgentFigures, table } from './report.js';
import { allServed, type Bench, burst, propagation, restart } from './scenarios.js';
import { sqlFill } from './sql-fill.js';

/**
 * neutron-dhcp-agent vs `qdhcp agent --neutron` under the same real neutron-server (issue 16), in one run:
 * `node dist/bench/neutron-agent/run.js [--prefix-file F] [--sizes 10,1000,5000] [--samples 30]
 * [--agents neutron,qdhcp] [--restart-networks 20] [--restart-ports 200] [--burst 100]`
 * (bench/neutron-agent/run.sh builds and calls it). Progress on stderr, the table on stdout.
 */
const flag = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
};
const SIZES = (flag('--sizes') ?? '10,1000,5000').split(',').map(Number);
const SAMPLES = Number(flag('--samples') ?? 30);
const AGENTS = (flag('--agents') ?? 'neutron,qdhcp').split(',');
const RESTART_NETWORKS = Number(flag('--restart-networks') ?? 20);
const RESTART_PORTS = Number(flag('--restart-ports') ?? 200);
const BURST = Number(flag('--burst') ?? 100);
const prefixFile = flag('--prefix-file');
/** Ports of each network made through the API before the rest are copied in SQL (sql-fill.ts). */
const API_FILL = Number(flag('--api-fill') ?? 20);
/** Per size: the samples stop when this much time has gone (neutron at 5,000 ports takes seconds each). */
const SIZE_BUDGET_MS = Number(flag('--size-budget-s') ?? 240) * 1000;

const log = (text: string): void => {
  process.stderr.write(`[neutron-agent-bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
};

interface Layout {
  readonly sized: readonly BenchNetwork[];
  readonly burst: BenchNetwork;
  readonly restart: readonly BenchNetwork[];
  readonly all: readonly BenchNetwork[];
}

async function layout(api: NeutronApi): Promise<Layout> {
  let physnet = 0;
  const make = (name: string): Promise<BenchNetwork> => {
    physnet += 1;
    return api.network(name, physnet, 150 + physnet);
  };
  const sized: BenchNetwork[] = [];
  for (const size of SIZES) sized.push(await make(`bench-${size}`));
  const burstNet = await make('bench-burst');
  const restartNets: BenchNetwork[] = [];
  for (let i = 0; i < RESTART_NETWORKS; i += 1) restartNets.push(await make(`bench-restart-${i + 1}`));
  return { sized, burst: burstNet, restart: restartNets, all: [...sized, burstNet, ...restartNets] };
}

/**
 * Creates the networks bound to the DHCP agent of the bed's host. Networks made while no DHCP agent is
 * registered stay unscheduled (Neutron schedules on a port or subnet event, and an agent's start-up sync
 * runs before its first state report registers it), so the first agent is started once to register, the
 * networks are bound to it through the API, and it is stopped before anything is in them. Every agent under
 * test reports as the same (`DHCP agent`, host) and so inherits the bindings.
 */
async function schedule(api: NeutronApi, bed: NeutronBed, agent: DhcpAgentUnderTest): Promise<Layout> {
  agent.start();
  try {
    const deadline = Date.now() + 180_000;
    let agentId = await api.aliveDhcpAgent(bed.host);
    while (agentId === undefined) {
      if (!agent.running() || Date.now() > deadline)
        throw new Error(`${agent.label} did not register as a DHCP agent:\n${agent.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      agentId = await api.aliveDhcpAgent(bed.host);
    }
    const nets = await layout(api);
    for (const network of nets.all) await api.scheduleNetwork(agentId, network.id);
    log(`${nets.all.length} networks bound to DHCP agent ${agentId} (registered by ${agent.label})`);
    await agent.stop();
    await agent.cleanup(nets.all.map((n) => n.id));
    return nets;
  } finally {
    await agent.stop();
  }
}

/**
 * Fills every network: the first `API_FILL` ports of each through the API (bulk creates, two networks at
 * a time: neutron-server runs 2 API workers), the rest as copies of those rows in Neutron's database
 * (sql-fill.ts says why), then checks the API lists them all.
 */
async function fill(api: NeutronApi, bed: NeutronBed, nets: Layout): Promise<void> {
  const work: [BenchNetwork, number][] = [
    ...nets.sized.map((n, i): [BenchNetwork, number] => [n, SIZES[i] ?? 0]),
    [nets.burst, 10],
    ...nets.restart.map((n): [BenchNetwork, number] => [n, RESTART_PORTS]),
  ];
  const started = performance.now();
  const queue = [...work];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const [network, count] = next;
      network.ports.push(...(await api.bulkPorts(network, Math.min(count, API_FILL))));
      const template = network.ports[0];
      if (count > API_FILL && template !== undefined)
        network.ports.push(...(await sqlFill(bed.database, network, count - API_FILL, template)));
      const listed = await api.countPorts(network.id);
      if (listed < count) throw new Error(`network ${network.id}: ${listed} ports listed, ${count} made`);
    }
  };
  await Promise.all([worker(), worker()]);
  const total = work.reduce((sum, [, n]) => sum + n, 0);
  const viaApi = work.reduce((sum, [, n]) => sum + Math.min(n, API_FILL), 0);
  log(
    `filled ${total} ports (${viaApi} through the API) in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}

/** `work`, or a rejection with the agent's output as soon as its process has exited (a start that failed). */
async function whileRunning<T>(agent: DhcpAgentUnderTest, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (!agent.running()) reject(new Error(`${agent.label} exited:\n${agent.output()}`));
    }, 500);
  });
  try {
    return await Promise.race([work, exited]);
  } finally {
    clearInterval(timer);
  }
}

/** Runs `work` with a time limit; a failure is logged and leaves that figure empty. */
async function step<T>(what: string, minutes: number, work: () => Promise<T>): Promise<T | undefined> {
  log(`${what} (limit ${minutes} min)`);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('over its limit')), minutes * 60_000);
      }),
    ]);
  } catch (error) {
    log(`${what} FAILED: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

async function measure(
  bench: Bench,
  nets: Layout,
  agent: DhcpAgentUnderTest,
  another: boolean,
): Promise<AgentFigures> {
  const fills = new Map(nets.all.map((n) => [n.id, n.ports.length]));
  const figures: AgentFigures = { label: agent.label, propagation: [] };
  // Casts queued for the agent's host while no agent ran (the fill, the previous agent's deletes) would be
  // replayed to the new one on top of its start-up sync.
  await bench.casts.purgeAgentQueue();
  const spawned = agent.start();
  log(`${agent.label}: started`);
  try {
    const ends = nets.all.map((n) => ({
      ...n,
      ports: [n.ports[0], n.ports.at(-1)].filter((p) => p !== undefined),
    }));
    const cold = await step(`${agent.label}: start → every network served`, 15, async () => {
      const at = await whileRunning(agent, allServed(bench, agent, ends, 14 * 60_000));
      if (at === undefined) throw new Error(`not every network served; agent:\n${agent.output()}`);
      return (at.last - spawned) / 1000;
    });
    if (cold === undefined) return figures;
    figures.coldStartS = cold;
    log(`${agent.label}: every network served ${cold.toFixed(1)} s after start`);
    for (const network of nets.sized) {
      const result = await step(`${agent.label}: propagation at ${network.ports.length} ports`, 15, () =>
        propagation(bench, agent, network, SAMPLES, 60_000, SIZE_BUDGET_MS),
      );
      if (result !== undefined) figures.propagation.push(result);
    }
    figures.burst = await step(`${agent.label}: burst of ${BURST}`, 15, () =>
      burst(bench, agent, nets.burst, BURST, 10 * 60_000),
    );
    await new Promise((resolve) => setTimeout(resolve, 5000));
    figures.restart = await step(`${agent.label}: restart`, 15, () =>
      restart(bench, agent, nets.restart, 10 * 60_000),
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
    figures.memory = use(agent.pids());
    return figures;
  } finally {
    await agent.stop();
    await agent.cleanup(nets.all.map((n) => n.id));
    // The next agent finds each network as the fill left it: the sample and burst ports go (the casts of
    // these deletes are purged before it starts).
    const extra = another ? nets.all.flatMap((n) => n.ports.slice(fills.get(n.id) ?? 0)) : [];
    for (const network of nets.all) network.ports.length = fills.get(network.id) ?? network.ports.length;
    log(`${agent.label}: stopped; deleting its ${extra.length} sample and burst ports`);
    const queue = [...extra];
    const worker = async (): Promise<void> => {
      for (let p = queue.shift(); p !== undefined; p = queue.shift()) await bench.api.deletePort(p.id);
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  }
}

async function main(): Promise<void> {
  const started = new Date();
  const loadStart = loadAverage();
  const busyStart = await busiestProcesses(3000, 6);
  const bed = await NeutronBed.create(SIZES.length + 1 + RESTART_NETWORKS, log);
  if (prefixFile !== undefined) writeFileSync(prefixFile, `${bed.prefix}\n`, { flag: 'a' });
  const client = `${bed.prefix}-cl`;
  const probers = new Map<number, AckProber>();
  let casts: CastListener | undefined;
  let nets: Layout | undefined;
  const agents: DhcpAgentUnderTest[] = AGENTS.map((name) =>
    name === 'neutron'
      ? new NeutronDhcpAgent(bed)
      : new QdhcpAgent(bed, name === 'qdhcp-dnsmasq' ? 'dnsmasq' : 'builtin'),
  );
  const stop = (): void => {
    // The measurement still runs while this tears down: what it then fails on is not worth a crash.
    process.on('uncaughtException', () => undefined);
    process.on('unhandledRejection', () => undefined);
    void Promise.all(agents.map((a) => a.stop()))
      .then(() => Promise.all(agents.map((a) => a.cleanup(nets?.all.map((n) => n.id) ?? []))))
      .then(() => bed.teardown([client, ...(nets?.all.map((n) => `qdhcp-${n.id}`) ?? [])]))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const results: AgentFigures[] = [];
  try {
    await bed.startServer(false, log);
    await runCommand('ip', ['netns', 'add', client]);
    for (const [i, bridge] of bed.bridges.entries()) {
      const local = `${bed.prefix}v${i + 1}`;
      await runCommand('ip', [
        'link',
        'add',
        local,
        'type',
        'veth',
        'peer',
        'name',
        `c${i + 1}`,
        'netns',
        client,
      ]);
      await runCommand('ip', ['link', 'set', local, 'master', bridge, 'up']);
      await runCommand('ip', ['-n', client, 'link', 'set', `c${i + 1}`, 'up']);
      probers.set(i + 1, await AckProber.open(client, `c${i + 1}`));
    }
    const api = new NeutronApi(bed.apiUrl);
    nets = await schedule(api, bed, agents[0] ?? new NeutronDhcpAgent(bed));
    await fill(api, bed, nets);
    await bed.startServer(true, log);
    casts = await CastListener.open(bed.transportUrl, bed.host);
    const bench: Bench = { api, casts, probers, log };
    for (const [i, agent] of agents.entries()) {
      results.push(await measure(bench, nets, agent, i < agents.length - 1));
      log(`${agent.label} finished; table so far:\n${table(results)}`);
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    for (const p of probers.values()) p.close();
    await casts?.close();
    await runCommand('ip', ['netns', 'del', client], { allowFailure: true });
    await bed.teardown(nets?.all.map((n) => `qdhcp-${n.id}`) ?? []);
  }
  process.stdout.write(
    `Run of ${started.toISOString().slice(0, 16)}–${new Date().toISOString().slice(11, 16)} UTC, load average ` +
      `at start ${loadStart}, at end ${loadAverage()}; ${process.argv.slice(2).join(' ')}\n` +
      `Busiest processes before the run (3-s window): ${busyStart.join('; ')}\n\n${table(results)}\n`,
  );
}

main()
  .catch((error: unknown) => {
    process.stderr.write(
      `neutron-agent bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  })
  // Everything was stopped and removed by then; a handle left open (a keep-alive socket) must not hold
  // the process (and the wrapper waiting for it).
  .finally(() => process.exit());
