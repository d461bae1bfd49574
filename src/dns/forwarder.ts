import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { QdhcpError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { cacheKey, type DnsCache, type ResolvedAnswer } from './cache.js';
import { DnsDecodeError, decodeMessage, encodeMessage } from './codec.js';
import type { DnsCounters } from './counters.js';
import { type DnsMessage, type DnsQuestion, NO_FLAGS, OUR_UDP_PAYLOAD_SIZE, Rcode } from './message.js';
import { addressKey, nameKey } from './names.js';
import { frameMessage, readTcpMessages } from './tcp-framing.js';

/**
 * Forwarding of names that are not the network's own to the configured upstream resolvers
 * (`--dns-servers`, Neutron's `dnsmasq_dns_servers`), with a shared answer cache.
 *
 * Each upstream query gets a fresh random id (RFC 5452 §9.2) from a bounded in-flight table, goes out
 * from an OS-chosen random port, and is accepted only from the upstream's address and port, with the
 * same question (RFC 5452 §4.1). An upstream that does not answer within the timeout, or answers
 * SERVFAIL/REFUSED/NOTIMP/FORMERR, is skipped for the next one; a truncated answer is asked again over
 * TCP (RFC 7766 §5); when every upstream fails the client gets SERVFAIL. Identical questions in flight
 * share one upstream query. {@link Forwarder.resolve} never rejects.
 *
 * Sockets come from an injectable {@link ForwarderTransport}, so an agent serving many namespaces can
 * hand in sockets created inside the right namespace; the default uses the current one.
 *
 * @module
 */

/** One upstream resolver. */
export interface Upstream {
  readonly address: string;
  readonly port: number;
}

/**
 * Parses an upstream as written on the command line: `192.0.2.53`, `2001:db8::53`, or with a port in
 * dnsmasq's `--server` syntax, `192.0.2.53#5353`.
 */
export function parseUpstream(text: string): Upstream {
  const [address = '', portText] = text.trim().split('#');
  if (net.isIP(address) === 0)
    throw new QdhcpError('DNS_CONFIG_INVALID', { reason: `not an IP address: ${JSON.stringify(text)}` });
  const port = portText === undefined ? 53 : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new QdhcpError('DNS_CONFIG_INVALID', { reason: `bad port in ${JSON.stringify(text)}` });
  return { address, port };
}

/** Where upstream sockets come from. */
export interface ForwarderTransport {
  /**
   * A UDP socket of the family, bound (or binding: dgram queues sends until it is) to an ephemeral port.
   * The transport binds it, because a socket made in another namespace arrives as a file descriptor.
   */
  createUdpSocket(type: 'udp4' | 'udp6'): dgram.Socket;
  /** A TCP connection to `upstream` (connecting). */
  connectTcp(upstream: Upstream): net.Socket;
}

/** The default transport: sockets in the current network namespace. */
export const defaultTransport: ForwarderTransport = {
  createUdpSocket: (type) => dgram.createSocket({ type }).bind(0),
  connectTcp: (upstream) => net.connect({ host: upstream.address, port: upstream.port }),
};

/** Forwarder settings. */
export interface ForwarderOptions {
  readonly upstreams: readonly Upstream[];
  readonly cache: DnsCache;
  readonly counters: DnsCounters;
  readonly logger: Logger;
  /** Per-attempt timeout, ms (default 1500; each upstream is tried once, in order). */
  readonly timeoutMs?: number;
  /** Upstream queries in flight at most (default 512); beyond that clients get SERVFAIL at once. */
  readonly maxInFlight?: number;
  readonly transport?: ForwarderTransport;
  /** Clock, ms (default `Date.now`): for the cache's TTL arithmetic. */
  readonly now?: () => number;
}

type Attempt = DnsMessage | 'timeout' | 'error' | 'rejected';

interface PendingQuery {
  readonly upstream: Upstream;
  readonly question: DnsQuestion;
  readonly finish: (result: Attempt) => void;
}

const SERVFAIL: ResolvedAnswer = {
  rcode: Rcode.SERVFAIL,
  authenticData: false,
  answers: [],
  authorities: [],
  additionals: [],
};
const RETRY_NEXT: ReadonlySet<number> = new Set([Rcode.SERVFAIL, Rcode.REFUSED, Rcode.NOTIMP, Rcode.FORMERR]);
const WARN_INTERVAL_MS = 10_000;

function sameQuestion(a: DnsQuestion, b: DnsQuestion): boolean {
  return nameKey(a.name) === nameKey(b.name) && a.type === b.type && a.class === b.class;
}

function toAnswer(message: DnsMessage): ResolvedAnswer {
  return {
    rcode: message.rcode,
    authenticData: message.flags.authenticData,
    answers: message.answers,
    authorities: message.authorities,
    additionals: message.additionals,
  };
}

/** A network's forwarder: upstreams, in-flight table, sockets and cache. */
export class Forwarder {
  private readonly upstreams: readonly Upstream[];
  private readonly timeoutMs: number;
  private readonly maxInFlight: number;
  private readonly transport: ForwarderTransport;
  private readonly now: () => number;
  private readonly inFlight = new Map<number, PendingQuery>();
  private readonly coalesced = new Map<string, Promise<ResolvedAnswer>>();
  private readonly sockets = new Map<'udp4' | 'udp6', dgram.Socket>();
  private closed = false;
  private lastWarnMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: ForwarderOptions) {
    if (options.upstreams.length === 0)
      throw new QdhcpError('DNS_CONFIG_INVALID', { reason: 'a forwarder needs at least one upstream' });
    this.upstreams = options.upstreams.map((u) => parseUpstream(`${u.address}#${u.port}`));
    this.timeoutMs = options.timeoutMs ?? 1500;
    this.maxInFlight = options.maxInFlight ?? 512;
    this.transport = options.transport ?? defaultTransport;
    this.now = options.now ?? Date.now;
  }

  /** Resolves `question` from the cache or upstream. Never rejects: failures become SERVFAIL. */
  async resolve(question: DnsQuestion, checkingDisabled = false): Promise<ResolvedAnswer> {
    if (this.closed) return SERVFAIL;
    const { counters, cache } = this.options;
    // CD asks for unvalidated data: neither served from nor stored in the shared cache.
    if (checkingDisabled) return this.resolveUpstream(question, true);
    const key = cacheKey(question);
    const cached = cache.get(key, this.now());
    if (cached !== undefined) {
      counters.cacheHits++;
      return cached;
    }
    counters.cacheMisses++;
    const pending = this.coalesced.get(key);
    if (pending !== undefined) return pending;
    const resolution = this.resolveUpstream(question, false)
      .then((answer) => {
        if (!this.closed) cache.put(key, answer, this.now());
        return answer;
      })
      .finally(() => this.coalesced.delete(key));
    this.coalesced.set(key, resolution);
    return resolution;
  }

  /** Stops: pending queries finish as SERVFAIL, sockets close. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const pending of [...this.inFlight.values()]) pending.finish('error');
    for (const socket of this.sockets.values()) socket.close();
    this.sockets.clear();
  }

  private warn(event: string, fields: Record<string, unknown>): void {
    const now = Date.now();
    if (now - this.lastWarnMs < WARN_INTERVAL_MS) {
      this.options.logger.debug({ event, ...fields }, 'upstream problem');
      return;
    }
    this.lastWarnMs = now;
    this.options.logger.warn({ event, ...fields }, 'upstream problem (further ones for 10 s at debug level)');
  }

  private async resolveUpstream(question: DnsQuestion, checkingDisabled: boolean): Promise<ResolvedAnswer> {
    const { counters } = this.options;
    for (const upstream of this.upstreams) {
      if (this.closed) return SERVFAIL;
      counters.forwarded++;
      let result = await this.queryUdp(upstream, question, checkingDisabled);
      if (result === 'rejected') {
        counters.forwardRejected++;
        this.warn('dns.forward.table_full', { inFlight: this.inFlight.size });
        return SERVFAIL;
      }
      if (result !== 'timeout' && result !== 'error' && result.flags.truncated) {
        counters.upstreamTcpRetries++;
        result = await this.queryTcp(upstream, question, checkingDisabled);
      }
      if (result === 'timeout') {
        counters.upstreamTimeouts++;
        this.warn('dns.forward.timeout', {
          upstream: `${upstream.address}#${upstream.port}`,
          name: question.name,
        });
        continue;
      }
      if (result === 'error' || result === 'rejected' || RETRY_NEXT.has(result.rcode)) {
        counters.upstreamErrors++;
        this.warn('dns.forward.upstream_error', {
          upstream: `${upstream.address}#${upstream.port}`,
          name: question.name,
        });
        continue;
      }
      return toAnswer(result);
    }
    return SERVFAIL;
  }

  private queryMessage(id: number, question: DnsQuestion, checkingDisabled: boolean): Buffer {
    return encodeMessage({
      id,
      isResponse: false,
      opcode: 0,
      flags: { ...NO_FLAGS, recursionDesired: true, checkingDisabled },
      rcode: Rcode.NOERROR,
      questions: [question],
      answers: [],
      authorities: [],
      additionals: [],
      edns: { udpPayloadSize: OUR_UDP_PAYLOAD_SIZE, version: 0, dnssecOk: false },
    });
  }

  private socketFor(type: 'udp4' | 'udp6'): dgram.Socket {
    const existing = this.sockets.get(type);
    if (existing !== undefined) return existing;
    const socket = this.transport.createUdpSocket(type);
    socket.on('message', (bytes, rinfo) => this.onUpstreamMessage(bytes, rinfo));
    socket.on('error', (error) => this.warn('dns.forward.socket_error', { error: error.message }));
    this.sockets.set(type, socket);
    return socket;
  }

  private onUpstreamMessage(bytes: Buffer, rinfo: dgram.RemoteInfo): void {
    let message: DnsMessage;
    try {
      message = decodeMessage(bytes);
    } catch (error) {
      if (!(error instanceof DnsDecodeError)) throw error;
      this.options.counters.upstreamErrors++;
      return;
    }
    const pending = this.inFlight.get(message.id);
    const question = message.questions[0];
    const fromUpstream =
      pending !== undefined &&
      addressKey(rinfo.address) === addressKey(pending.upstream.address) &&
      rinfo.port === pending.upstream.port;
    // Anything else is late, spoofed or misdirected: ignore it and keep waiting for the real answer.
    if (
      !fromUpstream ||
      !message.isResponse ||
      question === undefined ||
      !sameQuestion(question, pending.question)
    ) {
      this.options.counters.upstreamErrors++;
      return;
    }
    pending.finish(message);
  }

  private freeId(): number | undefined {
    for (let tries = 0; tries < 16; tries++) {
      const id = randomInt(0x10000);
      if (!this.inFlight.has(id)) return id;
    }
    return undefined;
  }

  private queryUdp(upstream: Upstream, question: DnsQuestion, checkingDisabled: boolean): Promise<Attempt> {
    if (this.inFlight.size >= this.maxInFlight) return Promise.resolve('rejected');
    const id = this.freeId();
    if (id === undefined) return Promise.resolve('rejected');
    const type = net.isIPv6(upstream.address) ? 'udp6' : 'udp4';
    return new Promise<Attempt>((resolve) => {
      const timer = setTimeout(() => finish('timeout'), this.timeoutMs);
      const finish = (result: Attempt): void => {
        if (this.inFlight.get(id)?.finish !== finish) return;
        clearTimeout(timer);
        this.inFlight.delete(id);
        resolve(result);
      };
      this.inFlight.set(id, { upstream, question, finish });
      try {
        this.socketFor(type).send(
          this.queryMessage(id, question, checkingDisabled),
          upstream.port,
          upstream.address,
          (error) => {
            if (error) finish('error');
          },
        );
      } catch {
        finish('error');
      }
    });
  }

  private queryTcp(upstream: Upstream, question: DnsQuestion, checkingDisabled: boolean): Promise<Attempt> {
    const id = randomInt(0x10000);
    const query = this.queryMessage(id, question, checkingDisabled);
    let socket: net.Socket;
    try {
      socket = this.transport.connectTcp(upstream);
    } catch {
      // e.g. the namespace is gone: this upstream fails, the next one is tried.
      return Promise.resolve('error');
    }
    return new Promise<Attempt>((resolve) => {
      let done = false;
      const finish = (result: Attempt): void => {
        if (done) return;
        done = true;
        socket.destroy();
        resolve(result);
      };
      socket.setTimeout(this.timeoutMs, () => finish('timeout'));
      socket.on('error', () => finish('error'));
      socket.on('close', () => finish('error'));
      socket.on('connect', () => socket.write(frameMessage(query)));
      readTcpMessages(socket, (bytes) => {
        try {
          const message = decodeMessage(bytes);
          const answered = message.questions[0];
          const matches =
            message.isResponse &&
            message.id === id &&
            answered !== undefined &&
            sameQuestion(answered, question);
          finish(matches ? message : 'error');
        } catch {
          finish('error');
        }
      });
    });
  }
}
