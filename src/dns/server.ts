import type dgram from 'node:dgram';
import type net from 'node:net';
import type { Logger } from '../common/logger.js';
import { DnsDecodeError, decodeMessage } from './codec.js';
import { DnsCounters } from './counters.js';
import type { Forwarder } from './forwarder.js';
import { type DnsMessage, Rcode, rcodeName } from './message.js';
import {
  buildResponse,
  decide,
  type EncodedResponse,
  encodeWithinLimit,
  type ResponderPolicy,
  udpResponseLimit,
} from './responder.js';
import { frameMessage, TcpMessageSplitter } from './tcp-framing.js';
import type { Zone } from './zone.js';

/**
 * The DNS server of one network: decodes queries from the sockets it is given, asks the pure
 * {@link decide} what to do, answers from the {@link Zone} or through the {@link Forwarder}, and writes
 * the response back on the socket the query came in on.
 *
 * Scope: it answers only what arrives on its own sockets. The agent opens those inside the network's
 * `qdhcp-<net>` namespace on the DHCP port's addresses, so only that network's instances can reach it,
 * and a name is resolved against that network's zone only. That is what keeps it from being an open
 * resolver, and it is why no source-address ACL is needed here.
 *
 * @module
 */

/** Bounds on the server's work. */
export interface DnsServerLimits {
  /** Concurrent TCP connections at most (default 64); beyond that new ones are closed at once. */
  readonly maxTcpConnections?: number;
  /** A TCP connection idle this long is closed, ms (default 10 s; RFC 7766 §6.2.3 suggests seconds). */
  readonly tcpIdleTimeoutMs?: number;
  /** Queries of one TCP connection being answered at once at most (default 16); more → connection closed. */
  readonly maxTcpPipelined?: number;
}

/** What {@link createDnsServer} needs. */
export interface DnsServerOptions {
  readonly zone: Zone;
  /** Upstream forwarding; without one, names that are not the zone's are answered REFUSED. */
  readonly forwarder?: Forwarder | undefined;
  readonly logger: Logger;
  readonly counters?: DnsCounters;
  readonly limits?: DnsServerLimits;
}

/** Which transport a query came over: it decides the size limit of the answer. */
export type DnsTransport = 'udp' | 'tcp';

/**
 * The datagrams of one received batch, valid only during the {@link BatchedDatagramEndpoint.onBatch}
 * call (src/linux/udp-batch-socket.ts `ReceivedBatch`).
 */
export interface DatagramBatch {
  /** Datagram `index` (a borrowed view). */
  datagram(index: number): Buffer;
  /** True when datagram `index` was longer than the receive slot and is incomplete. */
  truncated(index: number): boolean;
  /** Source addresses and ports, as {@link BatchedDatagramEndpoint.send} takes them. */
  readonly addresses: Uint32Array;
  readonly ports: Uint16Array;
}

/**
 * A UDP endpoint that delivers datagrams in batches and sends replies in batches
 * (src/linux/udp-batch-socket.ts `BatchedUdpEndpoint`: recvmmsg/sendmmsg in the netns addon).
 */
export interface BatchedDatagramEndpoint {
  onBatch(handler: (count: number, batch: DatagramBatch) => void): void;
  onError(handler: (error: Error) => void): void;
  sendBatch(count: number, replies: readonly Buffer[], addresses: Uint32Array, ports: Uint16Array): number;
  send(reply: Buffer, address: number, port: number): boolean;
  close(): void;
  readonly closed: boolean;
}

/** A running per-network DNS server. */
export interface DnsServer {
  readonly counters: DnsCounters;
  /**
   * Serves queries arriving on a bound UDP socket. The server takes ownership: {@link DnsServer.close}
   * closes it.
   */
  attachUdp(socket: dgram.Socket): void;
  /**
   * Serves queries arriving in batches (ownership as for UDP). The local answers of a batch are computed at
   * once and leave with one `sendBatch`; a forwarded question is answered alone when its upstream answer
   * comes. Counters, size limits and truncation are those of {@link DnsServer.attachUdp}.
   */
  attachBatchedUdp(endpoint: BatchedDatagramEndpoint): void;
  /** Serves connections accepted by a listening TCP server (ownership as for UDP). */
  attachTcp(server: net.Server): void;
  /**
   * Handles one query message and returns the response bytes, or undefined when it is dropped. This is
   * what the sockets call; tests and fuzzers call it directly.
   */
  handleMessage(bytes: Uint8Array, transport: DnsTransport): Promise<Buffer | undefined>;
  /** Stops serving: closes attached sockets, servers and open connections. Safe to call twice. */
  close(): Promise<void>;
}

const TCP_LIMIT = 0xffff;
/** Datagrams of one batch at most (the addon's batch size, src/linux/udp-batch-socket.ts BATCH_SLOTS). */
const BATCHED_UDP_MAX = 64;

/**
 * Creates the DNS server of one network. Constructing it does no I/O; serving starts when sockets are
 * attached.
 *
 * @example
 * const server = createDnsServer({ zone, forwarder, logger: logger.child({ networkId }) });
 * server.attachUdp(udpSocketBoundInNamespace);
 * server.attachTcp(tcpServerListeningInNamespace);
 */
export function createDnsServer(options: DnsServerOptions): DnsServer {
  const { zone, forwarder, logger } = options;
  const counters = options.counters ?? new DnsCounters();
  const maxTcpConnections = options.limits?.maxTcpConnections ?? 64;
  const tcpIdleTimeoutMs = options.limits?.tcpIdleTimeoutMs ?? 10_000;
  const maxTcpPipelined = options.limits?.maxTcpPipelined ?? 16;
  const policy: ResponderPolicy = { forwarding: forwarder !== undefined };
  const udpSockets: dgram.Socket[] = [];
  const batchedEndpoints: BatchedDatagramEndpoint[] = [];
  const tcpServers: net.Server[] = [];
  const connections = new Set<net.Socket>();
  let closed = false;

  const finish = (
    query: DnsMessage,
    bytes: Uint8Array,
    response: DnsMessage,
    transport: DnsTransport,
  ): Buffer | undefined => {
    if (closed) return undefined;
    const limit = transport === 'udp' ? udpResponseLimit(query) : TCP_LIMIT;
    let encoded: EncodedResponse;
    let rcode = response.rcode;
    try {
      encoded = encodeWithinLimit(response, limit, bytes);
    } catch (error) {
      // Only records from upstream can be unencodable (data dns-packet decoded but cannot write back):
      // the client gets SERVFAIL instead of silence.
      logger.warn({ event: 'dns.response.unencodable', err: error }, 'answer could not be encoded');
      rcode = Rcode.SERVFAIL;
      encoded = encodeWithinLimit(buildResponse(query, policy, { rcode }), limit, bytes);
    }
    if (encoded.truncated) counters.truncated++;
    counters.countResponse(rcodeName(rcode));
    return encoded.bytes;
  };

  /**
   * Handles one message. Local answers are computed synchronously (no promise per packet on the hot
   * path); only forwarded questions return a promise. `borrowed` bytes are valid only until this returns
   * (a batch's receive arena): a forwarded question then works on its own copy.
   */
  const processMessage = (
    bytes: Uint8Array,
    transport: DnsTransport,
    borrowed = false,
  ): Buffer | undefined | Promise<Buffer | undefined> => {
    let query: DnsMessage;
    try {
      query = decodeMessage(bytes);
    } catch (error) {
      if (!(error instanceof DnsDecodeError)) throw error;
      counters.malformedDropped++;
      logger.debug(
        { event: 'dns.query.malformed', reason: error.reason, length: bytes.length },
        'malformed query dropped',
      );
      return undefined;
    }
    const decision = decide(query, zone, policy);
    if (decision.kind === 'drop') {
      counters.notQueryDropped++;
      return undefined;
    }
    counters.countQuery(
      decision.kind === 'forward' ? decision.question.type : (query.questions[0]?.type ?? 'NONE'),
    );
    if (decision.kind === 'answer') return finish(query, bytes, decision.response, transport);
    if (forwarder === undefined) return undefined; // unreachable: decide() forwards only with a forwarder
    // The decoded query may share memory with borrowed bytes (dns-packet slices), so both are made anew.
    const owned = borrowed ? Buffer.from(bytes) : bytes;
    const ownQuery = borrowed ? decodeMessage(owned) : query;
    return forwarder.resolve(decision.question, ownQuery.flags.checkingDisabled).then((answer) =>
      // AD is cleared: we do not validate, so we cannot vouch for the upstream's claim (RFC 6840 §5.8),
      // which is also what dnsmasq does without --proxy-dnssec.
      finish(
        ownQuery,
        owned,
        buildResponse(ownQuery, policy, { ...answer, authenticData: false }),
        transport,
      ),
    );
  };

  const handleMessage = async (bytes: Uint8Array, transport: DnsTransport): Promise<Buffer | undefined> =>
    processMessage(bytes, transport);

  const logFailure = (error: unknown): undefined => {
    logger.error({ event: 'dns.query.failed', err: error }, 'query handling failed');
    return undefined;
  };

  /** Calls `done` with the response or undefined (at once when local); never lets a failure escape. */
  const dispatch = (
    bytes: Uint8Array,
    transport: DnsTransport,
    done: (response: Buffer | undefined) => void,
  ): void => {
    let result: Buffer | undefined | Promise<Buffer | undefined>;
    try {
      result = processMessage(bytes, transport);
    } catch (error) {
      done(logFailure(error));
      return;
    }
    if (result instanceof Promise) result.then(done, (error: unknown) => done(logFailure(error)));
    else done(result);
  };

  const attachUdp = (socket: dgram.Socket): void => {
    udpSockets.push(socket);
    socket.on('message', (bytes, rinfo) => {
      dispatch(bytes, 'udp', (response) => {
        // No send callback: Node would defer it by a process.nextTick per datagram. A failed send (full
        // socket buffer) loses the answer, as it would for dnsmasq, and the client retries.
        if (response !== undefined && !closed) socket.send(response, rinfo.port, rinfo.address);
      });
    });
    socket.on('error', (error) =>
      logger.warn({ event: 'dns.udp.socket_error', err: error }, 'UDP socket error'),
    );
  };

  const attachBatchedUdp = (endpoint: BatchedDatagramEndpoint): void => {
    batchedEndpoints.push(endpoint);
    // Reused for every batch: the replies answered at once, and where they go.
    const replies: Buffer[] = [];
    const addresses = new Uint32Array(BATCHED_UDP_MAX);
    const ports = new Uint16Array(BATCHED_UDP_MAX);
    const sendLater = (response: Buffer | undefined, address: number, port: number): void => {
      if (response === undefined || closed || endpoint.closed) return;
      try {
        endpoint.send(response, address, port);
      } catch (error) {
        logFailure(error);
      }
    };
    endpoint.onBatch((count, batch) => {
      let ready = 0;
      for (let i = 0; i < count && ready < BATCHED_UDP_MAX; i++) {
        if (batch.truncated(i)) {
          // Larger than any query we answer; as a whole it was never received.
          counters.malformedDropped++;
          continue;
        }
        const address = batch.addresses[i] ?? 0;
        const port = batch.ports[i] ?? 0;
        let result: Buffer | undefined | Promise<Buffer | undefined>;
        try {
          result = processMessage(batch.datagram(i), 'udp', true);
        } catch (error) {
          logFailure(error);
          continue;
        }
        if (result instanceof Promise) {
          result.then(
            (response) => sendLater(response, address, port),
            (error: unknown) => logFailure(error),
          );
        } else if (result !== undefined) {
          replies[ready] = result;
          addresses[ready] = address;
          ports[ready] = port;
          ready++;
        }
      }
      if (ready > 0 && !closed && !endpoint.closed) {
        // A full socket buffer loses the rest of the batch, as it would for dnsmasq; clients retry.
        try {
          endpoint.sendBatch(ready, replies, addresses, ports);
        } catch (error) {
          logFailure(error);
        }
      }
      replies.length = 0;
    });
    endpoint.onError((error) =>
      logger.warn({ event: 'dns.udp.socket_error', err: error }, 'UDP socket error'),
    );
  };

  const serveConnection = (socket: net.Socket): void => {
    if (closed || connections.size >= maxTcpConnections) {
      counters.tcpConnectionsRejected++;
      socket.destroy();
      return;
    }
    counters.tcpConnections++;
    connections.add(socket);
    const splitter = new TcpMessageSplitter();
    let outstanding = 0;
    socket.setTimeout(tcpIdleTimeoutMs, () => socket.destroy());
    socket.on('close', () => connections.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      for (const message of splitter.push(chunk)) {
        if (++outstanding > maxTcpPipelined) {
          socket.destroy();
          return;
        }
        dispatch(message, 'tcp', (response) => {
          outstanding--;
          // A message we do not answer (malformed) leaves the connection open for the others; RFC 7766
          // §6.2.4 would let us close it, but the drop is already counted.
          if (response !== undefined && !socket.destroyed && socket.writable)
            socket.write(frameMessage(response));
        });
      }
    });
  };

  const attachTcp = (server: net.Server): void => {
    tcpServers.push(server);
    server.on('connection', serveConnection);
    server.on('error', (error) =>
      logger.warn({ event: 'dns.tcp.server_error', err: error }, 'TCP server error'),
    );
  };

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const socket of connections) socket.destroy();
    connections.clear();
    for (const endpoint of batchedEndpoints) endpoint.close();
    for (const socket of udpSockets) {
      try {
        socket.close();
      } catch {
        // already closed by its owner
      }
    }
    await Promise.all(
      tcpServers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
  };

  return { counters, attachUdp, attachBatchedUdp, attachTcp, handleMessage, close };
}
