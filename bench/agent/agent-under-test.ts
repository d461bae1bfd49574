import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bridgeName } from '../../src/agent/naming.js';
import { listNamespaces, namespacePids, runIpBatch } from '../../src/linux/ip-batch.js';
import { freePort } from '../../test/e2e/api-server-process.js';
import { AgentTestbed } from '../../test/support/agent/testbed.js';
import type { Namespace } from '../../test/support/netns.js';
import { ManagedProcess } from '../../test/support/process.js';

/** The checkout this harness was built from: its `bin/qdhcp` runs unless `start` is given another. */
const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');

export type Driver = 'builtin' | 'dnsmasq';
export type Json = Record<string, unknown>;

export interface AgentUnderTestOptions {
  /** Checkout whose built code runs (`DIR/bin/qdhcp`, `DIR/dist`): bench/compare runs an old and a new one. */
  readonly qdhcpDir?: string;
  /** Namespace prefix tag (3 letters at most); by default one per driver. */
  readonly tag?: string;
  /** More all-in-one flags (`--no-served-state`: the crash restart without the snapshot). */
  readonly extraArgs?: readonly string[];
}

/**
 * `qdhcp all-in-one` (API + agent, SQLite) with one driver, as the e2e tests run it: API and metrics on
 * 127.0.0.1, every bridge and tap in the testbed's host namespace, DHCP namespaces under its prefix, plus
 * one client namespace whose veths we plug into network bridges to send DISCOVERs from.
 */
export class AgentUnderTest {
  private aio: ManagedProcess | undefined;
  private vethCount = 0;
  private logCount = 0;
  private startedAt: number | undefined;

  private constructor(
    readonly driver: Driver,
    readonly bed: AgentTestbed,
    readonly client: Namespace,
    private readonly apiUrl: string,
    private readonly metricsUrl: string,
    private readonly qdhcpDir: string,
    private readonly extraArgs: readonly string[],
  ) {}

  static async start(driver: Driver, options: AgentUnderTestOptions = {}): Promise<AgentUnderTest> {
    const bed = await AgentTestbed.create(options.tag ?? (driver === 'builtin' ? 'bab' : 'bad'));
    try {
      const client = await bed.sandbox.addNamespace('cl');
      const agent = new AgentUnderTest(
        driver,
        bed,
        client,
        `http://127.0.0.1:${await freePort()}`,
        `http://127.0.0.1:${await freePort()}/metrics`,
        options.qdhcpDir ?? ROOT,
        options.extraArgs ?? [],
      );
      await agent.launch();
      return agent;
    } catch (error) {
      await bed.teardown();
      throw error;
    }
  }

  /**
   * Starts all-in-one; resolves when the agent has started (or done its first full resync). `qdhcpDir`:
   * another checkout's build taking over this bed's state and namespaces (bench/compare's resync).
   */
  async launch(qdhcpDir = this.qdhcpDir): Promise<void> {
    // QDHCP_BENCH_CPU_PROF=DIR: a V8 CPU profile of each all-in-one run, written there when it stops.
    const profileDir = process.env['QDHCP_BENCH_CPU_PROF'];
    const qdhcp = join(qdhcpDir, 'bin', 'qdhcp');
    const [command, ...prefix] =
      profileDir === undefined
        ? [qdhcp]
        : [
            'node',
            '--cpu-prof',
            `--cpu-prof-dir=${profileDir}`,
            join(qdhcpDir, 'dist', 'src', 'cli', 'main.js'),
          ];
    this.aio = ManagedProcess.start(`all-in-one-${this.driver}`, command ?? qdhcp, [
      ...prefix,
      ...['all-in-one', '--bind', new URL(this.apiUrl).host, '--state-dir', this.bed.path('state')],
      ...['--host', 'bench-host', '--namespace-prefix', this.bed.namespacePrefix],
      ...['--host-namespace', this.bed.host.name, '--driver', this.driver],
      ...[
        '--resync-interval',
        '600',
        '--report-interval',
        '10',
        '--metrics-bind',
        new URL(this.metricsUrl).host,
      ],
      ...this.extraArgs,
    ]);
    // Read now, while the process is seconds old: its age from /proc dates its exec on our clock.
    const age = this.processClock()?.ageS;
    this.startedAt = age === undefined ? undefined : Date.now() - age * 1000;
    await this.aio.waitForOutput(/full resync done|qdhcp agent started/, 60_000);
  }

  /**
   * When the running all-in-one process started (its exec, `Date.now()` clock; /proc's starttime, 10-ms
   * ticks): issue 17 counts "every network answers" from here, not from the kill.
   */
  get processStartedAt(): number | undefined {
    return this.startedAt;
  }

  /** What the running (or last killed) all-in-one wrote on stderr so far: its JSON log lines. */
  get log(): string {
    return this.aio?.stderr ?? '';
  }

  /** PID of the running all-in-one process (bin/qdhcp execs node, so it is node's). */
  get pid(): number | undefined {
    return this.aio?.pid;
  }

  /** kill -9 of the whole all-in-one process (API + agent). */
  async kill(): Promise<void> {
    this.aio?.signal('SIGKILL');
    await this.aio?.waitForExit(10_000);
    this.keepLog();
  }

  /** QDHCP_BENCH_LOG_DIR=DIR keeps each all-in-one run's output there (to see where time went). */
  private keepLog(): void {
    const dir = process.env['QDHCP_BENCH_LOG_DIR'];
    if (dir === undefined || this.aio === undefined) return;
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `all-in-one-${this.driver}-${this.logCount++}.log`);
    writeFileSync(file, `${this.aio.stdout}\n--- stderr ---\n${this.aio.stderr}`);
  }

  /** Waits (bounded) for the agent's log line after the first full resync; returns that line. */
  async waitForResyncLog(timeoutMs: number): Promise<string> {
    const match = await this.aio?.waitForOutput(/[^\n]*full resync done[^\n]*/, timeoutMs);
    return match?.[0] ?? '';
  }

  async api(method: string, path: string, body?: Json): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Json) };
  }

  async create(path: string, kind: string, fields: Json): Promise<Json> {
    const reply = await this.api('POST', path, { [kind]: fields });
    if (reply.status !== 201) throw new Error(`POST ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body[kind] as Json;
  }

  /** Bulk port create (`{"ports": [...]}`) in chunks of 500. */
  async createPorts(networkId: string, macs: readonly string[]): Promise<void> {
    for (let i = 0; i < macs.length; i += 500) {
      const ports = macs
        .slice(i, i + 500)
        .map((mac) => ({ network_id: networkId, mac_address: mac, device_owner: 'compute:nova' }));
      const reply = await this.api('POST', '/v2.0/ports', { ports });
      if (reply.status !== 201) throw new Error(`bulk ports: ${reply.status} ${JSON.stringify(reply.body)}`);
    }
  }

  /** Number of networks the agent reports serving (its metrics). */
  async servingNetworks(): Promise<number> {
    try {
      const text = await (await fetch(this.metricsUrl, { signal: AbortSignal.timeout(10_000) })).text();
      return Number(/^qdhcp_agent_networks\{state="serving"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    } catch {
      return 0;
    }
  }

  /**
   * Waits (bounded) until the agent has reported every served port ready (its `dhcp.ports_ready` backlog
   * after a bulk create is drained): timing then measures one port's propagation, not the catch-up.
   */
  async waitPortsReported(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = await (await fetch(this.metricsUrl, { signal: AbortSignal.timeout(10_000) })).text();
      const pending = Number(/^qdhcp_agent_ports_ready_pending (\d+)$/m.exec(text)?.[1] ?? 0);
      if (pending === 0 || Date.now() > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async waitServing(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.servingNetworks()) < count) {
      if (Date.now() > deadline) throw new Error(`agent serves < ${count} networks after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /**
   * Plugs new veths into the bridges of `networkIds` (host namespace side enslaved, client side up):
   * returns the client-side device names, in order. Two `ip -batch` processes for all of them.
   */
  async plugClients(networkIds: readonly string[]): Promise<string[]> {
    const hostLines: string[] = [];
    const clientLines: string[] = [];
    const devices: string[] = [];
    for (const id of networkIds) {
      const n = this.vethCount++;
      const hostEnd = `bq${n}`;
      const clientEnd = `e${n}`;
      hostLines.push(`link add ${hostEnd} type veth peer name ${clientEnd} netns ${this.client.name}`);
      hostLines.push(`link set ${hostEnd} master ${bridgeName(id)} up`);
      clientLines.push(`link set ${clientEnd} up`);
      devices.push(clientEnd);
    }
    await runIpBatch(this.bed.host.name, hostLines, { timeoutMs: 120_000 });
    await runIpBatch(this.client.name, clientLines, { timeoutMs: 120_000 });
    return devices;
  }

  /**
   * The all-in-one process's clock from /proc (issue 17: "≤ 2 s after the new process starts"): seconds
   * since the process started (exec of bin/qdhcp, which execs node) and its CPU time so far, in ms
   * (utime + stime; 10 ms ticks). Undefined when the process is gone.
   */
  processClock(): { readonly ageS: number; readonly cpuMs: number } | undefined {
    const pid = this.aio?.pid;
    if (pid === undefined) return undefined;
    try {
      const uptimeS = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command's closing parenthesis start at field 3 (state); USER_HZ is 100 on Linux.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const field = (n: number) => Number(fields[n - 3]);
      return { ageS: uptimeS - field(22) / 100, cpuMs: (field(14) + field(15)) * 10 };
    } catch {
      return undefined;
    }
  }

  /** VmRSS in MiB of the all-in-one process, and the sum over dnsmasq processes in our DHCP namespaces. */
  async memory(): Promise<{ agentMiB: number; dnsmasqMiB: number; dnsmasqCount: number }> {
    const agentMiB = vmRssMiB(this.aio?.pid);
    let dnsmasqMiB = 0;
    let dnsmasqCount = 0;
    const ours = (await listNamespaces()).filter((n) => n.startsWith(`${this.bed.namespacePrefix}qdhcp-`));
    for (const name of ours) {
      for (const pid of await namespacePids(name)) {
        if (!commandOf(pid).startsWith('dnsmasq')) continue;
        dnsmasqMiB += vmRssMiB(pid);
        dnsmasqCount++;
      }
    }
    return { agentMiB, dnsmasqMiB, dnsmasqCount };
  }

  async teardown(): Promise<void> {
    await this.aio?.stop().catch(() => undefined);
    this.keepLog();
    await this.bed.teardown();
  }
}

function vmRssMiB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return Number(match?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}
