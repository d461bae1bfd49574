/**
 * The bed of bench/handover/run.ts (issue 17, planned restart at scale): `qdhcp server` (SQLite) and
 * `qdhcp agent` (builtin driver) over the shared RabbitMQ under a unique exchange prefix, the agent's
 * namespaces under an {@link AgentTestbed}'s prefix and host namespace; N networks made through the API in
 * bulk, each with a subnet `10.<100 + i/250>.<i % 250>.0/24` and two instance ports (.50, .51); on a
 * sample of them an instance namespace on the network's bridge holding the .50 port's MAC and address, from
 * which the e2e's probers (test/support/dhcp-prober.ts, test/support/dns-metadata-prober.ts) ask DHCP, DNS
 * and metadata every 100 ms. Teardown stops everything by PID and removes namespaces and broker objects.
 *
 * @module
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bridgeName } from '../../src/agent/naming.js';
import { readStatus, statusSocketPath } from '../../src/agent/runtime/status-socket.js';
import { deleteBrokerObjects } from '../../src/bus/testing/broker-cleanup.js';
import { listNamespaces } from '../../src/linux/ip-batch.js';
import type { ServerProcess } from '../../test/e2e/api-server-process.js';
import { AgentTestbed } from '../../test/support/agent/testbed.js';
import type { ProberSummary } from '../../test/support/dhcp-prober.js';
import type { ServiceSummary } from '../../test/support/dns-metadata-prober.js';
import type { Namespace } from '../../test/support/netns.js';
import { ManagedProcess } from '../../test/support/process.js';
import { startServer } from '../../test/support/router-restart-bed.js';

const BROKER = 'amqp://guest:guest@127.0.0.1:5672/';
const DHCP_PROBER = fileURLToPath(new URL('../../test/support/dhcp-prober.js', import.meta.url));
const SERVICE_PROBER = fileURLToPath(new URL('../../test/support/dns-metadata-prober.js', import.meta.url));
/** Networks per bulk create: one transaction each; a few hundred KiB of body at most. */
const BULK = 100;

type Json = Record<string, unknown>;

/** Probe timing: one question per service every `intervalMs`; late after `timeoutMs`, lost after `giveUpMs`. */
export interface ProbeTiming {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly giveUpMs: number;
}

/** What one sampled network's probers saw over a case. */
export interface ProbeResult {
  readonly label: string;
  readonly dhcp: ProberSummary;
  readonly dns: ServiceSummary;
  readonly metadata: ServiceSummary;
}

interface Sampled {
  readonly label: string;
  readonly client: Namespace;
  readonly dhcpRequest: Json;
  readonly serviceRequest: Json;
}

/** The subnet's /24 of network `i` (third and second octets), up to 39,000 networks. */
function octets(i: number): string {
  return `${100 + Math.floor(i / 250)}.${i % 250}`;
}

function mac(i: number, last: number): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `fa:16:3e:${hex(i >> 8)}:${hex(i & 255)}:${hex(last)}`;
}

export class HandoverBed {
  readonly networkIds: string[] = [];
  private readonly sampled: Sampled[] = [];
  private agentRuns = 0;

  private constructor(
    readonly bed: AgentTestbed,
    private readonly server: ServerProcess,
    private readonly busUrl: string,
  ) {}

  static async start(tag: string): Promise<HandoverBed> {
    const bed = await AgentTestbed.create(tag);
    try {
      const busUrl = `${BROKER}?exchange=${bed.sandbox.prefix}`;
      const server = await startServer([
        ...['--db', `sqlite:${bed.path('server.sqlite')}`, '--state-dir', bed.path('server')],
        ...['--bus', busUrl],
      ]);
      return new HandoverBed(bed, server, busUrl);
    } catch (error) {
      await bed.teardown();
      throw error;
    }
  }

  get stateDir(): string {
    return this.bed.path('agent');
  }

  /** `DIR/bin/qdhcp agent …` (this bed's options, same state dir every time) with `extra` (`--takeover`). */
  startAgent(qdhcpDir: string, extra: readonly string[]): ManagedProcess {
    this.agentRuns++;
    const args = [
      ...['agent', '--bus', this.busUrl, '--host', `${this.bed.sandbox.prefix}-host`],
      ...['--state-dir', this.stateDir, '--namespace-prefix', this.bed.namespacePrefix],
      ...['--host-namespace', this.bed.host.name, '--report-interval', '2', ...extra],
    ];
    return ManagedProcess.start(`agent-${this.agentRuns}`, join(qdhcpDir, 'bin', 'qdhcp'), args);
  }

  /** `count` networks, each with a subnet and two instance ports, `BULK` networks per request. */
  async addNetworks(count: number): Promise<void> {
    for (let first = 0; first < count; first += BULK) {
      const indices = Array.from({ length: Math.min(BULK, count - first) }, (_, k) => first + k);
      const networks = await this.bulk(
        'networks',
        indices.map((i) => ({ name: `ho-${i}` })),
      );
      const subnets = await this.bulk(
        'subnets',
        indices.map((i, k) => ({
          network_id: networks[k]?.['id'],
          ip_version: 4,
          cidr: `10.${octets(i)}.0/24`,
        })),
      );
      await this.bulk(
        'ports',
        indices.flatMap((i, k) =>
          [50, 51].map((last) => ({
            network_id: networks[k]?.['id'],
            mac_address: mac(i, last),
            device_owner: 'compute:nova',
            fixed_ips: [{ subnet_id: subnets[k]?.['id'], ip_address: `10.${octets(i)}.${last}` }],
          })),
        ),
      );
      for (const network of networks) this.networkIds.push(String(network['id']));
    }
  }

  /** Until the running agent (status socket) serves `count` networks; the time it took, ms. */
  async served(count: number, timeoutMs: number): Promise<number> {
    const started = Date.now();
    for (;;) {
      const status = await readStatus(statusSocketPath(this.stateDir)).catch(() => undefined);
      const serving = status?.networks.filter((n) => n.state === 'serving').length ?? 0;
      if (serving >= count) return Date.now() - started;
      if (Date.now() - started > timeoutMs)
        throw new Error(`${serving} of ${count} networks served after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  /**
   * An instance namespace on each of `indices`' networks: the .50 port's MAC and address, the metadata
   * route via the DHCP port (as option 121 gives it), and the probers' requests for it.
   */
  async addSamples(indices: readonly number[], timing: ProbeTiming): Promise<void> {
    const dhcpPorts = (await this.call('GET', '/v2.0/ports?device_owner=network:dhcp'))['ports'] as Json[];
    const serverIp = new Map(
      dhcpPorts.map((port) => {
        const fixed = (port['fixed_ips'] as Json[] | undefined)?.[0];
        return [String(port['network_id']), String(fixed?.['ip_address'] ?? '')] as const;
      }),
    );
    for (const i of indices) {
      const networkId = this.networkIds[i] ?? '';
      const server = serverIp.get(networkId) ?? '';
      if (server === '') throw new Error(`network ${i} has no DHCP port`);
      const ip = `10.${octets(i)}.50`;
      const client = await this.bed.addClient(mac(i, 50), {
        namespace: this.bed.host,
        bridge: bridgeName(networkId),
      });
      await client.ip(['addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      await client.ip(['route', 'add', '169.254.169.254/32', 'via', server]);
      this.sampled.push({
        label: `net-${i}`,
        client,
        dhcpRequest: { mac: mac(i, 50), ip, server, broadcast: `10.${octets(i)}.255`, ...timing },
        serviceRequest: {
          dnsServer: server,
          name: `host-${ip.replaceAll('.', '-')}.openstacklocal`,
          metadataUrl: 'http://169.254.169.254/',
          metadataAnyStatus: true,
          ...timing,
        },
      });
    }
  }

  /** Starts both probers on every sampled network; resolves once each has started asking. */
  async startProbers(): Promise<ManagedProcess[][]> {
    const started = this.sampled.map((sample) => [
      this.bed.sandbox.spawn(sample.client, `${sample.label}-dhcp`, process.execPath, [
        ...[DHCP_PROBER, '--run', JSON.stringify(sample.dhcpRequest)],
      ]),
      this.bed.sandbox.spawn(sample.client, `${sample.label}-services`, process.execPath, [
        ...[SERVICE_PROBER, '--run', JSON.stringify(sample.serviceRequest)],
      ]),
    ]);
    await Promise.all(started.flat().map((prober) => prober.waitForOutput(/"started":true/, 60_000)));
    return started;
  }

  /** SIGTERM to every prober, then their summaries (each waits for its outstanding questions first). */
  async stopProbers(probers: readonly ManagedProcess[][]): Promise<ProbeResult[]> {
    for (const prober of probers.flat()) prober.signal('SIGTERM');
    return Promise.all(
      probers.map(async ([dhcp, services], k) => {
        const dhcpLine = await (dhcp as ManagedProcess).waitForOutput(/\{"sent"[^\n]*\}/, 60_000);
        const serviceLine = await (services as ManagedProcess).waitForOutput(/\{"dns"[^\n]*\}/, 60_000);
        const both = JSON.parse(serviceLine[0]) as { dns: ServiceSummary; metadata: ServiceSummary };
        await Promise.all([dhcp?.stop(), services?.stop()]);
        const dhcpSummary = JSON.parse(dhcpLine[0]) as ProberSummary;
        return { label: this.sampled[k]?.label ?? '?', dhcp: dhcpSummary, ...both };
      }),
    );
  }

  /** Stops the server, removes every namespace of the bed's prefix and the broker's objects (agents: the caller). */
  async teardown(): Promise<void> {
    await this.server.stop().catch(() => undefined);
    const ours = (await listNamespaces().catch(() => [])).filter((n) =>
      n.startsWith(this.bed.namespacePrefix),
    );
    await this.bed.removeNamespaces(ours);
    await this.bed.teardown();
    await deleteBrokerObjects(BROKER, this.bed.sandbox.prefix).catch(() => undefined);
  }

  private async bulk(plural: string, items: readonly Json[]): Promise<Json[]> {
    return (await this.call('POST', `/v2.0/${plural}`, { [plural]: items }))[plural] as Json[];
  }

  private async call(method: string, path: string, body?: Json): Promise<Json> {
    const init: RequestInit = { method, headers: { 'content-type': 'application/json' } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await fetch(`${this.server.url}${path}`, {
      ...init,
      signal: AbortSignal.timeout(120_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
    return JSON.parse(text) as Json;
  }
}
