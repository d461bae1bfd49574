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
