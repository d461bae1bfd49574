import type { RemoteInfo, Socket } from 'node:dgram';
import { Counters, RateLimiter } from '../../../../dhcp-server/counters.js';
import { decodeMessage, encodeMessage } from '../../../../dhcpv6/index.js';
import { handleDhcpv6 } from '../../../../dhcpv6-server/engine.js';
import type { Dhcpv6Decision, Dhcpv6EngineConfig } from '../../../../dhcpv6-server/types.js';
import type { AgentPort } from '../../../model.js';
import type { PreparedNetwork } from '../../prepare-network.js';
import { dhcpv6SubnetsOf, PortDhcpv6Table } from './dhcpv6-tables.js';
import { macFromLinkLocal } from './link-local-mac.js';

/** DHCPv6 servers listen here (RFC 8415 §7.2); clients send to ff02::1:2, joined on the ns- device. */
export const DHCPV6_SERVER_PORT = 547;
export const ALL_DHCP_AGENTS = 'ff02::1:2';
/** Sources whose link-layer address is remembered: parsing the address text was a few per cent of the profile. */
const SOURCE_CACHE_SIZE = 4096;
/**
 * SO_RCVBUF of the socket (the kernel caps it at net.core.rmem_max), as `qdhcp serve` asks: with the default
 * (~200 KiB, a few hundred datagrams) a burst that arrives while the event loop is held or the process waits
 * for a CPU overflows it (bench/dhcpv6, 10,000 hosts at 1,500 exchanges/s offered: 314 datagrams dropped
 * (Udp6RcvbufErrors) while the server used about 30 % of a core).
 */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/** One line worth logging about a packet (a drop, or an answer that left extra options out). */
export interface Dhcpv6LogEvent {
  readonly event: 'dhcpv6.drop' | 'dhcpv6.ignored-options' | 'dhcpv6.undecodable';
  readonly source: string;
  readonly detail: string;
}

/**
 * DHCPv6 of one network served by the builtin driver (docs/dhcpv6.md "Wiring"): the pure engine
 * (src/dhcpv6-server/) over one UDP socket on [::]:547 in the DHCP namespace, a host table changed per port
 * like the IPv4 one, the client's MAC from its EUI-64 link-local source when it has one (else the engine
 * reads the DUID). Drops are counted per reason and logged at most once a minute per reason and source.
 */
export class ServedDhcpv6 {
  readonly counters = new Counters();
  private readonly hosts = new PortDhcpv6Table();
  private readonly logLimiter = new RateLimiter(60_000);
  /** Source address → the MAC in it (null: none), so that a client's later messages skip the parse. */
  private readonly sourceMacs = new Map<string, string | null>();
  private config: Dhcpv6EngineConfig;
  private socket: Socket | undefined;

  constructor(
    prepared: PreparedNetwork,
    private readonly log: (entry: Dhcpv6LogEvent) => void,
  ) {
    this.config = configOf(prepared);
    this.load(prepared);
  }

  /** Rebuilds subnets and hosts from the full model (enable, network or subnet change, our DHCP port). */
  load(prepared: PreparedNetwork): void {
    this.config = configOf(prepared);
    this.hosts.setSubnets(dhcpv6SubnetsOf(prepared.network, prepared.dhcpPort));
    for (const port of prepared.network.ports) this.hosts.setPort(port);
  }

  upsertPort(port: AgentPort): void {
    this.hosts.setPort(port);
  }

  deletePort(portId: string): void {
    this.hosts.removePort(portId);
  }

  get hostCount(): number {
    return this.hosts.hostCount;
  }

  get listening(): boolean {
    return this.socket !== undefined;
  }

  attach(socket: Socket): void {
    this.detach();
    this.socket = socket;
    try {
      socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
    } catch {
      this.counters.increment('errors.receive-buffer');
    }
    socket.on('message', (bytes: Buffer, from: RemoteInfo) => this.handlePacket(bytes, from.address));
    socket.on('error', () => this.counters.increment('errors.socket'));
  }

  detach(): void {
    const socket = this.socket;
    this.socket = undefined;
    try {
      socket?.close();
    } catch {
      // already closed
    }
  }

  /** The engine's decision for one datagram from `source` (pure apart from the counters). */
  decide(bytes: Uint8Array, source: string): Dhcpv6Decision | undefined {
    let message: ReturnType<typeof decodeMessage>;
    try {
      message = decodeMessage(bytes);
    } catch (error) {
      this.counters.increment('dropped.undecodable');
      this.logLimited({ event: 'dhcpv6.undecodable', source, detail: String(error) }, 'undecodable');
      return undefined;
    }
    const linkLayerAddress = this.macOfSource(source);
    const request = linkLayerAddress === undefined ? { message } : { message, linkLayerAddress };
    const decision = handleDhcpv6(request, this.config, this.hosts.lookup);
    this.counters.increment(`received.${decision.requestType ?? message.type}`);
    if (decision.kind === 'drop') {
      this.counters.increment(`dropped.${decision.reason}`);
      const detail = `${decision.requestType ?? message.type} mac ${decision.mac ?? '?'}: ${decision.detail}`;
      this.logLimited({ event: 'dhcpv6.drop', source, detail }, `${decision.reason} ${source}`);
    } else if (decision.ignored.length > 0) {
      this.logLimited(
        { event: 'dhcpv6.ignored-options', source, detail: decision.ignored.join('; ') },
        `ignored ${decision.host?.portId ?? source}`,
      );
    }
    return decision;
  }

  /** Answers one datagram. Never throws. */
  handlePacket(bytes: Uint8Array, from: string): void {
    // Node names a link-local source's scope by the *root* namespace's interface index, which means nothing
    // here; the socket is bound to the ns- device, so the kernel sends through it without a scope.
    const source = from.split('%')[0] ?? from;
    const decision = this.decide(bytes, source);
    if (decision?.kind !== 'reply') return;
    let reply: Uint8Array;
    try {
      reply = encodeMessage(decision.reply);
    } catch (error) {
      this.counters.increment('errors.encode');
      this.logLimited({ event: 'dhcpv6.drop', source, detail: String(error) }, 'encode');
      return;
    }
    const socket = this.socket;
    if (socket === undefined) return;
    socket.send(reply, decision.destinationPort, source, (error) => {
      this.counters.increment(error ? 'errors.send' : `sent.${decision.replyType}`);
    });
  }

  /** {@link macFromLinkLocal}, remembered for up to {@link SOURCE_CACHE_SIZE} sources (then forgotten at once). */
  private macOfSource(source: string): string | undefined {
    let mac = this.sourceMacs.get(source);
    if (mac === undefined) {
      if (this.sourceMacs.size >= SOURCE_CACHE_SIZE) this.sourceMacs.clear();
      mac = macFromLinkLocal(source) ?? null;
      this.sourceMacs.set(source, mac);
    }
    return mac ?? undefined;
  }

  private logLimited(entry: Dhcpv6LogEvent, key: string): void {
    if (this.logLimiter.allow(key, Date.now())) this.log(entry);
  }
}

function configOf(prepared: PreparedNetwork): Dhcpv6EngineConfig {
  const { settings } = prepared.context;
  return {
    serverMac: prepared.dhcpPort.mac_address.toLowerCase(),
    domain: settings.dnsDomain,
    leaseSeconds: settings.leaseSeconds,
    rapidCommit: false,
  };
}
