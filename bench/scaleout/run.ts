import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { readStatus, statusSocketPath } from '../../src/agent/runtime/status-socket.js';
import {
  api,
  Cluster,
  createPort,
  deleteBusObjects,
  dhcpAgentsOf,
  eventually,
  networkWithSubnet,
} from '../../test/support/scaleout/cluster.js';
import { PHYSNET, PHYSNET2, ScaleoutBed } from '../../test/support/scaleout/topology.js';
import { DiscoverProber } from '../agent/discover-prober.js';
import { macFor, percentile } from '../agent/scenarios.js';

/**
 * The scale-out benchmark of issue 7 (bench/scaleout/run.sh builds and calls it):
 *
 * - propagation through RabbitMQ with 2 agents per network: two `qdhcp server` processes on one PostgreSQL
 *   database, two `qdhcp agent` processes in their own host namespaces; a flat /16 network brought to N
 *   ports (bulk creates through both servers), then `samples` times: create a port (alternating servers),
 *   and from the 201 send a DISCOVER every 2 ms from a client on the fabric until an OFFER (from either
 *   agent);
 * - failover with 1 agent per network (the servers restarted with the default): `runs` times a fresh flat
 *   network, `kill -9` of its agent, DISCOVER every 250 ms until the other agent answers; the killed agent
 *   is started again between runs.
 *
 * `node dist/bench/scaleout/run.js [--quick] [--sizes 10,1000,10000] [--samples N] [--runs N]
 * [--prefix-file F]`. Prints a markdown table.
 */
const argv = process.argv;
const flag = (name: string): string | undefined => {
  const index = argv.indexOf(name);
  return index === -1 ? undefined : argv[index + 1];
};
const quick = argv.includes('--quick');
const SIZES = (flag('--sizes') ?? (quick ? '10,1000' : '10,1000,10000')).split(',').map(Number);
const SAMPLES = Number(flag('--samples') ?? (quick ? 20 : 100));
const RUNS = Number(flag('--runs') ?? (quick ? 2 : 5));
const BROKER = 'amqp://guest:guest@127.0.0.1:5672/';
const PROBE_INTERVAL_MS = 2;
const PROBE_TIMEOUT_MS = 5_000;

const log = (text: string): void => {
  process.stderr.write(`[scaleout-bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
};

interface PropagationRow {
  readonly size: number;
  readonly samples: number;
  readonly timeouts: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Seconds from the last bulk create's 201 until both agents had absorbed the bulk. */
  readonly settleS: number | undefined;
}

async function bulkPorts(cluster: Cluster, networkId: string, macs: readonly string[]): Promise<void> {
  for (let i = 0; i < macs.length; i += 500) {
    const ports = macs
      .slice(i, i + 500)
      .map((mac) => ({ network_id: networkId, mac_address: mac, device_owner: 'compute:nova' }));
    const reply = await api(cluster.url((i / 500) % 2), 'POST', '/v2.0/ports', { ports });
    if (reply.status !== 201) throw new Error(`bulk ports: ${reply.status} ${JSON.stringify(reply.body)}`);
  }
}

/**
 * Waits (≤ 300 s) until the bulk is fully absorbed: no port of the network is still DOWN (both agents'
 * ports_ready went through) and every agent has applied the same network revision twice in a row 1 s
 * apart (the ACTIVE updates those calls produced are applied too), so samples measure the steady state,
 * not a backlog.
 */
async function settle(bed: ScaleoutBed, cluster: Cluster, networkId: string): Promise<number | undefined> {
  const started = performance.now();
  let previous = '';
  let last = '';
  while (performance.now() - started < 300_000) {
    const down = await api(
      cluster.url(0),
      'GET',
      `/v2.0/ports?network_id=${networkId}&status=DOWN&fields=id`,
    );
    const downCount = ((down.body['ports'] ?? []) as unknown[]).length;
    const revisions = await Promise.all(
      bed.hosts.map(async (host) => {
        const status = await readStatus(statusSocketPath(host.stateDir)).catch(() => undefined);
        const entry = status?.networks.find((n) => n.networkId === networkId);
        return `${entry?.state ?? '?'}@${entry?.revision ?? -1}`;
      }),
    );
    const key = revisions.join(',');
    last = `${downCount} ports DOWN, agents ${key}`;
    if (downCount === 0 && key === previous && new Set(revisions).size === 1) {
      return (performance.now() - started) / 1000;
    }
    previous = key;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  log(`bulk not absorbed after 300 s (${last}); measuring anyway`);
  return undefined;
}

async function propagation(bed: ScaleoutBed, cluster: Cluster): Promise<PropagationRow[]> {
  const { networkId } = await networkWithSubnet(cluster.url(0), 'prop', '10.230.0.0/16', {
    'provider:network_type': 'flat',
    'provider:physical_network': PHYSNET2,
  });
  await eventually(
    'both agents host the network',
    async () => ((await dhcpAgentsOf(cluster.url(1), networkId)).length === 2 ? true : undefined),
    30_000,
  );
  const client = await bed.addClient('fa:16:3e:ff:00:01');
  const prober = await DiscoverProber.open(client.name, 'eth0');
  const rows: PropagationRow[] = [];
  let next = 0x100000;
  let present = 0;
  try {
    for (const size of SIZES) {
      if (size > present) {
        const started = performance.now();
        await bulkPorts(
          cluster,
          networkId,
          Array.from({ length: size - present }, () => macFor(next++)),
        );
        log(`${size - present} ports created in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        present = size;
      }
      const settleS = await settle(bed, cluster, networkId);
      const latencies: number[] = [];
      let timeouts = 0;
      for (let i = 0; i < SAMPLES; i++) {
        const mac = macFor(next++);
        const reply = await api(cluster.url(i % 2), 'POST', '/v2.0/ports', {
          port: { network_id: networkId, mac_address: mac, device_owner: 'compute:nova' },
        });
        if (reply.status !== 201) throw new Error(`port: ${reply.status} ${JSON.stringify(reply.body)}`);
        const created = performance.now();
        const offered = await prober.untilOffer(mac, PROBE_INTERVAL_MS, PROBE_TIMEOUT_MS);
        // A timeout counts as slower than every answer, so p99 over-states rather than hides it.
        if (offered === undefined) timeouts++;
        latencies.push(offered === undefined ? Number.POSITIVE_INFINITY : offered - created);
        present++;
      }
      const row: PropagationRow = {
        size,
        samples: SAMPLES,
        timeouts,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: Math.max(...latencies),
        settleS,
      };
      log(
        `propagation at ${size}: p50 ${fmt(row.p50)} ms, p99 ${fmt(row.p99)} ms, ` +
          `max ${fmt(row.max)} ms, ${timeouts} timeouts, bulk absorbed after ${settleS === undefined ? '> 300' : settleS.toFixed(1)} s`,
      );
      rows.push(row);
    }
  } finally {
    prober.close();
  }
  return rows;
}

async function failover(bed: ScaleoutBed, cluster: Cluster, query: string): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const { networkId } = await networkWithSubnet(cluster.url(run % 2), `fo${run}`, `10.231.${run}.0/24`, {
      'provider:network_type': 'flat',
      'provider:physical_network': PHYSNET,
    });
    const [agent] = await eventually(
      'the network is hosted',
      async () => {
        const list = await dhcpAgentsOf(cluster.url(0), networkId);
        return list.length === 1 && list[0]!.alive ? list : undefined;
      },
      30_000,
    );
    const host = bed.host(agent!.host.replace(/^host/, ''));
    const port = await createPort(cluster.url(1), networkId, `fo-vm-${run}`);
    const client = await bed.addClient(port.mac);
    const prober = await DiscoverProber.open(client.name, 'eth0');
    try {
      if ((await prober.untilOffer(port.mac, 100, 30_000)) === undefined)
        throw new Error(`run ${run}: not served before the kill`);
      await bed.killAgent(host);
      const killed = performance.now();
      const answered = await prober.untilOffer(port.mac, 250, 90_000);
      if (answered === undefined) throw new Error(`run ${run}: no answer within 90 s of kill -9`);
      times.push((answered - killed) / 1000);
      log(
        `failover run ${run + 1}/${RUNS}: kill -9 of ${host.name}'s agent → OFFER in ${times.at(-1)!.toFixed(1)} s`,
      );
    } finally {
      prober.close();
    }
    // One flat network per physnet: this run's goes before the next one is created.
    await api(cluster.url(0), 'DELETE', `/v2.0/ports/${port.id}`);
    const deleted = await api(cluster.url(0), 'DELETE', `/v2.0/networks/${networkId}`);
    if (deleted.status !== 204) throw new Error(`run ${run}: network delete ${deleted.status}`);
    host.agent = undefined;
    await bed.startAgent(host, query);
    // The restarted agent must be alive again before the next run (it may be chosen to host it).
    await eventually(
      'the restarted agent is alive',
      async () => {
        // The DHCP one: a host also reports its Linux bridge agent (issue 13's roles).
        const reply = await api(
          cluster.url(0),
          'GET',
          `/v2.0/agents?host=host${host.name}&agent_type=DHCP%20agent`,
        );
        const agents = (reply.body['agents'] ?? []) as { alive: boolean }[];
        return agents.length === 1 && agents[0]!.alive ? true : undefined;
      },
      30_000,
    );
  }
  return times;
}

const fmt = (value: number | undefined, digits = 1): string =>
  value === undefined || Number.isNaN(value)
    ? '–'
    : value === Number.POSITIVE_INFINITY
      ? `> ${PROBE_TIMEOUT_MS}`
      : value.toFixed(digits);

async function main(): Promise<void> {
  const bed = await ScaleoutBed.create('sxb', ['A', 'B']);
  const prefixFile = flag('--prefix-file');
  if (prefixFile !== undefined) writeFileSync(prefixFile, `${bed.prefix}\n`, { flag: 'a' });
  const query = `?exchange=${bed.prefix}`;
  let cluster: Cluster | undefined;
  const stop = (): void => {
    void Promise.allSettled([bed.teardown(), cluster?.stop()]).finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let rows: PropagationRow[] = [];
  let times: number[] = [];
  try {
    log(
      `sizes ${SIZES.join(', ')}, ${SAMPLES} samples each, ${RUNS} failover runs, load ${loadavg()[0]!.toFixed(2)}`,
    );
    cluster = await Cluster.start(`${BROKER}${query}`, 2, ['--dhcp-agents-per-network', '2']);
    for (const host of bed.hosts) await bed.startRelay(host, 5672);
    await Promise.all(bed.hosts.map((host) => bed.startAgent(host, query)));
    rows = await propagation(bed, cluster);
    // Failover with the default of one agent per network (the big network stays, on physnet2).
    await cluster.restartServers([]);
    times = await failover(bed, cluster, query);
  } finally {
    await bed.teardown();
    await cluster?.stop();
    await deleteBusObjects(BROKER, bed.prefix);
  }
  const lines = [
    '',
    `Scale-out (2 servers on PostgreSQL, RabbitMQ, 2 agents in host namespaces; ${new Date().toISOString().slice(0, 16)}Z, load ${loadavg()[0]!.toFixed(2)})`,
    '',
    '| propagation, 2 agents per network (201 → OFFER) | samples | p50 ms | p99 ms | max ms | timeouts | bulk absorbed after |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.size.toLocaleString('en-US')} ports | ${r.samples} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.max)} | ${r.timeouts} | ${r.settleS === undefined ? '> 300' : fmt(r.settleS)} s |`,
    ),
    '',
    '| failover, 1 agent per network (kill -9 → first OFFER from the other agent) | runs | min s | median s | max s |',
    '|---|---|---|---|---|',
    `| report_interval 5 s, agent_down_time 15 s | ${times.length} | ${fmt(Math.min(...times))} | ${fmt(percentile(times, 50))} | ${fmt(Math.max(...times))} |`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`scaleout bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
