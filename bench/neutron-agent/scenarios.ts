import type { AckProber } from './ack-prober.js';
import type { DhcpAgentUnderTest } from './agents.js';
import type { CastListener } from './cast-listener.js';
import type { BenchNetwork, BenchPort, NeutronApi } from './neutron-api.js';
import { cpuBetween, use } from './process-set.js';

export type Progress = (text: string) => void;

/** What every scenario needs: the API, the cast listener, and one prober per network (by physnet). */
export interface Bench {
  readonly api: NeutronApi;
  readonly casts: CastListener;
  readonly probers: ReadonlyMap<number, AckProber>;
  readonly log: Progress;
}

/** Probes every 10 ms, as the issue asks ("DISCOVER/REQUEST repeatedly every ~10 ms"). */
const INTERVAL_MS = 10;

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function prober(bench: Bench, network: BenchNetwork): AckProber {
  const found = bench.probers.get(network.physnet);
  if (found === undefined) throw new Error(`no prober on physnet${network.physnet}`);
  return found;
}

/** Time of the ACK for `port`, or undefined after `timeoutMs`. */
export function served(bench: Bench, network: BenchNetwork, port: BenchPort, timeoutMs: number) {
  return prober(bench, network).untilAck(port.mac, port.ip, INTERVAL_MS, timeoutMs);
}

/** When the first and the last port of the slowest networks were served (performance.now()). */
export interface ServedAt {
  /** The latest of the networks' first ACKs: every network answers. */
  readonly first: number;
  /** The latest of all ACKs: every port is served. */
  readonly last: number;
}

/**
 * Waits until every port of every network is served, probing the ports of a network one after the other
 * (one reload serves them all; probing in turn adds a round trip per port, not a wait) and the networks in
 * parallel. When the agent has generations (neutron's dnsmasq PIDs), a network counts only once what
 * serves it differs from `old` (the previous process's dnsmasq keeps answering until the new agent
 * replaces it). Undefined if a port was not served within `timeoutMs`.
 */
export async function allServed(
  bench: Bench,
  agent: DhcpAgentUnderTest,
  networks: readonly BenchNetwork[],
  timeoutMs: number,
  old: ReadonlyMap<string, string | undefined> = new Map(),
): Promise<ServedAt | undefined> {
  const deadline = performance.now() + timeoutMs;
  const times = await Promise.all(
    networks.map(async (network) => {
      const before = old.get(network.id);
      while (before !== undefined && agent.generation(network.id) === before) {
        if (performance.now() > deadline) return undefined;
        await sleep(INTERVAL_MS);
      }
      let first: number | undefined;
      let last = performance.now();
      for (const port of network.ports) {
        const at = await served(bench, network, port, Math.max(1, deadline - performance.now()));
        if (at === undefined) return undefined;
        first ??= at;
        last = at;
      }
      return { first: first ?? last, last };
    }),
  );
  if (times.some((t) => t === undefined)) return undefined;
  const all = times as ServedAt[];
  return { first: Math.max(...all.map((t) => t.first)), last: Math.max(...all.map((t) => t.last)) };
}

export interface PropagationResult {
  readonly existing: number;
  readonly samples: number;
  readonly timeouts: number;
  /** ms from the API's 201 to the ACK. */
  readonly from201: readonly number[];
  /** ms from the `port_create_end` cast (as our own queue received it) to the ACK. */
  readonly fromCast: readonly number[];
  /** Agent CPU ms per port (all its processes). */
  readonly cpuMsPerPort: number;
}

/**
 * Port create → servable on a network that already has `network.ports.length` ports: `samples` times in
 * turn, create a port, probe from its 201 until the ACK (`timeoutMs`), note the cast time, rest 200 ms (the
 * agent finishes what follows a reload: neutron's dhcp_ready_on_ports). Sample ports stay on the network.
 */
export async function propagation(
  bench: Bench,
  agent: DhcpAgentUnderTest,
  network: BenchNetwork,
  samples: number,
  timeoutMs: number,
  budgetMs: number,
): Promise<PropagationResult> {
  const existing = network.ports.length;
  const from201: number[] = [];
  const fromCast: number[] = [];
  let timeouts = 0;
  const started = performance.now();
  const cpuBefore = use(agent.pids());
  let done = 0;
  for (; done < samples && performance.now() - started < budgetMs; done += 1) {
    const { port, at } = await bench.api.createPort(network.id);
    network.ports.push(port);
    const ack = await served(bench, network, port, timeoutMs);
    const cast = await bench.casts.castAt(port.id, 1000);
    if (ack === undefined) {
      timeouts += 1;
      continue;
    }
    from201.push(ack - at);
    if (cast !== undefined) fromCast.push(ack - cast);
    await sleep(200);
  }
  const cpuS = cpuBetween(cpuBefore, use(agent.pids()));
  return {
    existing,
    samples: done,
    timeouts,
    from201,
    fromCast,
    cpuMsPerPort: (1000 * cpuS) / Math.max(1, done),
  };
}

export interface BurstResult {
  readonly ports: number;
  /** s from sending the first create to the last port's ACK (undefined: not all within the limit). */
  readonly totalS: number | undefined;
  /** s from the last 201 to the last ACK. */
  readonly afterLast201S: number | undefined;
  readonly cpuMsPerPort: number;
}

/**
 * A burst of `count` ports created at once on `network` — one bulk create (`{"ports": [...]}`: 100
 * single creates sent together took neutron-server over 5 minutes on this loaded machine, past the HTTP
 * client's header timeout) — then every one probed until served.
 */
export async function burst(
  bench: Bench,
  agent: DhcpAgentUnderTest,
  network: BenchNetwork,
  count: number,
  timeoutMs: number,
): Promise<BurstResult> {
  const cpuBefore = use(agent.pids());
  const started = performance.now();
  const ports = await bench.api.bulkPorts(network, count);
  const last201 = performance.now();
  const burstNet: BenchNetwork = { ...network, ports };
  network.ports.push(...ports);
  const at = await allServed(bench, agent, [burstNet], timeoutMs);
  const cpuS = cpuBetween(cpuBefore, use(agent.pids()));
  return {
    ports: count,
    totalS: at === undefined ? undefined : (at.last - started) / 1000,
    afterLast201S: at === undefined ? undefined : (at.last - last201) / 1000,
    cpuMsPerPort: (1000 * cpuS) / count,
  };
}

export interface RestartResult {
  readonly networks: number;
  readonly ports: number;
  /** s from the new process's spawn until every network answers (its first port served by the new process). */
  readonly networksServedS: number | undefined;
  /** s from the new process's spawn to the last port served by it. */
  readonly allServedS: number | undefined;
  readonly cpuS: number;
}

/**
 * Agent restart: stop the process (SIGTERM; neutron's dnsmasq processes outlive it, as under systemd's
 * KillMode=process of Debian's unit), start a new one, and time until every port of `networks` is served by
 * what the new process set up (for neutron: each network's dnsmasq replaced, which its start-up sync does).
 */
export async function restart(
  bench: Bench,
  agent: DhcpAgentUnderTest,
  networks: readonly BenchNetwork[],
  timeoutMs: number,
): Promise<RestartResult> {
  const old = new Map(networks.map((n) => [n.id, agent.generation(n.id)]));
  await agent.stop();
  const spawned = agent.start();
  const at = await allServed(bench, agent, networks, timeoutMs, old);
  const cpuS = use(agent.pids()).reduce((sum, p) => sum + p.cpuS, 0);
  return {
    networks: networks.length,
    ports: networks.reduce((sum, n) => sum + n.ports.length, 0),
    networksServedS: at === undefined ? undefined : (at.first - spawned) / 1000,
    allServedS: at === undefined ? undefined : (at.last - spawned) / 1000,
    cpuS,
  };
}
