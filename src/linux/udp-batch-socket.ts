import { closeSync } from 'node:fs';
import { constants } from 'node:os';
import {
  openSocket,
  UDP_BATCH_SLOT_SIZE,
  UDP_BATCH_SLOTS,
  type UdpBatchHandle,
  udpBatchArena,
  udpBatchClose,
  udpBatchHolding,
  udpBatchOpen,
  udpBatchSend,
} from '@qdhcp/netns';
import { QdhcpError } from '../common/errors.js';
import { formatIpv4, parseIpv4 } from '../common/ipv4.js';
import { listeningSockets } from './listening-sockets.js';
import { socketOpenFailed } from './namespace-sockets.js';

/**
 * A UDP socket inside a network namespace served in batches by the netns addon (native/netns/src/udp-batch.c):
 * one recvmmsg fills up to {@link BATCH_SLOTS} datagrams and JS is called once per batch; replies leave with
 * one sendmmsg. For a request/response server of small datagrams (the agent's DNS) Node's dgram costs more
 * per datagram (a syscall each way, a Buffer and an rinfo object, an event) than the answer itself.
 *
 * Sources are IPv4 only and are handed around as two numbers (address as the kernel stores it, port): a
 * server sends its reply to the numbers it received and never needs a string.
 *
 * @module
 */

/** Datagrams per batch at most, received or sent. */
export const BATCH_SLOTS = UDP_BATCH_SLOTS;
/** Largest datagram received whole; a longer one is reported {@link ReceivedBatch.truncated}. */
export const BATCH_SLOT_SIZE = UDP_BATCH_SLOT_SIZE;

/**
 * The datagrams of one batch. It is a view of an arena shared by every endpoint of the thread: valid only
 * during the handler call; copy what must outlive it.
 */
export class ReceivedBatch {
  private readonly bytes: Buffer;
  private readonly lengths: Uint32Array;
  /** Source IPv4 addresses in the kernel's (network) byte order; give them back to send. */
  readonly addresses: Uint32Array;
  /** Source ports. */
  readonly ports: Uint16Array;

  constructor(arena: ArrayBuffer) {
    const dataBytes = BATCH_SLOTS * BATCH_SLOT_SIZE;
    this.bytes = Buffer.from(arena, 0, dataBytes);
    this.lengths = new Uint32Array(arena, dataBytes, BATCH_SLOTS);
    this.addresses = new Uint32Array(arena, dataBytes + 4 * BATCH_SLOTS, BATCH_SLOTS);
    this.ports = new Uint16Array(arena, dataBytes + 8 * BATCH_SLOTS, BATCH_SLOTS);
  }

  /** True when datagram `index` was longer than a slot and only its start was received: drop it. */
  truncated(index: number): boolean {
    return (this.lengths[index] ?? 0) > BATCH_SLOT_SIZE;
  }

  /** Datagram `index` (a view into the arena; its first {@link BATCH_SLOT_SIZE} octets when truncated). */
  datagram(index: number): Buffer {
    const start = index * BATCH_SLOT_SIZE;
    return this.bytes.subarray(start, start + Math.min(this.lengths[index] ?? 0, BATCH_SLOT_SIZE));
  }
}

let sharedBatch: ReceivedBatch | undefined;
function received(): ReceivedBatch {
  sharedBatch ??= new ReceivedBatch(udpBatchArena());
  return sharedBatch;
}

/** Called once per batch of `count` (≥ 1) datagrams. */
export type BatchHandler = (count: number, batch: ReceivedBatch) => void;

export interface BatchedUdpOptions {
  readonly namespace: string;
  readonly address: string;
  readonly port: number;
  /** SO_BINDTODEVICE: only this interface's traffic. */
  readonly device?: string;
  readonly freeBind?: boolean;
  /** SO_BROADCAST: needed to send to 255.255.255.255 (the DHCP replies to clients without an address). */
  readonly broadcast?: boolean;
  /** SO_RCVBUF in bytes, capped by net.core.rmem_max (the kernel's default when absent). */
  readonly receiveBufferBytes?: number;
  /**
   * Under load, read every `holdMs` instead of on each datagram (native/netns/src/udp-batch.c, "Interrupt
   * and polled mode"): fewer wake-ups and calls into JS for a datagram's wait of up to `holdMs`. 0 or
   * absent: woken on each datagram.
   */
  readonly holdMs?: number;
}

/** The addon's `udpBatchSend` arguments after the handle (count, replies, addresses, ports[, neighbours, hardware]). */
type SendBatchArguments =
  Parameters<typeof udpBatchSend> extends [UdpBatchHandle, ...infer Rest] ? Rest : never;

/** A batched UDP endpoint; see the module. */
export interface BatchedUdpEndpoint {
  /** The handler of received batches (until set, datagrams are read and discarded). */
  onBatch(handler: BatchHandler): void;
  /** The handler of read errors (the endpoint keeps reading unless the socket itself is broken). */
  onError(handler: (error: NodeJS.ErrnoException) => void): void;
  /**
   * Sends `replies[i]` to `addresses[i]:ports[i]` for i < count (≤ {@link BATCH_SLOTS}) with one sendmmsg.
   * Returns how many the kernel took; with a full socket buffer the rest are dropped, as dnsmasq drops them.
   * With `neighbours` and `hardware`: a reply marked `UDP_BATCH_NEIGHBOUR_SET` (the addon's value of
   * reply-outbox.ts's `NEIGHBOUR_SET`) first gets the neighbour entry addresses[i] → hardware[6i..6i+6] in
   * the socket's namespace (SIOCSARP, as dnsmasq does for a DHCP client without an address), or goes to
   * 255.255.255.255 marked `UDP_BATCH_NEIGHBOUR_BROADCAST`.
   */
  sendBatch(...args: SendBatchArguments): number;
  /** Sends one datagram; false when the kernel did not take it. */
  send(reply: Buffer, address: number, port: number): boolean;
  /** Stops reading and closes the socket. Safe twice, also from inside a handler. */
  close(): void;
  readonly closed: boolean;
  /** True while datagrams are read every hold rather than on arrival ({@link BatchedUdpOptions.holdMs}). */
  readonly holding: boolean;
}

const ERRNO_NAMES = new Map<number, string>(
  Object.entries(constants.errno).map(([name, value]) => [value, name] as const),
);

/** A failed read reported by the addon as -errno, wrapped at this boundary with the errno's name. */
function readError(negativeErrno: number): QdhcpError {
  const errno = ERRNO_NAMES.get(-negativeErrno) ?? 'EUNKNOWN';
  return new QdhcpError('SOCKET_RECEIVE_FAILED', { syscall: 'recvmmsg', errno });
}

/**
 * Wraps a bound UDP socket fd (the endpoint owns it from here; closed if this throws); `onClosed` runs once
 * the fd is closed.
 */
export function batchedUdpFromFd(
  fd: number,
  onClosed: () => void = () => undefined,
  holdMs = 0,
): BatchedUdpEndpoint {
  const batch = received();
  let handler: BatchHandler = () => undefined;
  let errorHandler: (error: NodeJS.ErrnoException) => void = () => undefined;
  let closed = false;
  const single = {
    replies: [Buffer.alloc(0)] as Buffer[],
    addresses: new Uint32Array(1),
    ports: new Uint16Array(1),
  };
  let handle: UdpBatchHandle;
  try {
    handle = udpBatchOpen(
      fd,
      (count) => {
        if (count > 0) handler(count, batch);
        else if (count < 0) errorHandler(readError(count));
      },
      holdMs,
    );
  } catch (error) {
    closeSync(fd);
    onClosed();
    throw error;
  }
  return {
    onBatch: (next) => {
      handler = next;
    },
    onError: (next) => {
      errorHandler = next;
    },
    sendBatch: (count, replies, addresses, ports, neighbours, hardware) =>
      // The addon counts its arguments: pass the neighbour arrays only when both are there.
      neighbours === undefined || hardware === undefined
        ? udpBatchSend(handle, count, replies, addresses, ports)
        : udpBatchSend(handle, count, replies, addresses, ports, neighbours, hardware),
    send: (reply, address, port) => {
      single.replies[0] = reply;
      single.addresses[0] = address;
      single.ports[0] = port;
      return udpBatchSend(handle, 1, single.replies, single.addresses, single.ports) === 1;
    },
    close: () => {
      if (closed) return;
      closed = true;
      udpBatchClose(handle);
      onClosed();
    },
    get closed() {
      return closed;
    },
    get holding() {
      return !closed && udpBatchHolding(handle);
    },
  };
}

/**
 * Opens a batched UDP endpoint bound to `address:port` inside `namespace` (the socket is made by the addon,
 * which enters the namespace only for socket() and bind()). Throws `SOCKET_OPEN_FAILED` with the errno's
 * name (ENOENT for a missing namespace, EADDRINUSE…) and the addon's error as cause.
 */
export function openBatchedUdpInNamespace(options: BatchedUdpOptions): BatchedUdpEndpoint {
  let fd: number;
  try {
    // Through the registry: adopted from the previous process after a handover, exportable to the next.
    fd = listeningSockets.acquire({
      namespace: options.namespace,
      kind: 'udp4',
      address: options.address,
      port: options.port,
      ...(options.device === undefined ? {} : { device: options.device }),
      freeBind: options.freeBind ?? false,
      broadcast: options.broadcast ?? false,
      ...(options.receiveBufferBytes === undefined ? {} : { receiveBufferBytes: options.receiveBufferBytes }),
    });
  } catch (error) {
    throw socketOpenFailed('udp4', options, error);
  }
  return batchedUdpFromFd(fd, () => listeningSockets.closed(fd), options.holdMs);
}

/** The network namespace of the calling thread, as a path the addon can enter (it is already there). */
export const OWN_NAMESPACE = '/proc/thread-self/ns/net';

/**
 * A batched UDP endpoint in the namespace at `netnsPath`, by default the process's own (`qdhcp serve`,
 * started inside the network's namespace by `ip netns exec`), not through the handover registry: serve
 * hands nothing over. The addon enters the namespace even when it is its own, which needs CAP_SYS_ADMIN:
 * without it this throws `SOCKET_OPEN_FAILED` (errno EPERM) and the caller falls back to node:dgram.
 */
export function openBatchedUdpUnregistered(
  options: Omit<BatchedUdpOptions, 'namespace'> & { readonly netnsPath?: string },
): BatchedUdpEndpoint {
  const netnsPath = options.netnsPath ?? OWN_NAMESPACE;
  let fd: number;
  try {
    fd = openSocket({
      netnsPath,
      kind: 'udp4',
      address: options.address,
      port: options.port,
      broadcast: options.broadcast ?? false,
      ...(options.device === undefined ? {} : { bindToDevice: options.device }),
      freeBind: options.freeBind ?? false,
      ...(options.receiveBufferBytes === undefined ? {} : { receiveBufferBytes: options.receiveBufferBytes }),
    });
  } catch (error) {
    throw socketOpenFailed('udp4', { ...options, namespace: netnsPath }, error);
  }
  return batchedUdpFromFd(fd, undefined, options.holdMs);
}

// The kernel's numbers are network-order bytes read in host order: a big-endian view over the same word.
const scratch = new Uint32Array(1);
const scratchView = new DataView(scratch.buffer);

/** A source address number (as in {@link ReceivedBatch.addresses}) as dotted text.
 * @internal tested on its own (the addon's byte order).
 */
export function ipv4Text(address: number): string {
  scratch[0] = address;
  return formatIpv4(scratchView.getUint32(0));
}

/** Dotted IPv4 text as the number {@link BatchedUdpEndpoint.send} takes.
 * @internal tested on its own (the addon's byte order).
 */
export function ipv4Number(text: string): number {
  const value = parseIpv4(text);
  if (value === undefined)
    throw new QdhcpError('IPV4_ADDRESS_INVALID', {
      reason: 'not an IPv4 address',
      input: JSON.stringify(text),
    });
  scratchView.setUint32(0, value);
  return scratch[0] ?? 0;
}
