import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type net from 'node:net';
import { isQdhcpError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { RawTcpListener } from '../../linux/tcp-accept-socket.js';
import type { MetadataBackend, ProxyAnswer } from './backends.js';
import { type CallerScope, networkScope } from './caller-scope.js';
import { ConnectionSlots, type LimitReason, type SlotLimits } from './connection-slots.js';
import { FastPath } from './fast-path.js';
import { type ListenerFactory, listenInNamespace, listenIpv6InNamespace } from './listeners.js';
import { type Channel, type ProxyConnection, unmapped } from './proxy-channel.js';
import { RawConnections } from './raw-connections.js';
import { readRequestBody } from './request-body.js';

/** Limits of one request (Neutron's haproxy: 30 s timeouts, maxconn 1024) and fair shares (connection-slots.ts). */
export interface ProxyLimits extends SlotLimits {
  readonly maxHeaderBytes: number;
  readonly maxBodyBytes: number;
  /** Whole request (headers + body) must arrive within this. */
  readonly requestTimeoutMs: number;
  /** An idle connection (keep-alive or a stalled client) is closed after this. */
  readonly idleTimeoutMs: number;
}

/** How long `stop` waits for the first bytes of a connection it had accepted before it drops it. */
const FIRST_BYTES_GRACE_MS = 500;

export const DEFAULT_PROXY_LIMITS: ProxyLimits = Object.freeze({
  maxHeaderBytes: 8192,
  maxBodyBytes: 65_536,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  connectionsPerSource: 64,
  connectionsPerNetwork: 1024,
  requestsPerSource: 16,
});

interface Listener extends Channel {
  /** Namespace and IPv6 device: a listener is reused only where both are the same. */
  readonly where: string;
  readonly servers: readonly (net.Server | RawTcpListener)[];
}

export interface MetadataProxyOptions {
  readonly backend: MetadataBackend;
  readonly logger: Logger;
  readonly limits?: Partial<ProxyLimits>;
  readonly listen?: ListenerFactory;
  /**
   * Answer a complete bodyless GET/HEAD in a connection's first bytes without `node:http` (default true;
   * false: everything through `node:http`, as before issue 17 item 2 — the benchmarks compare both).
   */
  readonly fastPath?: boolean;
}

export type { ListenerFactory } from './listeners.js';

/**
 * The metadata proxy of every network this agent serves, inside the agent process: one listening socket
 * per DHCP namespace, all feeding one `node:http` server. The network of a request is the namespace its
 * socket was accepted in and the caller is the TCP peer address; what the client writes in headers never
 * identifies anyone. Counters per network: `metadata.<status>` (431 and 408 included),
 * `metadata.bad_request` (malformed HTTP) and `metadata_limited.<reason>` (a fair-share cap acted).
 */
export class MetadataProxy {
  private readonly http: Server;
  private readonly limits: ProxyLimits;
  private readonly listen: ListenerFactory;
  private readonly listeners = new Map<string, Listener>();
  private readonly channelOf = new WeakMap<net.Socket, Channel>();
  /** Connections of listeners the addon serves (the namespaces' and routers' listeners). */
  private readonly raw: RawConnections;
  /** Per network: opening or closing in progress, so enable/disable of one network never overlap. */
  private readonly pending = new Map<string, Promise<void>>();
  /** Complete bodyless GET/HEADs answered without node:http (fast-path.ts); undefined when off. */
  private readonly fastPath: FastPath | undefined;

  constructor(private readonly options: MetadataProxyOptions) {
    this.limits = { ...DEFAULT_PROXY_LIMITS, ...options.limits };
    this.listen = options.listen ?? listenInNamespace;
    const firstBytesTimeoutMs = Math.min(this.limits.requestTimeoutMs, 10_000);
    this.fastPath =
      (options.fastPath ?? true)
        ? new FastPath({
            backend: options.backend,
            logger: options.logger,
            maxHeaderBytes: this.limits.maxHeaderBytes,
            firstBytesTimeoutMs,
            count: (key, what) => this.count(key, what),
            handOff: (socket, chunk) => {
              // node:http reads the rest from the socket itself; the first bytes are handed to its parser
              // through the 'data' listener it has just added.
              this.http.emit('connection', socket);
              socket.emit('data', chunk);
            },
          })
        : undefined;
    this.raw = new RawConnections({
      fastPath: this.fastPath,
      methods: options.backend.methods,
      maxHeaderBytes: this.limits.maxHeaderBytes,
      firstBytesTimeoutMs,
      count: (key, what) => this.count(key, what),
      handOff: (channel, socket, firstBytes) => {
        if (!this.register(channel, socket)) return;
        this.http.emit('connection', socket);
        if (firstBytes !== undefined) socket.emit('data', firstBytes);
      },
    });
    this.http = createServer(
      {
        maxHeaderSize: this.limits.maxHeaderBytes,
        requestTimeout: this.limits.requestTimeoutMs,
        headersTimeout: Math.min(this.limits.requestTimeoutMs, 10_000),
        keepAliveTimeout: 5_000,
        connectionsCheckingInterval: Math.min(1000, this.limits.requestTimeoutMs),
      },
      (request, response) => void this.serve(request, response),
    );
    this.http.timeout = this.limits.idleTimeoutMs;
    // Sockets reach the server by 'connection' events, never by listen(): Node starts the sweep that
    // enforces requestTimeout/headersTimeout on 'listening', so a slow client would otherwise be held forever.
    this.http.emit('listening');
    this.http.on('clientError', (error: NodeJS.ErrnoException, socket: net.Socket) => {
      const { status, counter } = clientErrorAnswer(error.code);
      const key = this.channelOf.get(socket)?.key;
      if (key !== undefined) this.count(key, counter);
      this.options.logger.debug(
        { event: 'metadata.bad_request', key, code: error.code },
        'malformed or too slow metadata request',
      );
      if (socket.writable && !socket.writableEnded) {
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      }
      socket.destroy();
    });
  }

  /**
   * Listens for `networkId` in its DHCP namespace `namespace`, and on fe80::a9fe:a9fe behind `ipv6Device`
   * when given; nothing when it already does there.
   */
  open(networkId: string, namespace: string, ipv6Device?: string): Promise<void> {
    const listen =
      ipv6Device === undefined ? [this.listen] : [this.listen, listenIpv6InNamespace(ipv6Device)];
    return this.openListener(networkId, namespace, networkScope(networkId), listen, ipv6Device);
  }

  /**
   * Listens under `key` in `namespace` through each of `listen` (one channel: the same slots and counters
   * for IPv4 and IPv6), its callers looked up in `scope` (a router's listener, router-metadata.ts); nothing
   * when `key` already listens there (the scope is then replaced).
   */
  openListener(
    key: string,
    namespace: string,
    scope: CallerScope,
    listen: ListenerFactory | readonly ListenerFactory[],
    ipv6Device?: string,
  ): Promise<void> {
    const where = `${namespace}%${ipv6Device ?? ''}`;
    const factories: readonly ListenerFactory[] = typeof listen === 'function' ? [listen] : listen;
    return this.serial(key, async () => {
      const existing = this.listeners.get(key);
      if (existing?.where === where) {
        existing.scope = scope;
        return;
      }
      if (existing !== undefined) await this.shut(key, existing);
      const counters = new Map<string, number>();
      const slots = new ConnectionSlots<ProxyConnection>(this.limits, (reason: LimitReason) =>
        increment(counters, `metadata_limited.${reason}`),
      );
      const channel: Channel = { key, scope, sockets: new Set(), slots, counters };
      // No server.maxConnections: Node would refuse the connection before the slots can free an idle one.
      const servers: (net.Server | RawTcpListener)[] = [];
      try {
        for (const factory of factories) {
          const server = await factory(namespace, (socket) => this.accept(channel, socket));
          servers.push(server);
          if (server instanceof RawTcpListener) this.raw.attach(channel, server);
        }
      } catch (error) {
        for (const server of servers) server.close();
        throw error;
      }
      // The channel itself (not a copy): a scope update must reach the connections accepted before it.
      this.listeners.set(key, Object.assign(channel, { where, servers }));
      this.options.logger.info(
        { event: 'metadata.listening', key, namespace, backend: this.options.backend.name },
        'metadata proxy listening',
      );
    });
  }

  /**
   * Replaces the scope of the listener under `key` (a router gained or lost an interface): the next request
   * on any of its connections, open ones included, is looked up in the new scope. False when not listening.
   */
  updateScope(key: string, scope: CallerScope): boolean {
    const listener = this.listeners.get(key);
    if (listener === undefined) return false;
    listener.scope = scope;
    return true;
  }

  /** Stops listening under `key` and drops its connections (the namespace may be deleted next). */
  close(key: string): Promise<void> {
    return this.serial(key, async () => {
      const listener = this.listeners.get(key);
      if (listener !== undefined) await this.shut(key, listener);
    });
  }

  isOpen(key: string): boolean {
    return this.listeners.has(key);
  }

  /** `metadata.<status>` / `metadata.bad_request` counts of one listener (empty when not listening). */
  counters(key: string): Record<string, number> {
    return Object.fromEntries(this.listeners.get(key)?.counters ?? []);
  }

  /**
   * Stops accepting, lets the requests in progress finish (at most `drainMs`), then closes everything. The
   * process is going away, the namespaces stay: after a handover (src/agent/handover/) the successor
   * accepts on the same sockets, and a request the old agent had accepted must still get its answer.
   */
  async stop(drainMs = 2000): Promise<void> {
    for (const listener of this.listeners.values()) for (const server of listener.servers) server.close();
    this.http.closeIdleConnections();
    const deadline = Date.now() + drainMs;
    // A connection accepted just before has its request on the way (a client writes right after the
    // handshake): destroyed at once it was reset with the question unanswered (bench/handover, 1 of ~800
    // per takeover). Still silent after a short grace, it is a hoarder and must not hold the drain.
    const silentUntil = Date.now() + Math.min(drainMs, FIRST_BYTES_GRACE_MS);
    let silentDropped = false;
    const open = () => [...this.listeners.values()].some((listener) => listener.sockets.size > 0);
    while (open() && Date.now() < deadline) {
      if (!silentDropped && Date.now() >= silentUntil) {
        silentDropped = true;
        for (const listener of this.listeners.values())
          for (const socket of listener.sockets)
            if (this.fastPath?.isWaiting(socket) === true) socket.destroy();
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.all([...this.listeners.keys()].map((key) => this.close(key)));
    this.http.close();
  }

  private serial(key: string, work: () => Promise<void>): Promise<void> {
    const previous = this.pending.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.pending.set(key, next);
    void next
      .catch(() => undefined)
      .then(() => {
        if (this.pending.get(key) === next) this.pending.delete(key);
      });
    return next;
  }

  private async shut(key: string, listener: Listener): Promise<void> {
    this.listeners.delete(key);
    // A socket (listening or accepted) keeps its namespace alive after `ip netns del`: close them all.
    for (const socket of listener.sockets) socket.destroy();
    // Not listening any more after `stop`'s drain: its 'close' may have fired already, do not wait for it.
    await Promise.all(
      listener.servers
        .filter((server) => server.listening)
        .map((server) =>
          server instanceof RawTcpListener
            ? server.close()
            : new Promise<void>((resolve) => server.close(() => resolve())),
        ),
    );
    this.options.logger.info({ event: 'metadata.closed', key }, 'metadata proxy closed');
  }

  private accept(channel: Channel, socket: net.Socket): void {
    if (!this.register(channel, socket)) return;
    if (this.fastPath !== undefined) this.fastPath.accept(channel, socket);
    else this.http.emit('connection', socket);
  }

  /** Admits `socket` to the channel's slots (false: refused and destroyed) and releases it on close. */
  private register(channel: Channel, socket: net.Socket): boolean {
    const source = unmapped(socket.remoteAddress ?? '');
    if (!channel.slots.admit(socket, source)) {
      socket.destroy();
      return false;
    }
    channel.sockets.add(socket);
    socket.once('close', () => {
      channel.sockets.delete(socket);
      channel.slots.release(socket);
    });
    this.channelOf.set(socket, channel);
    return true;
  }

  private count(key: string, what: string): void {
    const counters = this.listeners.get(key)?.counters;
    if (counters !== undefined) increment(counters, `metadata.${what}`);
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { socket } = request;
    const channel = this.channelOf.get(socket);
    const key = channel?.key;
    const remoteAddress = socket.remoteAddress;
    const reply = (status: number, contentType: string, body: string | Uint8Array, extra = {}) => {
      if (key !== undefined) this.count(key, String(status));
      const payload = typeof body === 'string' ? Buffer.from(body) : body;
      response.writeHead(status, {
        'content-type': contentType,
        'content-length': payload.byteLength,
        ...extra,
      });
      response.end(request.method === 'HEAD' ? undefined : payload);
    };
    try {
      if (channel === undefined || remoteAddress === undefined) {
        reply(500, 'text/plain', 'no network for this connection\n');
        return;
      }
      // Busy until the answer is written: a busy connection is never the idle one a cap closes.
      channel.slots.requestStarted(socket);
      response.once('close', () => channel.slots.requestFinished(socket));
      // Origin-form only (`/path?query`): an absolute or `@host` target must never steer the nova
      // backend's upstream URL (`<nova_metadata_url><path>`) elsewhere.
      if (!(request.url ?? '').startsWith('/')) {
        reply(400, 'text/plain', 'Bad Request\n', { connection: 'close' });
        return;
      }
      const method = request.method ?? '';
      const { backend } = this.options;
      if (!backend.methods.has(method)) {
        await readRequestBody(request, this.limits.maxBodyBytes).catch(() => undefined);
        reply(405, 'text/plain', 'Method Not Allowed\n', { allow: [...backend.methods].join(', ') });
        return;
      }
      const source = unmapped(remoteAddress);
      const turn = channel.slots.acquireRequest(source);
      if (turn !== undefined) await turn;
      let answer: ProxyAnswer;
      try {
        const body = await readRequestBody(request, this.limits.maxBodyBytes);
        answer = await backend.answer({
          // The scope when the request is served: a router's interfaces may have changed since the accept.
          networkIds: channel.scope.networkIds,
          routerId: channel.scope.routerId,
          remoteAddress: source,
          method,
          path: request.url ?? '/',
          body: body.byteLength === 0 ? undefined : body,
          contentType: request.headers['content-type'],
        });
      } finally {
        channel.slots.releaseRequest(source);
      }
      reply(answer.status, answer.contentType, answer.body);
    } catch (error) {
      if (isQdhcpError(error, 'METADATA_REQUEST_TOO_LARGE')) {
        reply(413, 'text/plain', 'Request Entity Too Large\n', { connection: 'close' });
        return;
      }
      this.options.logger.warn({ event: 'metadata.failed', key, err: error }, 'metadata request failed');
      if (!response.headersSent) reply(500, 'text/plain', 'Internal Server Error\n');
      else response.destroy();
    }
  }
}

/** The answer to a request Node's parser refused, and the counter it goes to. */
function clientErrorAnswer(code: string | undefined): { status: string; counter: string } {
  if (code === 'HPE_HEADER_OVERFLOW')
    return { status: '431 Request Header Fields Too Large', counter: '431' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: '408 Request Timeout', counter: '408' };
  return { status: '400 Bad Request', counter: 'bad_request' };
}

function increment(counters: Map<string, number>, key: string): void {
  counters.set(key, (counters.get(key) ?? 0) + 1);
}
