export interface OpenSocketOptions {
  /** Path of the namespace, e.g. /run/netns/qdhcp-<id>. */
  readonly netnsPath: string;
  /** `udp6` and `tcp6` are IPv6 only (IPV6_V6ONLY); a link-local address needs `bindToDevice`. */
  readonly kind: 'udp4' | 'tcp4' | 'udp6' | 'tcp6';
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
  /** SO_RCVBUF in bytes (capped by net.core.rmem_max); the kernel's default when absent or 0. */
  readonly receiveBufferBytes?: number;
  /** udp6 with bindToDevice: IPV6_JOIN_GROUP of this multicast group on that device (e.g. ff02::1:2). */
  readonly joinGroup?: string;
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
 * `onBatch(-errno)` when reading failed. With `holdMs` (1..1000): woken twice within that many ms, the endpoint
 * reads every `holdMs` from a timer instead of on each datagram until a hold brings nothing (see the top of
 * src/udp-batch.c). Throws like {@link openSocket}.
 */
export function udpBatchOpen(fd: number, onBatch: (countOrError: number) => void, holdMs?: number): UdpBatchHandle;
/** True while the endpoint reads from its hold timer (polled mode), false while it wakes on each datagram. */
export function udpBatchHolding(handle: UdpBatchHandle): boolean;
/** Stops reading and closes the fd. Safe twice, also from inside `onBatch`. */
export function udpBatchClose(handle: UdpBatchHandle): void;
/** `neighbours[i]` of {@link udpBatchSend}: set the neighbour entry before sending (in), it was set (out). */
export const UDP_BATCH_NEIGHBOUR_SET: number;
/** `neighbours[i]` after {@link udpBatchSend}: the entry or the unicast was refused, sent to 255.255.255.255. */
export const UDP_BATCH_NEIGHBOUR_BROADCAST: number;
/**
 * Sends `replies[0..count)` to `addresses[i]:ports[i]` with one sendmmsg; returns how many the kernel took
 * (fewer when its buffer was full). With `neighbours` and `hardware` (6 octets per reply), a reply whose
 * `neighbours[i]` is {@link UDP_BATCH_NEIGHBOUR_SET} first gets the neighbour entry addresses[i] → its
 * octets (SIOCSARP on the socket: a DHCP client without an address cannot answer ARP); when the kernel
 * refuses it, the reply goes to 255.255.255.255 and `neighbours[i]` becomes
 * {@link UDP_BATCH_NEIGHBOUR_BROADCAST}. Throws EBADF after close, a TypeError on bad arguments.
 */
export function udpBatchSend(
  handle: UdpBatchHandle,
  count: number,
  replies: readonly Buffer[],
  addresses: Uint32Array,
  ports: Uint16Array,
  neighbours?: Uint8Array,
  hardware?: Uint8Array,
): number;
/** Descriptors per message at most (the kernel's SCM_MAX_FD). */
export const FD_PASSING_MAX_FDS: number;
/**
 * A unix datagram socket bound to `path` (a leading `@` names an abstract socket), blocking and
 * close-on-exec, to receive descriptors on with {@link receiveFds}. Close it with `fs.closeSync`.
 * Throws like {@link openSocket} (EADDRINUSE when the path exists).
 */
export function fdChannelOpen(path: string): number;
/**
 * Sends one datagram with `payload` (1..65,536 bytes) and duplicates of `fds` (at most
 * {@link FD_PASSING_MAX_FDS}; the caller keeps its own) to the channel bound at `path`, waiting at most
 * `timeoutMs` for room in its queue (EAGAIN after that; ECONNREFUSED/ENOENT when nobody is bound there).
 */
export function sendFds(path: string, payload: Buffer, fds: readonly number[], timeoutMs: number): void;
/** One received message: its payload and the descriptors it carried (now this process's, close-on-exec). */
export interface ReceivedFds {
  readonly payload: Buffer;
  readonly fds: number[];
}
/**
 * Waits at most `timeoutMs` (blocking the calling thread) for the next message on a channel from
 * {@link fdChannelOpen}; null when none came. EMSGSIZE when its payload or descriptors did not fit (the
 * descriptors that came are closed).
 */
export function receiveFds(channelFd: number, timeoutMs: number): ReceivedFds | null;
/** What a socket descriptor is, to match a received one to its namespace and service. */
export interface SocketDescription {
  readonly family: 'inet' | 'inet6' | 'unix' | 'other';
  readonly type: 'dgram' | 'stream' | 'seqpacket' | 'other';
  /** listen() was called on it (SO_ACCEPTCONN). */
  readonly listening: boolean;
  /** Bound IPv4 address and port (family inet only). */
  readonly address?: string;
  readonly port?: number;
  /** SO_BINDTODEVICE, when set. */
  readonly device?: string;
  /** Inode of the socket's network namespace (SIOCGSKNS), as `stat /run/netns/NAME` reports it. */
  readonly netnsInode?: number;
}
/** Describes the socket `fd`; throws ENOTSOCK/EBADF like {@link openSocket}. */
export function describeSocket(fd: number): SocketDescription;
/**
 * systemd's notification protocol: sends `state` (`READY=1`, `RELOADING=1`, `MAINPID=N`, newline-separated)
 * to `$NOTIFY_SOCKET`. False when that variable is not set (not run by systemd as Type=notify).
 */
export function sdNotify(state: string): boolean;
/**
 * Steers the SO_REUSEPORT group of socket `fd` of process `pid` (taken with pidfd_getfd: root) to the member
 * at `index` (members in the order they joined; past the last one, the kernel's hash decides again).
 * Throws an Error with `code`/`syscall` on failure (ESRCH: no such process; EBADF: no such fd).
 */
export function steerReuseportGroup(pid: number, fd: number, index: number): void;
/** A raw ICMPv6 socket opened in a namespace by {@link icmp6Open}. */
export interface Icmp6Socket {
  readonly fd: number;
  /** The device's index in that namespace (the scope of link-local destinations). */
  readonly ifindex: number;
}
/**
 * A raw ICMPv6 socket inside the namespace at `netnsPath`, bound to `device`, hop limit 255, joined to
 * ff02::2, receiving Router Solicitations only. Throws like {@link openSocket}.
 */
export function icmp6Open(netnsPath: string, device: string): Icmp6Socket;
/** Sends one ICMPv6 message (checksum filled in by the kernel) to `destination` on `ifindex`. */
export function icmp6Send(fd: number, ifindex: number, message: Buffer, destination: string): number;
export type Icmp6WatchHandle = { readonly __icmp6WatchHandle: unique symbol };
/** Calls `onSolicitation(source)` per Router Solicitation received on `fd`, which the watch now owns. */
export function icmp6Watch(fd: number, onSolicitation: (source: string) => void): Icmp6WatchHandle;
/** Stops the watch and closes its fd. Safe twice. */
export function icmp6Unwatch(handle: Icmp6WatchHandle): void;
/** A raw AF_PACKET socket opened in a namespace by {@link packetOpen}; it receives nothing. */
export interface PacketSocket {
  readonly fd: number;
  /** The device's index in that namespace. */
  readonly ifindex: number;
  /** The device's hardware (MAC) address, 6 bytes, as the kernel has it now. */
  readonly mac: Buffer;
}
/**
 * A raw AF_PACKET socket (protocol 0) inside the namespace at `netnsPath`, with `device`'s index and MAC
 * read there. The fd is the caller's (non-blocking, close-on-exec): close it with `fs.closeSync`. Throws like
 * {@link openSocket} (`ENODEV`/`ENXIO` from if_nametoindex for a missing device).
 */
export function packetOpen(netnsPath: string, device: string): PacketSocket;
/** Sends one whole Ethernet frame (its header included) out of `ifindex`; returns the bytes sent. */
export function packetSend(fd: number, ifindex: number, frame: Buffer): number;
/** A listening socket served by src/tcp-accept.c; only the functions below use it. */
export type TcpAcceptHandle = { readonly __tcpAcceptHandle: unique symbol };
/** Events per batch at most. */
export const TCP_ACCEPT_SLOTS: number;
/** First bytes read per connection at most (the rest stays in the socket). */
export const TCP_ACCEPT_SLOT_SIZE: number;
/**
 * The environment's shared event arena, read inside the callback only:
 * `[SLOTS × SLOT_SIZE first bytes][SLOTS × i32 fd][SLOTS × i32 kind][SLOTS × i32 length][SLOTS × i32 peer
 * length][SLOTS × 48 peer text]`; kind 1 accepted (nothing read yet), 2 accepted with first bytes, 3 first
 * bytes of a waiting connection, 4 a waiting connection gone (closed by the addon).
 */
export function tcpAcceptArena(): ArrayBuffer;
/**
 * `listen()`s on the bound stream socket `fd` (owned by the handle from then on) and calls `onEvents(count)`
 * per batch of events (accepted connections with their peer, first bytes). Throws like {@link openSocket}.
 */
export function tcpAcceptOpen(fd: number, backlog: number, onEvents: (count: number) => void): TcpAcceptHandle;
/** Answers and closes connection `fd` (the rest written later when the send buffer is full); true when written at once. */
export function tcpAcceptReply(handle: TcpAcceptHandle, fd: number, bytes: Buffer): boolean;
/** Closes connection `fd` unanswered. */
export function tcpAcceptDrop(handle: TcpAcceptHandle, fd: number): void;
/** Connection `fd` is the caller's from now on (e.g. `new net.Socket({ fd })`). */
export function tcpAcceptRelease(handle: TcpAcceptHandle, fd: number): void;
/** Stops accepting and closes the listening fd; open connections stay until replied, dropped or released. */
export function tcpAcceptStop(handle: TcpAcceptHandle): void;
