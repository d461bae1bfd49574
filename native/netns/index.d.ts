export interface OpenSocketOptions {
  /** Path of the namespace, e.g. /run/netns/qdhcp-<id>. */
  readonly netnsPath: string;
  readonly kind: 'udp4' | 'tcp4';
  readonly address: string;
  readonly port: number;
  /** SO_REUSEADDR (default true). */
  readonly reuseAddress?: boolean;
  /** SO_BROADCAST (UDP only; default false). */
  readonly broadcast?: boolean;
  /** SO_BINDTODEVICE: only this interface's traffic; limited broadcasts leave through it. */
  readonly bindToDevice?: string;
  /** IP_FREEBIND: bind an address that is not (yet) configured. */
  readonly freeBind?: boolean;
}
/**
 * Opens and binds a socket inside the network namespace at `netnsPath` and returns its file descriptor
 * (non-blocking, close-on-exec), for `dgram` `bind({ fd })` or `net.Server#listen({ fd })`. The calling
 * thread enters the namespace only for the socket() and bind() calls and always returns to its own.
 * Throws an Error whose `code` is the errno name (ENOENT, EADDRINUSE, EPERM, …) and `syscall` the call.
 */
export function openSocket(options: OpenSocketOptions): number;
/**
 * One rtnetlink dump of the namespace at `netnsPath` — `link` (RTM_GETLINK), `addr` (RTM_GETADDR) or
 * `route` (RTM_GETROUTE), all families — as the kernel's messages back to back (until NLMSG_DONE), read
 * without a process. Throws like {@link openSocket} (`code` ENOENT for a missing namespace…).
 */
export function netlinkDump(netnsPath: string, what: 'link' | 'addr' | 'route'): Buffer;
/** An open batched UDP endpoint (src/udp-batch.c); only the functions below use it. */
export type UdpBatchHandle = { readonly __udpBatchHandle: unique symbol };
/** Datagrams per batch at most (receive and send). */
export const UDP_BATCH_SLOTS: number;
/** Bytes per received datagram slot; a datagram whose length is larger was cut and must be dropped. */
export const UDP_BATCH_SLOT_SIZE: number;
/**
 * The receive arena shared by every endpoint of this thread, valid during an `onBatch` call only:
 * `UDP_BATCH_SLOTS` slots of `UDP_BATCH_SLOT_SIZE` bytes, then u32 lengths, u32 IPv4 sources (network
 * byte order as stored), u16 source ports, `UDP_BATCH_SLOTS` each.
 */
export function udpBatchArena(): ArrayBuffer;
/**
 * Starts reading the UDP socket `fd` (e.g. from {@link openSocket}; it is the endpoint's from then on; when this throws,
 * it is still the caller's) with recvmmsg: `onBatch(count)` per batch of `count` datagrams in the arena, or
 * `onBatch(-errno)` when reading failed. Throws like {@link openSocket}.
 */
export function udpBatchOpen(fd: number, onBatch: (countOrError: number) => void): UdpBatchHandle;
/** Stops reading and closes the fd. Safe twice, also from inside `onBatch`. */
export function udpBatchClose(handle: UdpBatchHandle): void;
/**
 * Sends `replies[0..count)` to `addresses[i]:ports[i]` with one sendmmsg; returns how many the kernel took
 * (fewer when its buffer was full). Throws EBADF after close, a TypeError on bad arguments.
 */
export function udpBatchSend(
  handle: UdpBatchHandle,
  count: number,
  replies: readonly Buffer[],
  addresses: Uint32Array,
  ports: Uint16Array,
): number;
