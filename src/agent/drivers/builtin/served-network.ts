import type { RemoteInfo, Socket } from 'node:dgram';
import type { DhcpMessage } from '../../../dhcp/types.js';
import type { Counters } from '../../../dhcp-server/counters.js';
import { PacketLoop, type ServedState } from '../../../dhcp-server/packet-loop.js';
import type { Decision, EngineConfig } from '../../../dhcp-server/types.js';
import { forcedOptionsOf, rangesOf } from '../../dhcp-config/derive.js';
import { hostsForPort } from '../../dhcp-config/hosts.js';
import { type NetworkFacts, networkFacts } from '../../dhcp-config/network-facts.js';
import { multiAgentDnsLines, portOptionLines } from '../../dhcp-config/port-options.js';
import { subnetOptionLines } from '../../dhcp-config/subnet-options.js';
import { type AgentNetwork, type AgentPort, ROUTER_INTERFACE_OWNERS } from '../../model.js';
import type { NetworkStatus } from '../driver.js';
import type { PreparedNetwork } from '../prepare-network.js';
import { engineConfigOf } from './engine-input.js';
import { NetworkTables } from './network-tables.js';
import { sendReply } from './reply-sender.js';
import { dhcpPortIpv4Addresses } from './served-dns.js';

/** Port owners whose change can alter subnet-level options (isolation, multi-agent DNS). */
function affectsSubnetOptions(port: AgentPort | undefined): boolean {
  const owner = port?.device_owner ?? '';
  return ROUTER_INTERFACE_OWNERS.has(owner) || owner === 'network:dhcp';
}

/**
 * One network served by the builtin driver: its model (ports by id), tables, engine configuration and the
 * socket in its namespace. Port events touch only that port's entries; a full {@link ServedNetwork.load}
 * happens on enable (network or subnet changes).
 */
export class ServedNetwork {
  private prepared: PreparedNetwork;
  private readonly ports = new Map<string, AgentPort>();
  private facts: NetworkFacts;
  private tables = new NetworkTables();
  private config: EngineConfig;
  private socket: Socket | undefined;
  /** The shared packet loop (the same as `qdhcp serve`'s), without logs: the agent serves many networks. */
  private readonly loop: PacketLoop;
  private served: ServedState | undefined;

  /**
   * @param traceExchange receives the engine's `--log-dhcp` lines of every exchange when set (tracing
   *   costs a few µs per packet, so it is off unless asked for).
   */
  constructor(prepared: PreparedNetwork, traceExchange?: (xid: number, lines: readonly string[]) => void) {
    this.loop = new PacketLoop(
      () => this.servedState(),
      (bytes, destination) => {
        const socket = this.socket;
        if (socket !== undefined) sendReply(socket, bytes, destination, this.onSendError);
      },
      { trace: traceExchange },
    );
    this.prepared = prepared;
    this.facts = networkFacts(prepared.network);
    this.config = this.buildConfig();
    this.load(prepared);
  }

  /** Received, sent, dropped, port-event and error counts. */
  get counters(): Counters {
    return this.loop.counters;
  }

  private readonly onSendError = (): void => this.loop.counters.increment('errors.send');

  /** What the loop answers from: rebuilt only when the config or the tables' reference changed. */
  private servedState(): ServedState {
    const tables = this.tables.tables;
    const served = this.served;
    if (served !== undefined && served.tables === tables && served.config === this.config) return served;
    this.served = { config: this.config, tables };
    return this.served;
  }

  /** Namespace and device this network is served on. */
  get device(): { readonly namespace: string; readonly name: string } {
    return { namespace: this.prepared.desired.device.namespace, name: this.prepared.desired.device.device };
  }

  /** The engine's fixed configuration (ranges, server addresses, domain) in force. */
  get engineConfig(): EngineConfig {
    return this.config;
  }

  /** True once a socket is attached. */
  get listening(): boolean {
    return this.socket !== undefined;
  }

  /** Rebuilds everything from a full model (enable / network or subnet change). O(ports). */
  load(prepared: PreparedNetwork): void {
    this.prepared = prepared;
    this.ports.clear();
    for (const port of prepared.network.ports) this.ports.set(port.id, port);
    this.facts = networkFacts(prepared.network);
    this.config = this.buildConfig();
    const tables = new NetworkTables();
    tables.setForced(forcedOptionsOf(prepared.network, prepared.context));
    for (const port of prepared.network.ports) {
      tables.setPort(
        port.id,
        hostsForPort(port, this.facts, prepared.context),
        portOptionLines(port, this.facts),
      );
    }
    this.tables = tables;
    this.refreshSubnetOptions(false);
  }

  private buildConfig(): EngineConfig {
    const { context, desired } = this.prepared;
    const addresses = dhcpPortIpv4Addresses(desired.device);
    const ranges = rangesOf(this.facts, context);
    return engineConfigOf(
      { ranges, domain: context.settings.dnsDomain || undefined },
      desired.device.device,
      addresses,
      context.settings.dnsEnabled,
    );
  }

  /** Recomputes isolation and subnet-level options (O(ports); only for router/DHCP port changes). */
  private refreshSubnetOptions(recomputeFacts: boolean): void {
    const network = this.currentNetwork();
    if (recomputeFacts) this.facts = networkFacts(network);
    this.tables.setSubnetOptions(
      subnetOptionLines(this.facts, this.prepared.context),
      multiAgentDnsLines(network.ports, this.facts),
    );
  }

  /** The model as it stands after the port events applied so far. */
  currentNetwork(): AgentNetwork {
    return { ...this.prepared.network, ports: [...this.ports.values()] };
  }

  /**
   * Applies one port create/update (spec §4.7): drops it when stale (a cached copy has a higher
   * revision_number), else replaces that port's entries only.
   */
  upsertPort(port: AgentPort): 'applied' | 'stale' {
    const cached = this.ports.get(port.id);
    if (
      cached?.revision_number !== undefined &&
      port.revision_number !== undefined &&
      cached.revision_number > port.revision_number
    ) {
      this.counters.increment('ports.stale');
      return 'stale';
    }
    this.ports.set(port.id, port);
    this.tables.setPort(
      port.id,
      hostsForPort(port, this.facts, this.prepared.context),
      portOptionLines(port, this.facts),
    );
    if (affectsSubnetOptions(cached) || affectsSubnetOptions(port)) this.refreshSubnetOptions(true);
    this.counters.increment('ports.updated');
    return 'applied';
  }

  /** Applies one port delete. */
  deletePort(portId: string): void {
    const cached = this.ports.get(portId);
    if (cached === undefined) return;
    this.ports.delete(portId);
    this.tables.removePort(portId);
    if (affectsSubnetOptions(cached)) this.refreshSubnetOptions(true);
    this.counters.increment('ports.deleted');
  }

  /** Attaches the socket bound in the namespace (closing a previous one). */
  attach(socket: Socket): void {
    this.detach();
    this.socket = socket;
    socket.on('message', (bytes: Buffer, from: RemoteInfo) => this.handlePacket(bytes, from.address));
    socket.on('error', () => this.counters.increment('errors.socket'));
  }

  /** Closes the socket. Safe twice. */
  detach(): void {
    const socket = this.socket;
    this.socket = undefined;
    if (socket === undefined) return;
    try {
      socket.close();
    } catch {
      // already closed
    }
  }

  /** The engine's decision for one request (pure; tests and benchmarks call it directly). */
  decide(request: DhcpMessage): Decision {
    return this.loop.decide(request);
  }

  /** Answers one datagram from the namespace. Never throws. */
  handlePacket(bytes: Buffer, sourceAddress = ''): void {
    this.loop.handlePacket(bytes, sourceAddress);
  }

  /** Status for the agent and tests. */
  status(): NetworkStatus {
    const problems = this.tables.problems.length;
    return {
      networkId: this.prepared.network.id,
      namespace: this.device.namespace,
      device: this.device.name,
      ports: this.ports.size,
      state: 'serving',
      detail: problems > 0 ? `${problems} unusable configuration lines` : undefined,
      counters: this.counters.snapshot(),
      pid: undefined,
    };
  }

  /** Host entries served (for tests and benchmarks). */
  get hostCount(): number {
    return this.tables.hostCount;
  }
}
