/**
 * A listening TCP socket whose connections are not `net.Socket`s (native/netns/src/tcp-accept.c): the
 * addon accepts, reads a connection's first bytes and writes its one answer; JavaScript sees batches of
 * events (accepted with the peer's address, first bytes) in a shared arena and answers by descriptor. A
 * connection it does not answer itself is released as a `net.Socket`. For the metadata proxy, whose every
 * request is a fresh connection (issue 17 item 2: Node's per-connection floor was most of its cost).
 *
 * @module
 */
import { closeSync } from 'node:fs';
import net from 'node:net';
import {
  TCP_ACCEPT_SLOT_SIZE,
  TCP_ACCEPT_SLOTS,
  type TcpAcceptHandle,
  tcpAcceptArena,
  tcpAcceptDrop,
  tcpAcceptOpen,
  tcpAcceptRelease,
  tcpAcceptReply,
  tcpAcceptStop,
} from '@qdhcp/netns';
import { listeningSockets } from './listening-sockets.js';
import { socketOpenFailed, type TcpInNamespaceOptions } from './namespace-sockets.js';

/** What an event of a batch says (the addon's kinds). */
export const AcceptEvent = Object.freeze({
  /** A new connection, nothing read yet: its first bytes come in a later `data` event (or `gone`). */
  accepted: 1,
  /** A new connection and its first bytes. */
  acceptedWithData: 2,
  /** The first bytes of a connection accepted earlier. */
  data: 3,
  /** A connection accepted earlier closed or failed before sending anything (already closed). */
  gone: 4,
});

const PEER_SIZE = 48;

/** The events of one batch: valid only inside the handler (the next batch overwrites the arena). */
export class AcceptBatch {
  readonly fds: Int32Array;
  readonly kinds: Int32Array;
  private readonly lengths: Int32Array;
  private readonly peerLengths: Int32Array;
  private readonly bytes: Buffer;
  private readonly peersOffset: number;

  constructor(arena: ArrayBuffer) {
    const slots = TCP_ACCEPT_SLOTS;
    let at = slots * TCP_ACCEPT_SLOT_SIZE;
    this.bytes = Buffer.from(arena);
    this.fds = new Int32Array(arena, at, slots);
    at += slots * 4;
    this.kinds = new Int32Array(arena, at, slots);
    at += slots * 4;
    this.lengths = new Int32Array(arena, at, slots);
    at += slots * 4;
    this.peerLengths = new Int32Array(arena, at, slots);
    this.peersOffset = at + slots * 4;
  }

  /** The peer's address of an `accepted`/`acceptedWithData` event (IPv4-mapped as the kernel gives it). */
  peer(index: number): string {
    const start = this.peersOffset + index * PEER_SIZE;
    return this.bytes.toString('latin1', start, start + (this.peerLengths[index] ?? 0));
  }

  /** The first bytes of a `data`/`acceptedWithData` event: a view into the arena. */
  firstBytes(index: number): Buffer {
    const start = index * TCP_ACCEPT_SLOT_SIZE;
    return this.bytes.subarray(start, start + (this.lengths[index] ?? 0));
  }
}

let sharedBatch: AcceptBatch | undefined;

/** Called once per batch of `count` (≥ 1) events. */
export type AcceptHandler = (count: number, batch: AcceptBatch) => void;

/** A listening socket served by the addon; see the module. */
export class RawTcpListener {
  #handle: TcpAcceptHandle | undefined;
  #fd: number | undefined;
  #closed = false;

  /**
   * `fd`: a bound stream socket at `place` (for errors), the listener's from now on; `onClosed` runs once it
   * is closed.
   */
  constructor(
    fd: number,
    private readonly place: { readonly namespace: string; readonly address: string; readonly port: number },
    private readonly backlog: number,
    private readonly onClosed: () => void = () => undefined,
  ) {
    this.#fd = fd;
  }

  get listening(): boolean {
    return this.#handle !== undefined && !this.#closed;
  }

  /**
   * Listens and hands every batch of events to `handler`. Once: throws `SOCKET_OPEN_FAILED` when listen()
   * fails or the listener was started or closed already (EBADF).
   */
  start(handler: AcceptHandler): void {
    const fd = this.#fd;
    const kind = this.place.address.includes(':') ? 'tcp6' : 'tcp4';
    if (fd === undefined || this.#closed)
      throw socketOpenFailed(kind, this.place, { code: 'EBADF', message: 'started or closed already' });
    sharedBatch ??= new AcceptBatch(tcpAcceptArena());
    const batch = sharedBatch;
    try {
      this.#handle = tcpAcceptOpen(fd, this.backlog, (count) => handler(count, batch));
    } catch (error) {
      throw socketOpenFailed(kind, this.place, error);
    }
    this.#fd = undefined;
  }

  /**
   * Writes `bytes` (the whole answer) to connection `fd` and closes it; false when the rest is written later
   * (a full send buffer) or the peer was gone.
   */
  reply(fd: number, bytes: Buffer): boolean {
    return this.#handle !== undefined && tcpAcceptReply(this.#handle, fd, bytes);
  }

  /** Closes connection `fd` without an answer. */
  drop(fd: number): void {
    if (this.#handle !== undefined) tcpAcceptDrop(this.#handle, fd);
  }

  /** Connection `fd` as a `net.Socket` (reading from where the addon stopped). */
  release(fd: number): net.Socket {
    if (this.#handle !== undefined) tcpAcceptRelease(this.#handle, fd);
    return new net.Socket({ fd, readable: true, writable: true });
  }

  /** Stops accepting; connections not yet answered stay until replied, dropped or released. Safe twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#handle !== undefined) tcpAcceptStop(this.#handle);
    else if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    this.onClosed();
  }
}

/**
 * A {@link RawTcpListener} bound inside `namespace`, through the listening-socket registry (adopted after a
 * handover, exportable to the next process), as `listenTcpInNamespace` is for a `net.Server`.
 */
export function listenRawTcpInNamespace(options: TcpInNamespaceOptions): RawTcpListener {
  const kind = options.address.includes(':') ? 'tcp6' : 'tcp4';
  let fd: number;
  try {
    fd = listeningSockets.acquire({
      namespace: options.namespace,
      kind,
      address: options.address,
      port: options.port,
      ...(options.device === undefined ? {} : { device: options.device }),
      freeBind: options.freeBind ?? false,
    });
  } catch (error) {
    throw socketOpenFailed(kind, options, error);
  }
  return new RawTcpListener(fd, options, options.backlog ?? 511, () => listeningSockets.closed(fd));
}
