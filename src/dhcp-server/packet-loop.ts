import { formatIpv4, type Ipv4, readIpv4 } from '../common/ipv4.js';
import { DhcpDecodeError, decodeMessage, encodeMessage } from '../dhcp/index.js';
import type { DhcpMessage } from '../dhcp/types.js';
import { Counters, RateLimiter } from './counters.js';
import { handleRequest } from './engine.js';
import type { ReplyDestination } from './reply-destination.js';
import type { Decision, EngineConfig, ServerTables } from './types.js';

/**
 * The log calls the loop makes: the subset of a pino logger it needs, so this module stays free of the
 * logging library (and `dhcp-server/` keeps importing only `dhcp/`).
 */
export interface PacketLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  debug(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Sends one encoded reply from `sourceAddress` (the subnet's server identifier, 0 when none). */
export type SendReply = (bytes: Buffer, destination: ReplyDestination, sourceAddress: Ipv4) => void;

/**
 * A batch of received datagrams: the shape of `ReceivedBatch` in src/linux/udp-batch-socket.ts (one
 * recvmmsg), stated here so that this module stays pure. Sources are IPv4 numbers as the kernel stores
 * them (network byte order in memory).
 */
export interface DatagramBatch {
  datagram(index: number): Buffer;
  truncated(index: number): boolean;
  readonly addresses: Uint32Array;
}

/** Counter names by message type, made once: no string is built per packet. */
const TYPE_NAMES = [
  'DISCOVER',
  'OFFER',
  'REQUEST',
  'DECLINE',
  'ACK',
  'NAK',
  'RELEASE',
  'INFORM',
  'other',
] as const;
const RECEIVED_KEYS = new Map<string, string>(TYPE_NAMES.map((type) => [type, `received.${type}`]));
const SENT_KEYS = new Map<string, string>(TYPE_NAMES.map((type) => [type, `sent.${type}`]));
const keyOf = (keys: Map<string, string>, prefix: string, type: string): string =>
  keys.get(type) ?? `${prefix}${type}`;

// A source number of a batch as dotted text (only for log lines): its bytes in memory are network order.
const sourceScratch = new Uint32Array(1);
const sourceView = new DataView(sourceScratch.buffer);
function sourceText(source: string | number): string {
  if (typeof source === 'string') return source;
  sourceScratch[0] = source;
  return formatIpv4(sourceView.getUint32(0, false));
}

/** A decision that produced a reply (what the reply line and the send need). */
export type ReplyDecision = Extract<Decision, { kind: 'reply' }>;

/**
 * Writes the per-reply info line itself, the same line `logger.info` would write (serve:
 * src/serve/reply-log-line.ts, without pino's generic serializer). Called only when a line is due.
 */
export type ReplyLineWriter = (decision: ReplyDecision, interfaceName: string) => void;

/** What one served network answers from right now: read per packet, so a swap takes effect at once. */
export interface ServedState {
  readonly config: EngineConfig;
  readonly tables: ServerTables;
}

/** How the loop logs; every field optional (the builtin driver runs it without logs). */
export interface PacketLoopOptions {
  /** dnsmasq-style log lines (replies, drops, decode errors). None when undefined. */
  readonly logger?: PacketLog;
  /** Writes the per-reply line instead of `logger.info` (same line, cheaper); `logger.info` when undefined. */
  readonly replyLine?: ReplyLineWriter;
  /** `--quiet-dhcp`: no per-reply lines except NAKs. */
  readonly quietDhcp?: boolean;
  /** Receives the engine's `--log-dhcp` lines per exchange; tracing is off (no cost) when undefined. */
  readonly trace?: (xid: number, lines: readonly string[]) => void;
  /** Clock for the rate limits (tests inject one). */
  readonly now?: () => number;
}

/** Per-MAC drop log lines at most once a minute; decode errors once per source per 10 s. */
const DROP_LOG_INTERVAL_MS = 60_000;
const DECODE_ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * THE DHCP packet loop, shared by `qdhcp serve` and the agent's builtin driver: decode, ask the engine,
 * encode, send, count everything and log like dnsmasq (rate-limited). Today's I/O is one datagram in,
 * at most one out; the caller owns the sockets. Never throws: a packet that breaks anything is counted
 * and dropped, never the server.
 */
export class PacketLoop {
  readonly counters = new Counters();
  private readonly dropLog = new RateLimiter(DROP_LOG_INTERVAL_MS);
  private readonly decodeErrorLog = new RateLimiter(DECODE_ERROR_LOG_INTERVAL_MS);
  private readonly now: () => number;

  constructor(
    private readonly state: () => ServedState,
    private readonly send: SendReply,
    private readonly options: PacketLoopOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The engine's decision for one request from the current state (pure; tests and benchmarks call it). */
  decide(request: DhcpMessage): Decision {
    const { config, tables } = this.state();
    return handleRequest(request, config, tables, { trace: this.options.trace !== undefined });
  }

  /**
   * Handles the `count` datagrams of one received batch (their replies go to `send`; the caller flushes
   * them after this returns, see reply-outbox.ts). A datagram longer than the batch's slot was cut: it is
   * counted and dropped, as one no DHCP message can be that long would be.
   */
  handleBatch(count: number, batch: DatagramBatch): void {
    for (let i = 0; i < count; i++) {
      if (batch.truncated(i)) this.counters.increment('dropped.oversize');
      else this.handlePacket(batch.datagram(i), batch.addresses[i] ?? 0);
    }
  }

  /**
   * Handles one datagram received on port 67 from `sourceAddress` (for logs only: text, or a batch's
   * source number, which becomes text only when a line is logged).
   */
  handlePacket(bytes: Uint8Array, sourceAddress: string | number): void {
    let request: DhcpMessage;
    try {
      request = decodeMessage(bytes);
    } catch (error) {
      this.onDecodeError(error, bytes.length, sourceText(sourceAddress));
      return;
    }
    let decision: Decision;
    try {
      decision = this.decide(request);
    } catch (error) {
      // The engine is pure and tested never to throw; if it does, that one request is lost, not the server.
      this.counters.increment('errors.engine');
      this.options.logger?.error(
        { event: 'dhcp.engine_error', xid: request.transactionId },
        (error as Error).stack ?? String(error),
      );
      return;
    }
    this.counters.increment(keyOf(RECEIVED_KEYS, 'received.', decision.requestType ?? 'other'));
    if (decision.trace !== undefined) this.options.trace?.(request.transactionId, decision.trace);
    if (decision.kind === 'drop') {
      this.onDrop(decision);
      return;
    }
    let encoded: Buffer;
    try {
      encoded = encodeMessage(decision.reply, { maxMessageSize: decision.maxMessageSize });
    } catch (error) {
      this.counters.increment('errors.encode');
      this.options.logger?.warn({ event: 'dhcp.encode_error', mac: decision.mac }, (error as Error).message);
      return;
    }
    // Reply from the address the client knows us by (option 54), so unicast and broadcast leave the right link.
    const serverId = decision.reply.options.get(54);
    this.send(encoded, decision.destination, serverId?.length === 4 ? readIpv4(serverId) : 0);
    this.counters.increment(keyOf(SENT_KEYS, 'sent.', decision.replyType));
    this.logReply(decision);
  }

  private logReply(decision: ReplyDecision): void {
    const logger = this.options.logger;
    if (logger === undefined || (this.options.quietDhcp === true && decision.replyType !== 'NAK')) return;
    const { interfaceName } = this.state().config;
    if (this.options.replyLine !== undefined) {
      this.options.replyLine(decision, interfaceName);
      return;
    }
    const name = decision.host?.name === undefined ? '' : ` ${decision.host.name}`;
    logger.info(
      {
        event: 'dhcp.reply',
        mac: decision.mac,
        request: decision.requestType,
        to: decision.destination.kind,
      },
      `DHCP${decision.replyType}(${interfaceName}) ${formatIpv4(decision.address)} ${decision.mac}${name}`,
    );
  }

  private onDecodeError(error: unknown, length: number, source: string): void {
    this.counters.increment('dropped.decode-error');
    const logger = this.options.logger;
    if (logger === undefined || !this.decodeErrorLog.allow(source, this.now())) return;
    const reason = error instanceof DhcpDecodeError ? error.message : String(error);
    const suppressed = this.decodeErrorLog.takeSuppressed(source);
    logger.warn({ event: 'dhcp.decode_error', source, suppressed, bytes: length }, reason);
  }

  private onDrop(decision: Extract<Decision, { kind: 'drop' }>): void {
    this.counters.increment(`dropped.${decision.reason}`);
    const logger = this.options.logger;
    if (logger === undefined) return;
    const { interfaceName } = this.state().config;
    const line = `DHCP${decision.requestType ?? '?'}(${interfaceName}) ${decision.mac} ${decision.detail}`;
    switch (decision.reason) {
      case 'decline':
        logger.warn({ event: 'dhcp.decline', mac: decision.mac }, line);
        return;
      case 'release':
        if (this.options.quietDhcp !== true) logger.info({ event: 'dhcp.release', mac: decision.mac }, line);
        return;
      case 'not-for-us':
        logger.debug({ event: 'dhcp.not_for_us', mac: decision.mac }, line);
        return;
      default: {
        const key = `${decision.reason}|${decision.mac}`;
        if (!this.dropLog.allow(key, this.now())) return;
        const suppressed = this.dropLog.takeSuppressed(key);
        logger.info({ event: `dhcp.drop.${decision.reason}`, mac: decision.mac, suppressed }, line);
      }
    }
  }
}
