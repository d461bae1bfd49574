import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { type Ipv4, requireIpv4 } from '../common/ipv4.js';
import { type ReplyDestination, replyAddress, SERVER_PORT } from '../dhcp-server/reply-destination.js';

/** Where a datagram came from. */
export interface PacketSource {
  readonly address: string;
  readonly port: number;
}

/** Callbacks of the transport. */
export interface TransportHandlers {
  onPacket(bytes: Buffer, source: PacketSource): void;
  /** A send failed (e.g. no route to a relay); the socket stays open. */
  onSendError(error: Error): void;
}

function bind(socket: Socket, address: string | undefined, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

/**
 * The DHCP sockets of one server, inside its namespace (node:dgram only, no raw sockets):
 *
 * - a wildcard socket on 0.0.0.0:67 receives broadcast requests (clients without an address, relays
 *   like perfdhcp that send to 255.255.255.255);
 * - one socket per interface address on ADDRESS:67 receives unicast (renewals, relays) and sends every
 *   reply. Sending limited broadcast from a socket bound to an interface address makes Linux pick that
 *   address's interface without any route (ip_route_output: saddr given + daddr 255.255.255.255), which a
 *   namespace with no default route needs, and node:dgram has no SO_BINDTODEVICE.
 *
 * `unicast-to-hardware` (a client with no address yet) is sent as broadcast: without ARP injection the
 * kernel would ARP for an address nobody holds yet. RFC 2131 §4.1 allows broadcasting here; every client
 * listens for broadcast replies while it has no address.
 */
export class DhcpTransport {
  private constructor(
    private readonly wildcard: Socket,
    private readonly bySource: ReadonlyMap<Ipv4, Socket>,
    private readonly fallback: Socket,
  ) {}

  /** Binds the sockets. `addresses` are the served interface's IPv4 addresses (first = primary). */
  static async open(
    addresses: readonly string[],
    handlers: TransportHandlers,
    port = SERVER_PORT,
  ): Promise<DhcpTransport> {
    const open: Socket[] = [];
    try {
      const make = async (address: string | undefined): Promise<Socket> => {
        const socket = createSocket({ type: 'udp4', reuseAddr: true });
        open.push(socket);
        await bind(socket, address, port);
        socket.setBroadcast(true);
        try {
          socket.setRecvBufferSize(4 * 1024 * 1024);
        } catch {
          // capped by net.core.rmem_max; the default still works
        }
        socket.on('message', (bytes: Buffer, info: RemoteInfo) => handlers.onPacket(bytes, info));
        socket.on('error', (error) => handlers.onSendError(error));
        return socket;
      };
      const wildcard = await make(undefined);
      const bySource = new Map<Ipv4, Socket>();
      for (const address of addresses) bySource.set(requireIpv4(address), await make(address));
      const primary = addresses[0] === undefined ? undefined : bySource.get(requireIpv4(addresses[0]));
      const fallback = primary ?? wildcard;
      return new DhcpTransport(wildcard, bySource, fallback);
    } catch (error) {
      for (const socket of open) socket.close();
      throw error;
    }
  }

  /** Sends an encoded reply from `sourceAddress` (the subnet's server identifier) to `destination`. */
  send(bytes: Uint8Array, destination: ReplyDestination, sourceAddress: Ipv4): void {
    const socket = this.bySource.get(sourceAddress) ?? this.fallback;
    const { address, port } = replyAddress(destination);
    // No per-send callback on the hot path: send errors surface as the socket's 'error' event.
    socket.send(bytes, port, address);
  }

  /** Closes every socket. Safe to call twice. */
  close(): void {
    for (const socket of [this.wildcard, ...this.bySource.values()]) {
      try {
        socket.close();
      } catch {
        // already closed
      }
    }
  }
}
