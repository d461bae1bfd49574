import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listNamespaces } from '../../../src/linux/ip-batch.js';
import { type CommandResult, runCommand } from '../../../src/linux/run-command.js';
import { freePort } from '../../e2e/api-server-process.js';
import { ManagedProcess } from '../process.js';
import { AgentTestbed } from './testbed.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..', '..');
const QDHCP = join(ROOT, 'bin', 'qdhcp');

export type Json = Record<string, unknown>;

/** A probe that an instance record owns: what a metadata test needs to know about it. */
export interface ProbeInstance {
  readonly probe: string;
  /** The probe's namespace (`ip netns exec` runs clients there). */
  readonly namespace: string;
  readonly portId: string;
  readonly ip: string;
  readonly instance: Json;
}

/**
 * `qdhcp all-in-one` (server + agent, SQLite, in-process bus) as an operator runs it, for e2e tests and
 * benchmarks: the API on 127.0.0.1 only, bridges and taps in the testbed's host namespace
 * (`--host-namespace`), DHCP and probe namespaces under the testbed's unique prefix. Probes are made with
 * `qdhcp probe` (real udhcpc, lease applied in the probe namespace only). `teardown()` stops the process by
 * PID and removes every namespace under the prefix.
 */
export class AllInOne {
  private process: ManagedProcess | undefined;
  private readonly stateDir: string;

  private constructor(
    readonly bed: AgentTestbed,
    readonly apiUrl: string,
    private readonly apiPort: number,
    private readonly label: string,
  ) {
    this.stateDir = bed.path('state');
  }

  /**
   * Builds a testbed and starts `qdhcp all-in-one` with `args` added (e.g. `--driver dnsmasq`), or with the
   * args a function makes from the testbed (for its provider NIC's name).
   */
  static async start(
    tag: string,
    args: readonly string[] | ((bed: AgentTestbed) => readonly string[]) = [],
  ): Promise<AllInOne> {
    const bed = await AgentTestbed.create(tag);
    const port = await freePort();
    const aio = new AllInOne(bed, `http://127.0.0.1:${port}`, port, `all-in-one-${tag}`);
    try {
      await aio.restart(typeof args === 'function' ? args(bed) : args);
    } catch (error) {
      await aio.teardown();
      throw error;
    }
    return aio;
  }

  /** Stops the process (if running) and starts it again with `args`; namespaces and state stay. */
  async restart(args: readonly string[]): Promise<ManagedProcess> {
    await this.process?.stop();
    // QDHCP_BENCH_CPU_PROF=DIR: a V8 CPU profile of the run, written there when it stops (as
    // bench/agent/agent-under-test.ts; --cpu-prof is not allowed in NODE_OPTIONS).
    const profileDir = process.env['QDHCP_BENCH_CPU_PROF'];
    const [command, ...prefix] =
      profileDir === undefined
        ? [QDHCP]
        : [
            process.execPath,
            '--cpu-prof',
            `--cpu-prof-dir=${profileDir}`,
            join(ROOT, 'dist', 'src', 'cli', 'main.js'),
          ];
    const started = ManagedProcess.start(this.label, command ?? QDHCP, [
      ...prefix,
      ...['all-in-one', '--bind', `127.0.0.1:${this.apiPort}`, '--state-dir', this.stateDir],
      ...['--host', 'aio-host', '--namespace-prefix', this.bed.namespacePrefix],
      ...['--host-namespace', this.bed.host.name, '--report-interval', '2'],
      ...args,
    ]);
    this.process = started;
    await started.waitForOutput(/qdhcp agent started/, 20_000);
    return started;
  }

  /** kill -9 (what a crash does), waited for. */
  async crash(): Promise<void> {
    this.process?.signal('SIGKILL');
    await this.process?.waitForExit(5000);
    this.process = undefined;
  }

  /** kill -9 (what a crash does), then a start with `args`, resolved once its first full resync is done. */
  async crashAndRestart(args: readonly string[]): Promise<void> {
    await this.crash();
    const restarted = await this.restart(args);
    await restarted.waitForOutput(/full resync done/, 30_000);
  }

  /** The DHCP namespaces of this process (ours by prefix). */
  async dhcpNamespaces(): Promise<string[]> {
    return (await listNamespaces()).filter((name) => name.startsWith(`${this.bed.namespacePrefix}qdhcp-`));
  }

  /** PID of the running all-in-one process (for CPU and memory readings). */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  output(): string {
    return this.process?.output() ?? '';
  }

  /** All the process wrote to stderr (its JSON log lines) so far; `output()` keeps the tail only. */
  log(): string {
    return this.process?.stderr ?? '';
  }

  async api(method: string, path: string, body?: Json): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Json) };
  }

  /** POST that must answer 201; returns the created resource. */
  async create(path: string, kind: string, fields: Json): Promise<Json> {
    const reply = await this.api('POST', path, { [kind]: fields });
    assert.equal(reply.status, 201, `POST ${path}: ${JSON.stringify(reply.body)}`);
    return reply.body[kind] as Json;
  }

  qdhcp(args: readonly string[], timeoutMs = 60_000): Promise<CommandResult> {
    return runCommand(QDHCP, args, { timeoutMs, allowFailure: true });
  }

  /** `qdhcp probe SUB` with this process's API, state and namespaces (options before `exec NAME --`). */
  probe(sub: string, args: readonly string[]): Promise<CommandResult> {
    return this.qdhcp([
      ...['probe', sub, '--api', this.apiUrl, '--state-dir', this.stateDir],
      ...['--namespace-prefix', this.bed.namespacePrefix, '--host-namespace', this.bed.host.name],
      ...['--timeout', '20'],
      ...args,
    ]);
  }

  probeNamespace(name: string): string {
    return `${this.bed.namespacePrefix}qprobe-${name}`;
  }

  async waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) assert.fail(`timed out: ${what}\n${this.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** `qdhcp agent status --json`: the networks the agent holds, with their counters. */
  async served(): Promise<Array<{ networkId: string; state: string; counters?: Record<string, number> }>> {
    const out = await this.qdhcp(['agent', 'status', '--json', '--state-dir', this.stateDir], 10_000);
    if (out.code !== 0) return [];
    return (JSON.parse(out.stdout) as { networks: Array<{ networkId: string; state: string }> }).networks;
  }

  /** A network with one IPv4 subnet, waited for until the agent serves it. */
  async servedNetwork(
    name: string,
    cidr: string,
    subnetAttributes: Json = {},
  ): Promise<{ network: Json; subnet: Json }> {
    const network = await this.create('/v2.0/networks', 'network', { name });
    const subnet = await this.create('/v2.0/subnets', 'subnet', {
      network_id: network['id'],
      ip_version: 4,
      cidr,
      ...subnetAttributes,
    });
    await this.waitFor(`network ${name} served`, async () =>
      (await this.served()).some((n) => n.networkId === network['id'] && n.state === 'serving')
        ? true
        : undefined,
    );
    return { network, subnet };
  }

  /** A probe on `networkId` that got a lease; returns its port id and address. */
  async leasedProbe(networkId: string, name: string): Promise<{ portId: string; ip: string }> {
    const out = await this.probe('create', ['--network', networkId, '--name', name]);
    assert.equal(out.code, 0, `${out.stdout}${out.stderr}\n${this.output()}`);
    const ip = /bound (\d+\.\d+\.\d+\.\d+)\//.exec(out.stdout)?.[1];
    assert.ok(ip, out.stdout);
    const ports = await this.api('GET', `/v2.0/ports?network_id=${networkId}&name=probe-${name}`);
    const portId = String((ports.body['ports'] as Json[])[0]?.['id']);
    return { portId, ip };
  }

  /**
   * A probe that is an instance: the probe's port (created without a device_id) is handed to a new
   * instance record (`POST /v2.0/qdhcp/instances`, which sets the port's device_id).
   */
  async probeInstance(networkId: string, name: string, fields: Json): Promise<ProbeInstance> {
    const { portId, ip } = await this.leasedProbe(networkId, name);
    const instance = await this.create('/v2.0/qdhcp/instances', 'instance', { ...fields, ports: [portId] });
    return { probe: name, namespace: this.probeNamespace(name), portId, ip, instance };
  }

  /** Stops the process by PID and removes every namespace under the prefix (probes included). */
  async teardown(): Promise<void> {
    await this.process?.stop().catch(() => undefined);
    // Probe namespaces carry our prefix too; the testbed removes the DHCP ones and its own.
    const ours = (await listNamespaces().catch(() => [])).filter((n) =>
      n.startsWith(this.bed.namespacePrefix),
    );
    await this.bed.removeNamespaces(ours);
    await this.bed.teardown();
  }
}
