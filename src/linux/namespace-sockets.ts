import dgram from 'node:dgram';
import net from 'node:net';
import { errorText, QdhcpError } from '../common/errors.js';
import { listeningSockets } from './listening-sockets.js';

// Where a namespace's path is made lives with the socket registry, which needs it too.
export { namespacePath } from './listening-sockets.js';

/** Where a socket was to be opened, for the error that says it could not be. */
interface SocketPlace {
  readonly namespace: string;
  readonly address: string;
  readonly port: number;
}

/**
 * Opens the socket (addon call, then Node's bind/listen) and wraps a system error (ENOENT: no such
 * namespace, EADDRINUSE…) as `SOCKET_OPEN_FAILED` with the errno name in its params and the original as cause.
 */
async function opened<T>(
  kind: 'udp4' | 'tcp4' | 'udp6' | 'tcp6',
  place: SocketPlace,
  open: () => Promise<T>,
): Promise<T> {
  try {
    return await open();
  } catch (error) {
    throw socketOpenFailed(kind, place, error);
  }
}

/** `error` (a system error of opening a socket at `place`) as `SOCKET_OPEN_FAILED`, the original as cause. */
export function socketOpenFailed(
  kind: 'udp4' | 'tcp4' | 'udp6' | 'tcp6' | 'icmp6',
  place: SocketPlace,
  error: unknown,
): QdhcpError {
  const errno = (error as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
  const { namespace, address, port } = place;
  const params = { kind, namespace, address, port, errno: String(errno), reason: errorText(error) };
  return new QdhcpError('SOCKET_OPEN_FAILED', params, { cause: error });
}

export interface UdpInNamespaceOptions {
  readonly namespace: string;
  readonly address: string;
  readonly port: number;
  readonly broadcast?: boolean;
  /** SO_BINDTODEVICE: receive only this interface's traffic and send limited broadcasts through it. */
  readonly device?: string;
  readonly freeBind?: boolean;
  /** dgram's `lookup` for send addresses (a server that answers IP literals can make it synchronous). */
  readonly lookup?: dgram.SocketOptions['lookup'];
}

/**
 * A UDP socket bound inside another network namespace, owned by this process: one agent serves every
 * network's namespace without a helper process per network (the socket is made by the native addon, which
 * enters the namespace only for socket() and bind(), about 0.1 ms). An IPv6 address makes a `udp6`
 * socket. The agent's IPv4 DHCP and DNS go through batched sockets (udp-batch-socket.ts, IPv4 sources
 * only); DNS over IPv6 uses this one, and tests and benches play clients and relays with it.
 */
export function bindUdpInNamespace(options: UdpInNamespaceOptions): Promise<dgram.Socket> {
  return opened(udpKind(options.address), options, () => bindUdp(options));
}

/** IPv6 text has a colon, IPv4 never: the socket's family follows the address it binds. */
function udpKind(address: string): 'udp4' | 'udp6' {
  return address.includes(':') ? 'udp6' : 'udp4';
}

function tcpKind(address: string): 'tcp4' | 'tcp6' {
  return address.includes(':') ? 'tcp6' : 'tcp4';
}

async function bindUdp(options: UdpInNamespaceOptions): Promise<dgram.Socket> {
  // Through the registry: adopted from the previous process after a handover, and exportable to the next.
  const kind = udpKind(options.address);
  const fd = listeningSockets.acquire({
    namespace: options.namespace,
    kind,
    address: options.address,
    port: options.port,
    broadcast: options.broadcast ?? false,
    ...(options.device === undefined ? {} : { device: options.device }),
    freeBind: options.freeBind ?? false,
  });
  const socket = dgram.createSocket({
    type: kind,
    ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
  });
  socket.once('close', () => listeningSockets.closed(fd));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ fd }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  // The kernel's SO_BROADCAST was set on the fd; Node tracks its own flag, keep them in step.
  if (options.broadcast) socket.setBroadcast(true);
  return socket;
}

export interface TcpInNamespaceOptions {
  readonly namespace: string;
  readonly address: string;
  readonly port: number;
  readonly device?: string;
  readonly freeBind?: boolean;
  readonly backlog?: number;
}

/** A listening TCP server inside another network namespace (see {@link bindUdpInNamespace}). */
export function listenTcpInNamespace(
  options: TcpInNamespaceOptions,
  onConnection: (socket: net.Socket) => void,
): Promise<net.Server> {
  return opened(tcpKind(options.address), options, () => listenTcp(options, onConnection));
}

async function listenTcp(
  options: TcpInNamespaceOptions,
  onConnection: (socket: net.Socket) => void,
): Promise<net.Server> {
  const fd = listeningSockets.acquire({
    namespace: options.namespace,
    kind: tcpKind(options.address),
    address: options.address,
    port: options.port,
    ...(options.device === undefined ? {} : { device: options.device }),
    freeBind: options.freeBind ?? false,
  });
  const server = net.createServer(onConnection);
  server.once('close', () => listeningSockets.closed(fd));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ fd, backlog: options.backlog ?? 511 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
