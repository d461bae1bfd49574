/**
 * A real Neutron (Zed, Debian's packages) for one test run, isolated from every other run and from the
 * machine's own services:
 * - a PRIVATE RabbitMQ node (own node name, AMQP and distribution ports, data under the run's temp dir),
 *   restartable on the same data ({@link NeutronEnv.restartBroker});
 * - a database and user of its own on the machine's MariaDB, Neutron's schema (cached dump per package
 *   version), dropped in teardown;
 * - neutron-server (noauth, its own port on 127.0.0.1, short `agent_down_time`), neutron-linuxbridge-agent
 *   under the run's agent host name with physnetN mapped to bridges named by the run, and on request
 *   neutron-metadata-agent (pointing at a {@link NovaStandIn}) and neutron-dhcp-agent;
 * each started as a process group and stopped by its PID, logs in var/test-output/neutron/<prefix>/.
 * Teardown (safe on failure, twice) stops everything, removes the `qdhcp-<network id>` namespaces of the
 * run's networks with anything left running in them, the DHCP ports' and plugged instances' `tap…` devices,
 * probe namespaces and the bridges, and drops the database.
 *
 * @module
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../../../src/linux/run-command.js';
import { freePort } from '../../e2e/api-server-process.js';
import { type Namespace, Sandbox } from '../netns.js';
import { NovaStandIn } from '../nova-stand-in.js';
import { PhaseTimer } from '../phase-timer.js';
import { ManagedProcess } from '../process.js';
import { eventually } from '../scaleout/cluster.js';
import { PrivateBroker } from '../scaleout/rabbitmq.js';
import { NeutronClient } from './neutron-client.js';
import { renderNeutronConfig } from './neutron-config.js';
import { NeutronDatabase } from './neutron-database.js';
import { removeRunDevices, tapName } from './run-devices.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..', '..');

/** The services a run can start; each is one process group. */
export type NeutronService = 'server' | 'linuxbridge' | 'metadata' | 'dhcp';

const SERVICES: Readonly<Record<NeutronService, { binary: string; config: string }>> = {
  server: { binary: '/usr/bin/neutron-server', config: 'ml2_conf.ini' },
  linuxbridge: { binary: '/usr/bin/neutron-linuxbridge-agent', config: 'linuxbridge_agent.ini' },
  metadata: { binary: '/usr/bin/neutron-metadata-agent', config: 'metadata_agent.ini' },
  dhcp: { binary: '/usr/bin/neutron-dhcp-agent', config: 'dhcp_agent.ini' },
};

/** What a run needs. */
export interface NeutronEnvOptions {
  /** Up to 3 letters, part of every name the run makes. */
  readonly tag: string;
  /** How many flat physnets (`physnet1`…) with a bridge each; default 1. */
  readonly physnets?: number;
  /** Also start neutron-metadata-agent (and the Nova stand-in it forwards to). */
  readonly metadataAgent?: boolean;
  /** Also start neutron-dhcp-agent (the benchmark's reference; tests of qdhcp do not). */
  readonly dhcpAgent?: boolean;
  /** `[agent] report_interval` of Neutron's agents (default 4 s; a qdhcp agent should use the same). */
  readonly reportIntervalSeconds?: number;
  /** How long the server waits for a report before it marks an agent dead (default 9 s). */
  readonly agentDownTimeSeconds?: number;
}

/** A running real Neutron; see the module comment. */
export class NeutronEnv {
  readonly sandbox: Sandbox;
  readonly timer = new PhaseTimer();
  /** `[DEFAULT] host` of the run's agents: a qdhcp agent must report under this name to be scheduled. */
  readonly host: string;
  readonly logDir: string;
  readonly stateDir: string;
  readonly etcDir: string;
  readonly reportIntervalSeconds: number;
  readonly agentDownTimeSeconds: number;
  readonly metadataSecret: string;
  /** physnet → the run's bridge for it. */
  readonly physnets: ReadonlyMap<string, string>;
  private broker: PrivateBroker | undefined;
  private database: NeutronDatabase | undefined;
  private novaStandIn: NovaStandIn | undefined;
  private apiClient: NeutronClient | undefined;
  private readonly services = new Map<NeutronService, ManagedProcess>();
  private readonly networkIds = new Set<string>();
  private readonly portIds = new Set<string>();
  private readonly rootDevices = new Set<string>();
  private probes = 0;
  private tornDown = false;

  private constructor(readonly options: NeutronEnvOptions) {
    this.sandbox = new Sandbox(options.tag);
    this.host = `${this.sandbox.prefix}-host`;
    this.logDir = join(ROOT, 'var', 'test-output', 'neutron', this.sandbox.prefix);
    this.stateDir = this.sandbox.path('state');
    this.etcDir = join(this.logDir, 'etc');
    this.reportIntervalSeconds = options.reportIntervalSeconds ?? 4;
    this.agentDownTimeSeconds = options.agentDownTimeSeconds ?? 9;
    this.metadataSecret = `secret-${this.sandbox.prefix}`;
    this.physnets = new Map(
      Array.from({ length: options.physnets ?? 1 }, (_, i) => [
        `physnet${i + 1}`,
        this.sandbox.device(`b${i + 1}`),
      ]),
    );
    for (const dir of [this.logDir, this.etcDir, this.stateDir, join(this.stateDir, 'lock')])
      mkdirSync(dir, { recursive: true });
    // The state dir is read by unprivileged processes: dnsmasq re-reads its host files as `nobody` on SIGHUP
    // (neutron-dhcp-agent's and qdhcp's dnsmasq driver alike), which a 0700 temp dir would deny.
    chmodSync(this.sandbox.workDir, 0o755);
  }

  /**
   * Brings everything up and waits (bounded) until the API answers and the linuxbridge agent (and the other
   * agents asked for) are alive. On failure it tears down what it started and rethrows.
   */
  static async start(options: NeutronEnvOptions): Promise<NeutronEnv> {
    const env = new NeutronEnv(options);
    try {
      await env.bringUp();
      return env;
    } catch (error) {
      await env.teardown();
      throw error;
    }
  }

  private async bringUp(): Promise<void> {
    const { timer } = this;
    const brokerDir = this.sandbox.path('rabbit');
    mkdirSync(brokerDir);
    this.broker = new PrivateBroker(
      brokerDir,
      `${this.sandbox.prefix}@localhost`,
      await freePort(),
      await freePort(),
      join(this.logDir, 'rabbit'),
    );
    const broker = this.broker;
    const apiPort = await freePort();
    this.apiClient = new NeutronClient(`http://127.0.0.1:${apiPort}`, this.sandbox.path('cli-home'));
    if (this.options.metadataAgent === true) this.novaStandIn = await NovaStandIn.start(this.metadataSecret);
    this.database = await NeutronDatabase.create(`qn_${this.sandbox.prefix}`);
    const database = this.database;
    const files = renderNeutronConfig({
      stateDir: this.stateDir,
      apiPort,
      transportUrl: `rabbit://guest:guest@127.0.0.1:${broker.port}/`,
      databaseUrl: database.url,
      host: this.host,
      physnets: this.physnets,
      reportIntervalSeconds: this.reportIntervalSeconds,
      agentDownTimeSeconds: this.agentDownTimeSeconds,
      novaMetadataPort: this.novaStandIn?.port ?? 9,
      metadataSecret: this.metadataSecret,
    });
    for (const [name, text] of files) writeFileSync(join(this.etcDir, name), text);
    // The broker, the schema and the bridges do not depend on each other.
    await Promise.all([
      timer.time('broker', async () => {
        await broker.start();
      }),
      timer.time('schema', async () => {
        const how = await database.upgradeHead(
          [join(this.etcDir, 'neutron.conf'), join(this.etcDir, 'ml2_conf.ini')],
          join(this.logDir, 'db-manage.log'),
        );
        timer.record(`schema:${how}`, 0);
      }),
      timer.time('bridges', () => this.addBridges()),
    ]);
    await timer.time('api', async () => {
      this.startService('server');
      await eventually(
        'neutron-server answers',
        async () => ((await this.answers()) ? true : undefined),
        90_000,
        500,
      );
    });
    const agents: [NeutronService, string][] = [['linuxbridge', 'Linux bridge agent']];
    if (this.options.metadataAgent === true) agents.push(['metadata', 'Metadata agent']);
    if (this.options.dhcpAgent === true) agents.push(['dhcp', 'DHCP agent']);
    await timer.time('agents', async () => {
      for (const [service] of agents) this.startService(service);
      await Promise.all(
        agents.map(([, agentType]) => this.client.waitForAgent({ agentType, host: this.host }, true, 60_000)),
      );
    });
  }

  private async answers(): Promise<boolean> {
    const server = this.services.get('server');
    if (server?.exit !== undefined) throw new Error(`neutron-server exited:\n${server.output()}`);
    try {
      return (await fetch(`${this.client.url}/v2.0/networks`)).status === 200;
    } catch {
      return false;
    }
  }

  /** The run's physnet bridges: in the root namespace (where the linuxbridge agent wires taps), no address. */
  private async addBridges(): Promise<void> {
    for (const bridge of this.physnets.values()) {
      await runCommand('ip', ['link', 'add', bridge, 'type', 'bridge']);
      this.rootDevices.add(bridge);
      await disableIpv6(bridge);
      await runCommand('ip', ['link', 'set', bridge, 'up']);
    }
  }

  get client(): NeutronClient {
    if (this.apiClient === undefined) throw new Error('NeutronEnv not started');
    return this.apiClient;
  }

  /** The Nova stand-in neutron-metadata-agent forwards to (with `metadataAgent`). */
  get nova(): NovaStandIn {
    if (this.novaStandIn === undefined) throw new Error('NeutronEnv started without metadataAgent');
    return this.novaStandIn;
  }

  /** `rabbit://…` of the run's private broker, for a qdhcp agent's `transport_url`. */
  get transportUrl(): string {
    if (this.broker === undefined) throw new Error('NeutronEnv not started');
    return `rabbit://guest:guest@127.0.0.1:${this.broker.port}/`;
  }

  /** The bridge of `physnet`. */
  bridge(physnet: string): string {
    const bridge = this.physnets.get(physnet);
    if (bridge === undefined) throw new Error(`no ${physnet} in this run`);
    return bridge;
  }

  /** Starts (or starts again) one service as a process group, logging into the run's log directory. */
  startService(service: NeutronService): void {
    const running = this.services.get(service);
    if (running !== undefined && running.exit === undefined) return;
    const { binary, config } = SERVICES[service];
    const args = [
      '--config-file',
      join(this.etcDir, 'neutron.conf'),
      '--config-file',
      join(this.etcDir, config),
    ];
    args.push('--log-file', join(this.logDir, `${service}.log`));
    this.services.set(
      service,
      ManagedProcess.start(service, binary, args, process.env, { processGroup: true }),
    );
  }

  /** Stops one service (SIGTERM to its group, SIGKILL after `graceMs`), keeping its output in the log dir. */
  async stopService(service: NeutronService, graceMs = 10_000): Promise<void> {
    const running = this.services.get(service);
    if (running === undefined) return;
    await running.stop(graceMs);
    writeFileSync(join(this.logDir, `${service}.out`), running.stdout + running.stderr);
  }

  /** Stops the private broker and starts it again on the same data; resolves to the restart's milliseconds. */
  async restartBroker(): Promise<number> {
    if (this.broker === undefined) throw new Error('NeutronEnv not started');
    const started = Date.now();
    await this.broker.stop();
    await this.broker.start();
    return Date.now() - started;
  }

  /** Remembers a network (and so its `qdhcp-<id>` namespace) for teardown even when the server is gone. */
  trackNetwork(networkId: string): void {
    this.networkIds.add(networkId);
  }

  /**
   * A probe "instance" on `physnet`: namespace `<prefix>-<name>` whose `eth0` has `mac`, the other end of
   * the veth attached to the physnet's bridge in the root namespace (no address there, IPv6 off).
   */
  async addProbe(name: string, physnet: string, mac: string): Promise<Namespace> {
    const namespace = await this.sandbox.addNamespace(name);
    this.probes += 1;
    const outside = this.sandbox.device(`p${this.probes}`);
    await runCommand('ip', [
      'link',
      'add',
      outside,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      namespace.name,
    ]);
    this.rootDevices.add(outside);
    await disableIpv6(outside);
    await runCommand('ip', ['link', 'set', outside, 'master', this.bridge(physnet), 'up']);
    await namespace.ip(['link', 'set', 'eth0', 'address', mac, 'up']);
    return namespace;
  }

  /**
   * An instance's VIF plugged as Nova plugs it for the linuxbridge mechanism (os-vif's linux_bridge plugin
   * and libvirt): `tap<port id[:11]>` in the root namespace, already in the network's bridge on this host —
   * the physnet's mapped bridge here. The linuxbridge agent leaves compute ports' taps where Nova put them
   * (`_add_tap_interface`: "added elsewhere"); it finds the tap by name and reports the device up, which
   * clears the port's `L2` provisioning block. Its peer is `eth0`, with the port's MAC, in namespace
   * `<prefix>-<name>` (the instance). The tap is tracked by its port and removed in teardown even when the
   * port is deleted before.
   */
  async plugInstance(name: string, physnet: string, portId: string, mac: string): Promise<Namespace> {
    const namespace = await this.sandbox.addNamespace(name);
    const tap = tapName(portId);
    this.portIds.add(portId);
    this.rootDevices.add(tap);
    await runCommand('ip', [
      'link',
      'add',
      tap,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      namespace.name,
    ]);
    await disableIpv6(tap);
    await namespace.ip(['link', 'set', 'eth0', 'address', mac, 'up']);
    await runCommand('ip', ['link', 'set', tap, 'master', this.bridge(physnet), 'up']);
    return namespace;
  }

  /** The entities still blocking a port from going ACTIVE ({@link NeutronDatabase.provisioningBlocks}). */
  provisioningBlocks(portId: string): Promise<string[]> {
    if (this.database === undefined) throw new Error('NeutronEnv not started');
    return this.database.provisioningBlocks(portId);
  }

  /** What the run's phases took, for the test's own report. */
  summary(): string {
    return this.timer.summary();
  }

  /** Stops and removes everything this run made; never throws, safe to call twice. */
  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    await this.learnRunObjects();
    const order: NeutronService[] = ['dhcp', 'metadata', 'linuxbridge', 'server'];
    for (const service of order) await this.stopService(service).catch(() => undefined);
    await this.broker?.stop().catch(() => undefined);
    await removeRunDevices({
      networkIds: this.networkIds,
      portIds: this.portIds,
      rootDevices: this.rootDevices,
    });
    await this.sandbox.teardown();
    await this.database?.drop();
    await this.novaStandIn?.stop();
  }

  /** Every network and port the server knows belongs to this run: remember them while it still answers. */
  private async learnRunObjects(): Promise<void> {
    if (this.apiClient === undefined) return;
    try {
      const networks = await this.client.request<{ id: string }[]>(
        'GET',
        '/v2.0/networks',
        undefined,
        200,
        'networks',
      );
      for (const network of networks) this.networkIds.add(network.id);
      const ports = await this.client.request<{ id: string }[]>(
        'GET',
        '/v2.0/ports',
        undefined,
        200,
        'ports',
      );
      for (const port of ports) this.portIds.add(port.id);
    } catch {
      // the server is gone: what was tracked is all there is
    }
  }
}

/** No IPv6 on a root-namespace test device (no link-local address, no router solicitations into the bridge). */
async function disableIpv6(device: string): Promise<void> {
  await runCommand('sysctl', ['-q', '-w', `net.ipv6.conf.${device}.disable_ipv6=1`], { allowFailure: true });
}
