import type net from 'node:net';
import { type AcceptBatch, AcceptEvent, type RawTcpListener } from '../../linux/tcp-accept-socket.js';
import type { FastPath } from './fast-path.js';
import { type Channel, type ProxyConnection, unmapped } from './proxy-channel.js';
import { parseSimpleRequestHead } from './simple-request-head.js';

/** What the raw connections need from the proxy. */
export interface RawConnectionsDeps {
  /** Answers simple GET/HEADs; undefined: every connection goes to node:http (`fastPath: false`). */
  readonly fastPath: FastPath | undefined;
  readonly methods: ReadonlySet<string>;
  readonly maxHeaderBytes: number;
  /** How long a fresh connection may stay silent before it is answered 408. */
  readonly firstBytesTimeoutMs: number;
  count(key: string, what: string): void;
  /** A connection for node:http, as a net.Socket, with the bytes read so far (none yet: undefined). */
  handOff(channel: Channel, socket: net.Socket, firstBytes: Buffer | undefined): void;
}

const TIMEOUT_ANSWER = Buffer.from(
  'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
  'latin1',
);

/** One connection the addon holds for a channel: its slot key until answered, dropped or handed off. */
class RawConnection implements ProxyConnection {
  waiting = true;
  closed = false;

  constructor(
    /** The connections the addon holds for this proxy, by fd (this one leaves it when forgotten). */
    private readonly held: Map<number, RawConnection>,
    readonly listener: RawTcpListener,
    readonly fd: number,
    readonly channel: Channel,
    readonly source: string,
    readonly deadline: number,
  ) {}

  /** Leaves the channel (slot and set); the fd is someone else's or closed from here. */
  forget(): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting = false;
    if (this.held.get(this.fd) === this) this.held.delete(this.fd);
    this.channel.sockets.delete(this);
    this.channel.slots.release(this);
  }

  /** Closed unanswered (a cap made room, the listener shuts, a timeout). */
  destroy(): void {
    if (this.closed) return;
    this.forget();
    this.listener.drop(this.fd);
  }

  /** The one answer, then closed. */
  send(bytes: Buffer): void {
    if (this.closed) return;
    this.forget();
    this.listener.reply(this.fd, bytes);
  }
}

/**
 * The metadata proxy's connections on listeners served by the addon (src/linux/tcp-accept-socket.ts):
 * admitted to the channel's fair shares on accept with the peer the accept gave, answered from the fast
 * path with one write when their first bytes are a simple GET/HEAD, otherwise made `net.Socket`s and handed
 * to node:http with those bytes (400/405/408/413/431 as before). A silent connection is answered 408 after
 * the first-bytes timeout by one timer for all of them (deadlines are in accept order: a queue).
 */
export class RawConnections {
  /** Fd → connection, per listener (an fd number is unique among one process's open descriptors). */
  private readonly open = new Map<number, RawConnection>();
  /** Connections still waiting for their first bytes, oldest first (answered or gone ones are skipped). */
  private readonly silent: RawConnection[] = [];
  private silentHead = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: RawConnectionsDeps) {}

  /** Starts serving `listener` for `channel`. */
  attach(channel: Channel, listener: RawTcpListener): void {
    listener.start((count, batch) => this.onBatch(channel, listener, count, batch));
  }

  private onBatch(channel: Channel, listener: RawTcpListener, count: number, batch: AcceptBatch): void {
    const now = Date.now();
    for (let i = 0; i < count; i++) {
      const fd = batch.fds[i]!;
      const kind = batch.kinds[i];
      if (kind === AcceptEvent.accepted || kind === AcceptEvent.acceptedWithData) {
        const source = unmapped(batch.peer(i));
        const connection = new RawConnection(
          this.open,
          listener,
          fd,
          channel,
          source,
          now + this.deps.firstBytesTimeoutMs,
        );
        if (!channel.slots.admit(connection, source)) {
          listener.drop(fd);
          continue;
        }
        channel.sockets.add(connection);
        this.open.set(fd, connection);
        if (kind === AcceptEvent.acceptedWithData) this.firstBytes(connection, batch.firstBytes(i));
        else if (this.deps.fastPath === undefined) this.handOff(connection, undefined);
        else this.waitSilent(connection);
        continue;
      }
      const connection = this.open.get(fd);
      if (connection === undefined) continue;
      if (kind === AcceptEvent.data) this.firstBytes(connection, batch.firstBytes(i));
      else connection.forget(); // gone: the addon closed it
    }
  }

  private firstBytes(connection: RawConnection, bytes: Buffer): void {
    const { fastPath } = this.deps;
    const head = parseSimpleRequestHead(bytes, this.deps.maxHeaderBytes);
    if (fastPath === undefined || head === undefined || !this.deps.methods.has(head.method)) {
      // A copy: the arena's bytes are overwritten by the next batch.
      this.handOff(connection, Buffer.from(bytes));
      return;
    }
    connection.waiting = false;
    fastPath.answer(connection.channel, connection, connection.source, head, (answer) =>
      connection.send(answer),
    );
  }

  private handOff(connection: RawConnection, firstBytes: Buffer | undefined): void {
    connection.forget();
    this.deps.handOff(connection.channel, connection.listener.release(connection.fd), firstBytes);
  }

  private waitSilent(connection: RawConnection): void {
    this.silent.push(connection);
    if (this.timer === undefined) this.schedule(connection.deadline);
  }

  private schedule(deadline: number): void {
    this.timer = setTimeout(() => this.expire(), Math.max(0, deadline - Date.now()));
    this.timer.unref();
  }

  /** Answers 408 to the connections silent past their deadline, then waits for the next deadline. */
  private expire(): void {
    this.timer = undefined;
    const now = Date.now();
    while (this.silentHead < this.silent.length) {
      const connection = this.silent[this.silentHead]!;
      if (connection.waiting && !connection.closed && connection.deadline > now) {
        this.schedule(connection.deadline);
        break;
      }
      this.silentHead++;
      if (!connection.waiting || connection.closed) continue;
      this.deps.count(connection.channel.key, '408');
      connection.send(TIMEOUT_ANSWER);
    }
    // Compact once the answered part dominates (amortised: each connection is moved at most once).
    if (this.silentHead > 1024 && this.silentHead * 2 > this.silent.length) {
      this.silent.splice(0, this.silentHead);
      this.silentHead = 0;
    }
  }
}
