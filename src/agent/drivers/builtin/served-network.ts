import type { DhcpMessage } from '../../../dhcp/types.js';
import type { Counters } from '../../../dhcp-server/counters.js';
import { PacketLoop, type ServedState } from '../../../dhcp-server/packet-loop.js';
import { ReplyOutbox } from '../../../dhcp-server/reply-outbox.js';
import type { Decision, EngineConfig } from '../../../dhcp-server/types.js';
import { BATCH_SLOTS, type BatchedUdpEndpoint } from '../../../linux/udp-batch-socket.js';
import { forcedOptionsOf, rangesOf } from '../../dhcp-config/derive.js';
import { hostsForPort } from '../../dhcp-config/hosts.js';
import { type NetworkFacts, networkFacts } from '../../dhcp-config/network-facts.js';
import { multiAgentDnsLines, portOptionLines } from '../../dhcp-config/port-options.js';
import { subnetOptionLines } from '../../dhcp-config/subnet-options.js';
import type { AgentNetwork, AgentPort } from '../../model.js';
import type { NetworkStatus } from '../driver.js';
import type { PreparedNetwork } from '../prepare-network.js';
import { engineConfigOf } from './engine-input.js';
import { NetworkTables } from './network-tables.js';
import { dhcpPortIpv4Addresses } from './served-dns.js';

/** Port owners whose change can alter subnet-level options (isolation, multi-agent DNS). */
/**
 * One network served by the builtin driver: its tables, engine configuration and the socket in its
 * namespace. It keeps no copy of the model: the reconciler's NetworkState is the one network state (and the
 * one place that drops stale port revisions); a host change touches only that port's entries, a change of
 * subnet-level options is applied from the state's network, and a full {@link ServedNetwork.load} happens on
 * enable and on full deltas (network or subnet changes, our own DHCP port).
 */
export class ServedNetwork {
  private prepared: PreparedNetwork;
  private facts: NetworkFacts;
  private tables = new NetworkTables();
  private config: EngineConfig;
  /** The batched socket (recvmmsg/sendmmsg) and the outbox its replies wait in until the batch is done. */
  private socket: { readonly endpoint: BatchedUdpEndpoint; readonly outbox: ReplyOutbox } | undefined;
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
      // The socket is bound to the DHCP device (SO_BINDTODEVICE), so a limited broadcast leaves through
      // ns-… without a route and no per-address socket choice is needed (unlike `qdhcp serve`).
      (bytes, destination) => this.socket?.outbox.add(bytes, destination),
      { trace: traceExchange },
    );
    this.prepared = prepared;
    this.facts = networkFacts(prepared.network);
    this.config = this.buildConfig();
    // Facts and config are fresh: only the tables are left (a restore builds 1,000 of these in a row).
    this.loadTables();
  }

  /** Received, sent, dropped, port-event and error counts. */
  get counters(): Counters {
    return this.loop.counters;
  }

  private readonly onSendDropped = (count: number): void =>
    this.loop.counters.increment('errors.send', count);
  /** Replies to clients without an address broadcast because the kernel refused their neighbour entry. */
  private readonly onBroadcastInstead = (count: number): void =>
    this.loop.counters.increment('errors.neighbour', count);

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
    this.facts = networkFacts(prepared.network);
    this.config = this.buildConfig();
    this.loadTables();
  }

  private loadTables(): void {
    const prepared = this.prepared;
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
    this.applySubnetOptions(prepared.network, false);
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

  /**
   * Recomputes isolation and subnet-level options from the network as the state has it now: O(ports), and
   * only called when the delta says so (router interfaces and DHCP ports decide them).
   */
  refreshSubnetOptions(network: AgentNetwork): void {
    this.applySubnetOptions(network, true);
  }

  private applySubnetOptions(network: AgentNetwork, recomputeFacts: boolean): void {
    if (recomputeFacts) this.facts = networkFacts(network);
    this.tables.setSubnetOptions(
      subnetOptionLines(this.facts, this.prepared.context),
      multiAgentDnsLines(network.ports, this.facts),
    );
  }

  /** Applies one port create/update (spec §4.7): replaces that port's entries only. */
  upsertPort(port: AgentPort): void {
    this.tables.setPort(
      port.id,
      hostsForPort(port, this.facts, this.prepared.context),
      portOptionLines(port, this.facts),
    );
    this.counters.increment('ports.updated');
  }

  /** Applies one port delete (unknown ids are ignored). */
  deletePort(portId: string): void {
    this.tables.removePort(portId);
    this.counters.increment('ports.deleted');
  }

  /**
   * Attaches the batched socket bound in the namespace (closing a previous one): each recvmmsg batch goes
   * through the shared loop, and its replies leave together with one sendmmsg.
   */
  attach(endpoint: BatchedUdpEndpoint): void {
    this.detach();
    const outbox = new ReplyOutbox(endpoint, BATCH_SLOTS, this.onSendDropped, this.onBroadcastInstead);
    this.socket = { endpoint, outbox };
    endpoint.onBatch((count, batch) => {
      this.loop.handleBatch(count, batch);
      outbox.flush();
    });
    endpoint.onError(() => this.counters.increment('errors.socket'));
  }

  /** Closes the socket. Safe twice. */
  detach(): void {
    const socket = this.socket;
    this.socket = undefined;
    if (socket === undefined) return;
    socket.endpoint.close();
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
      ports: this.tables.portCount,
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
