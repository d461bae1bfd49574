import type net from 'node:net';
import type { Logger } from '../../common/logger.js';
import { AnswerBytes } from './answer-bytes.js';
import type { MetadataBackend, ProxiedRequest, ProxyAnswer } from './backends.js';
import { type Channel, INTERNAL_ERROR, type ProxyConnection, unmapped } from './proxy-channel.js';
import { parseSimpleRequestHead, type SimpleRequestHead } from './simple-request-head.js';

/** What the fast path needs from the proxy. */
export interface FastPathDeps {
  readonly backend: MetadataBackend;
  readonly logger: Logger;
  readonly maxHeaderBytes: number;
  /** How long a fresh connection may stay silent before it is answered 408. */
  readonly firstBytesTimeoutMs: number;
  /** Counts `metadata.<what>` for the listener `key`. */
  count(key: string, what: string): void;
  /** Gives a connection the fast path does not answer to node:http, with the bytes read so far. */
  handOff(socket: net.Socket, chunk: Buffer): void;
}

/**
 * The fast path (docs/performance.md "Issue 17, item 2"): a booting guest's request is one bodyless GET
 * in the first segment of a fresh connection; it is answered here with one write of pre-built bytes and
 * the connection closed, skipping `node:http`'s per-connection parser, request and response objects
 * (most of the proxy's CPU per request). Anything else — a partial head, a body, another method, odd
 * syntax — goes to `node:http` with the bytes read so far, and gets exactly the answers it always got.
 */
export class FastPath {
  /** Accepted connections whose first bytes have not arrived yet (idle for the proxy's `stop`). */
  private readonly awaitingFirstBytes = new WeakSet<ProxyConnection>();
  private readonly answerBytes = new AnswerBytes();

  constructor(private readonly deps: FastPathDeps) {}

  /** True while `connection` has sent nothing yet (a raw connection tells for itself, raw-connections.ts). */
  isWaiting(connection: ProxyConnection): boolean {
    return connection.waiting ?? this.awaitingFirstBytes.has(connection);
  }

  accept(channel: Channel, socket: net.Socket): void {
    this.awaitingFirstBytes.add(socket);
    // Nothing within the headers timeout: what node:http answers a hoarder (408), counted the same.
    const onTimeout = () => {
      this.deps.count(channel.key, '408');
      socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroySoon();
    };
    const onData = (chunk: Buffer) => {
      this.awaitingFirstBytes.delete(socket);
      socket.removeListener('data', onData);
      socket.removeListener('timeout', onTimeout);
      socket.setTimeout(0);
      const head = parseSimpleRequestHead(chunk, this.deps.maxHeaderBytes);
      if (head === undefined || !this.deps.backend.methods.has(head.method)) {
        this.deps.handOff(socket, chunk);
        return;
      }
      this.answerSimple(channel, socket, head);
    };
    // An error before the answer (a reset) closes the socket; 'close' releases its slot (accept).
    socket.on('error', () => undefined);
    socket.on('data', onData);
    socket.setTimeout(this.deps.firstBytesTimeoutMs, onTimeout);
  }

  private answerSimple(channel: Channel, socket: net.Socket, head: SimpleRequestHead): void {
    const remoteAddress = socket.remoteAddress;
    if (remoteAddress === undefined) {
      socket.destroy(); // already gone: nobody to answer
      return;
    }
    this.answer(channel, socket, unmapped(remoteAddress), head, (bytes) => {
      if (socket.destroyed) return;
      socket.end(bytes);
      socket.destroySoon();
    });
  }

  /**
   * Answers `head` of `connection` (a slot of `channel`, from `source`) through `send`, which writes the
   * whole response and closes: a `net.Socket`'s end here, the addon's reply for a raw connection
   * (raw-connections.ts). When the source has its turn at once and the backend has the answer at hand
   * (`answerAtOnce`: a cached identification, the common case in a burst), `send` runs before this returns,
   * with no promise or microtask per request; otherwise the answer is awaited.
   */
  answer(
    channel: Channel,
    connection: ProxyConnection,
    source: string,
    head: SimpleRequestHead,
    send: (bytes: Buffer) => void,
  ): void {
    channel.slots.requestStarted(connection);
    const turn = channel.slots.acquireRequest(source);
    if (turn === undefined && this.deps.backend.answerAtOnce !== undefined) {
      let answer: ProxyAnswer | undefined;
      try {
        answer = this.deps.backend.answerAtOnce(this.request(channel, source, head));
      } catch (error) {
        answer = this.failed(channel, error);
      }
      if (answer !== undefined) {
        channel.slots.releaseRequest(source);
        this.finish(channel, connection, head, answer, send);
        return;
      }
    }
    void this.answerLater(channel, connection, source, head, turn, send);
  }

  private async answerLater(
    channel: Channel,
    connection: ProxyConnection,
    source: string,
    head: SimpleRequestHead,
    turn: Promise<void> | undefined,
    send: (bytes: Buffer) => void,
  ): Promise<void> {
    let answer: ProxyAnswer;
    try {
      try {
        if (turn !== undefined) await turn;
        // The scope when the request is served, as on the node:http path.
        answer = await this.deps.backend.answer(this.request(channel, source, head));
      } finally {
        channel.slots.releaseRequest(source);
      }
    } catch (error) {
      answer = this.failed(channel, error);
    }
    this.finish(channel, connection, head, answer, send);
  }

  private request(channel: Channel, source: string, head: SimpleRequestHead): ProxiedRequest {
    return {
      networkIds: channel.scope.networkIds,
      routerId: channel.scope.routerId,
      remoteAddress: source,
      method: head.method,
      path: head.target,
      body: undefined,
      contentType: undefined,
    };
  }

  private failed(channel: Channel, error: unknown): ProxyAnswer {
    this.deps.logger.warn(
      { event: 'metadata.failed', key: channel.key, err: error },
      'metadata request failed',
    );
    return INTERNAL_ERROR;
  }

  private finish(
    channel: Channel,
    connection: ProxyConnection,
    head: SimpleRequestHead,
    answer: ProxyAnswer,
    send: (bytes: Buffer) => void,
  ): void {
    this.deps.count(channel.key, String(answer.status));
    channel.slots.requestFinished(connection);
    send(this.answerBytes.bytes(answer, head.method === 'HEAD'));
  }
}
