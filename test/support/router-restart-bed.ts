/**
 * Issue 13's restart scenario, shared by test/e2e/router-restart.test.ts and bench/router-restart/: `qdhcp
 * server` (SQLite) and `qdhcp agent` over RabbitMQ, the agent's host an {@link AgentTestbed} namespace;
 * N routers, each with its own tenant network and subnet `10.50.<i>.0/24` (no DHCP: routers are what is
 * measured) and a gateway on one flat external network `172.24.4.0/22` whose bridge is mapped as
 * `public`; an "outside" namespace holds 172.24.4.1 on that bridge (veth). A sample of routers gets an
 * instance namespace `10.50.<i>.10` on its tenant bridge pinging the outside through SNAT, and the first of
 * them a floating IP the outside pings inbound. The agent can then be killed, stopped, replaced.
 *
 * @module
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bridgeName, routerNamespaceName } from '../../src/agent/naming.js';
import { deleteBrokerObjects } from '../../src/bus/testing/broker-cleanup.js';
import { listNamespaces } from '../../src/linux/ip-batch.js';
import { type ServerProcess, startServerProcess } from '../e2e/api-server-process.js';
import { AgentTestbed } from './agent/testbed.js';
import { Namespace } from './netns.js';
import { PingProbe, type PingSummary } from './ping-probe.js';
import { ManagedProcess } from './process.js';

const QDHCP = join(fileURLToPath(import.meta.url), '..', '..', '..', '..', 'bin', 'qdhcp');
const BROKER = 'amqp://guest:guest@127.0.0.1:5672/';
export const OUTSIDE_IP = '172.24.4.1';

type Json = Record<string, unknown>;

/** One router as the bed made it. */
export interface BedRouter {
  readonly index: number;
  readonly id: string;
  readonly networkId: string;
  readonly subnetId: string;
}

/** What identifies a router's kernel state: its namespace's inode and its nftables objects' handles. */
export interface RouterIdentity {
  readonly namespaceInode: number;
  /** `table:qrouter:1 chain:prerouting:4 rule::7 …`; empty when the table is missing. */
  readonly nft: string;
  /** The SNAT rule is in place (what a converged router with a gateway has). */
  readonly snat: boolean;
}

/** A running agent process of the bed. */
export interface BedAgent {
  readonly process: ManagedProcess;
  /** Date.now() just before it was started. */
  readonly startedAt: number;
}

/** The new agent's startup router sync, done: when (log time) and the agent's CPU by then. */
export interface Convergence {
  readonly routers: number;
  /** From the start of the process to its `l3.synced` (reason `startup`) log line. */
  readonly ms: number;
  /** utime + stime of the process when the line was seen (10 ms resolution). */
  readonly cpuMs: number;
}

export class RouterRestartBed {
  readonly routers: BedRouter[] = [];
  private readonly probes: { label: string; namespace: Namespace; target: string }[] = [];
  private externalId = '';
  private agentRuns = 0;
  agent: BedAgent | undefined;

  private constructor(
    readonly bed: AgentTestbed,
    private readonly server: ServerProcess,
    private readonly busUrl: string,
    private readonly outside: Namespace,
    private readonly publicBridge: string,
  ) {}

  /** Testbed, outside namespace, server and a first agent; nothing else yet. */
  static async start(tag: string): Promise<RouterRestartBed> {
    const bed = await AgentTestbed.create(tag);
    let server: ServerProcess | undefined;
    try {
      const { sandbox, host } = bed;
      const publicBridge = sandbox.device('pub');
      await sandbox.addBridge(host, publicBridge);
      const outside = await sandbox.addNamespace('out');
      await sandbox.addVeth(host, sandbox.device('o'), outside, 'eth0', {
        bridge: publicBridge,
        peerAddresses: [`${OUTSIDE_IP}/22`],
      });
      const busUrl = `${BROKER}?exchange=${sandbox.prefix}`;
      server = await startServer([
        ...['--db', `sqlite:${bed.path('server.sqlite')}`, '--state-dir', bed.path('server')],
        ...['--bus', busUrl],
      ]);
      const made = new RouterRestartBed(bed, server, busUrl, outside, publicBridge);
      made.agent = await made.startAgent([]);
      await made.agent.process.waitForOutput(/qdhcp agent started/, 60_000);
      return made;
    } catch (error) {
      await server?.stop().catch(() => undefined);
      await bed.teardown();
      throw error;
    }
  }

  get namespacePrefix(): string {
    return this.bed.namespacePrefix;
  }

  /** Starts `qdhcp agent` (same state dir every time) with `extra` flags (`--takeover`). */
  async startAgent(extra: readonly string[]): Promise<BedAgent> {
    this.agentRuns++;
    const args = [
      ...['agent', '--bus', this.busUrl, '--host', `${this.bed.sandbox.prefix}-host`],
      ...['--state-dir', this.bed.path('agent'), '--namespace-prefix', this.bed.namespacePrefix],
      ...['--host-namespace', this.bed.host.name, '--report-interval', '2'],
      ...['--bridge-mappings', `public:${this.publicBridge}`, ...extra],
    ];
    const startedAt = Date.now();
    return { process: ManagedProcess.start(`agent-${this.agentRuns}`, QDHCP, args), startedAt };
  }

  /** Waits for `agent`'s startup router sync with `routers` routers (bounded) and reads its CPU then. */
  async converged(agent: BedAgent, routers: number, timeoutMs: number): Promise<Convergence> {
    const line = await agent.process.waitForOutput(
      /\{[^\n]*"event":"l3\.synced","reason":"startup","routers":(\d+)[^\n]*\}/,
      timeoutMs,
    );
    const cpu = cpuMs(agent.process.pid);
    const logged = JSON.parse(line[0]) as { time?: unknown };
    const at = typeof logged.time === 'number' ? logged.time : Date.parse(String(logged.time));
    if (Number(line[1]) !== routers)
      throw new Error(`${agent.process.label} synced ${line[1]} routers, not ${routers}`);
    return { routers, ms: (Number.isFinite(at) ? at : Date.now()) - agent.startedAt, cpuMs: cpu };
  }

  /** The external network and `count` routers, each with a tenant network, subnet and interface. */
  async addRouters(count: number, parallel = 4): Promise<void> {
    if (count > 250) throw new Error('at most 250 routers (one 10.50.<i>.0/24 each)');
    const external = await this.create('/v2.0/networks', 'network', {
      name: 'public',
      'router:external': true,
      'provider:network_type': 'flat',
      'provider:physical_network': 'public',
    });
    this.externalId = String(external['id']);
    await this.create('/v2.0/subnets', 'subnet', {
      network_id: this.externalId,
      ip_version: 4,
      cidr: '172.24.4.0/22',
      gateway_ip: OUTSIDE_IP,
      enable_dhcp: false,
    });
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const index = next++;
        this.routers.push(await this.addRouter(index));
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    this.routers.sort((a, b) => a.index - b.index);
  }

  private async addRouter(index: number): Promise<BedRouter> {
    const network = await this.create('/v2.0/networks', 'network', { name: `rr-${index}` });
    const subnet = await this.create('/v2.0/subnets', 'subnet', {
      network_id: network['id'],
      ip_version: 4,
      cidr: `10.50.${index}.0/24`,
      enable_dhcp: false,
    });
    const router = await this.create('/v2.0/routers', 'router', {
      name: `rr-${index}`,
      external_gateway_info: { network_id: this.externalId },
    });
    await this.call('PUT', `/v2.0/routers/${String(router['id'])}/add_router_interface`, {
      subnet_id: subnet['id'],
    });
    return {
      index,
      id: String(router['id']),
      networkId: String(network['id']),
      subnetId: String(subnet['id']),
    };
  }

  /**
   * An instance namespace behind `router` (10.50.<i>.10, default via the router) pinged-from; the first one
   * also gets a floating IP, which the outside pings. Call after the router is installed (its bridge exists).
   * Returns the instance's namespace (for probes of its own, test/e2e/router-metadata-handover.test.ts).
   */
  async addInstance(router: BedRouter, withFloatingIp: boolean): Promise<Namespace> {
    const mac = `fa:16:3e:50:${(router.index >> 8).toString(16).padStart(2, '0')}:${(router.index & 255)
      .toString(16)
      .padStart(2, '0')}`;
    const address = `10.50.${router.index}.10`;
    const port = await this.create('/v2.0/ports', 'port', {
      network_id: router.networkId,
      mac_address: mac,
      fixed_ips: [{ subnet_id: router.subnetId, ip_address: address }],
    });
    const instance = await this.bed.addClient(mac, {
      namespace: this.bed.host,
      bridge: bridgeName(router.networkId),
    });
    await instance.ip(['addr', 'add', `${address}/24`, 'dev', 'eth0']);
    await instance.ip(['route', 'add', 'default', 'via', `10.50.${router.index}.1`]);
    this.probes.push({ label: `out-from-r${router.index}`, namespace: instance, target: OUTSIDE_IP });
    if (!withFloatingIp) return instance;
    const floating = await this.create('/v2.0/floatingips', 'floatingip', {
      floating_network_id: this.externalId,
      port_id: port['id'],
    });
    const floatingAddress = String(floating['floating_ip_address']);
    this.probes.push({
      label: `in-to-fip-r${router.index}`,
      namespace: this.outside,
      target: floatingAddress,
    });
    return instance;
  }

  /** Starts every probe's ping and waits until each has been answered `answers` times. */
  async startPings(answers: number, timeoutMs: number): Promise<PingProbe[]> {
    const pings = this.probes.map((p) => PingProbe.start(this.bed.sandbox, p.namespace, p.label, p.target));
    await Promise.all(pings.map((ping) => ping.answering(answers, timeoutMs)));
    return pings;
  }

  /** Stops the pings and reads them. */
  async stopPings(pings: readonly PingProbe[]): Promise<{ label: string; summary: PingSummary }[]> {
    return Promise.all(pings.map(async (ping) => ({ label: ping.label, summary: await ping.stop() })));
  }

  /** Each router's namespace inode and nftables handles, `parallel` listings at a time. */
  async identities(parallel = 8): Promise<Map<string, RouterIdentity>> {
    const result = new Map<string, RouterIdentity>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < this.routers.length) {
        const router = this.routers[next++] as BedRouter;
        result.set(router.id, await this.identity(router.id));
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    return result;
  }

  private async identity(routerId: string): Promise<RouterIdentity> {
    const name = routerNamespaceName(routerId, this.namespacePrefix);
    let namespaceInode = -1;
    try {
      namespaceInode = statSync(`/run/netns/${name}`).ino;
    } catch {
      return { namespaceInode, nft: '', snat: false };
    }
    const listed = await new Namespace(name).exec('nft', ['-j', 'list', 'table', 'ip', 'qrouter'], {
      allowFailure: true,
      timeoutMs: 20_000,
    });
    if (listed.code !== 0) return { namespaceInode, nft: '', snat: false };
    const items = (JSON.parse(listed.stdout) as { nftables: Record<string, Json>[] }).nftables;
    const handles: string[] = [];
    let snat = false;
    for (const item of items) {
      for (const [kind, body] of Object.entries(item)) {
        if (body['handle'] === undefined) continue;
        handles.push(`${kind}:${String(body['name'] ?? body['chain'] ?? '')}:${String(body['handle'])}`);
        if (kind === 'rule' && / snat out .* to /.test(String(body['comment'] ?? ''))) snat = true;
      }
    }
    return { namespaceInode, nft: handles.join(' '), snat };
  }

  /** Waits (bounded) until every router has its namespace and SNAT rule: the data plane is built. */
  async built(timeoutMs: number): Promise<Map<string, RouterIdentity>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const identities = await this.identities();
      const missing = [...identities.values()].filter((identity) => !identity.snat).length;
      if (missing === 0) return identities;
      if (Date.now() > deadline) throw new Error(`${missing} routers not built in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  /** Stops everything by PID, removes every namespace of the bed's prefix and the broker's objects. */
  async teardown(): Promise<void> {
    await this.agent?.process.stop(30_000).catch(() => undefined);
    await this.server.stop().catch(() => undefined);
    const ours = (await listNamespaces().catch(() => [])).filter((n) => n.startsWith(this.namespacePrefix));
    await this.bed.removeNamespaces(ours);
    await this.bed.teardown();
    await deleteBrokerObjects(BROKER, this.bed.sandbox.prefix).catch(() => undefined);
  }

  async create(path: string, kind: string, body: Json): Promise<Json> {
    return (await this.call('POST', path, { [kind]: body }))[kind] as Json;
  }

  async call(method: string, path: string, body?: Json): Promise<Json> {
    const init: RequestInit = { method, headers: { 'content-type': 'application/json' } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await fetch(`${this.server.url}${path}`, {
      ...init,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as Json;
  }
}

/** How many routers' identities differ between two readings (namespace inode, nftables handles). */
export function rebuilt(
  before: ReadonlyMap<string, RouterIdentity>,
  after: ReadonlyMap<string, RouterIdentity>,
): { namespaces: number; tables: number } {
  let namespaces = 0;
  let tables = 0;
  for (const [id, was] of before) {
    const now = after.get(id);
    if (now?.namespaceInode !== was.namespaceInode) namespaces++;
    if (now?.nft !== was.nft) tables++;
  }
  return { namespaces, tables };
}

/**
 * `startServerProcess`, tried up to three times: it waits ~10 s for /healthz, which a machine at load ~25
 * (other benches and tests beside this one) does not always give it.
 */
export async function startServer(args: readonly string[]): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServerProcess(args);
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

/** CPU time (ms) used so far by `pid`, user + system, from /proc (USER_HZ 100: 10 ms resolution). */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}
