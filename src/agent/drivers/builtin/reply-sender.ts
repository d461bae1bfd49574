import type { Socket } from 'node:dgram';
import { CLIENT_PORT, type ReplyDestination } from '../../../dhcp-server/reply-destination.js';

const LIMITED_BROADCAST = '255.255.255.255';

/** Address and port a reply goes to (RFC 2131 §4.1) from a socket bound to the DHCP device. */
export function replyTarget(destination: ReplyDestination): {
  readonly address: string;
  readonly port: number;
} {
  switch (destination.kind) {
    case 'relay':
    case 'unicast':
      return { address: destination.address, port: destination.port };
    case 'broadcast':
    // A client without an address cannot answer ARP, and we add no neighbour entry: broadcast instead,
    // which RFC 2131 §4.1 allows and every client in INIT listens for. SO_BINDTODEVICE makes it leave
    // through ns-… without a route.
    case 'unicast-to-hardware':
      return { address: LIMITED_BROADCAST, port: CLIENT_PORT };
  }
}

/**
 * Sends one encoded reply. (Same mapping as `src/serve/transport.ts`, which keeps it inside its class;
 * with one socket per namespace bound to the device, no per-address socket choice is needed here.)
 */
export function sendReply(
  socket: Socket,
  bytes: Uint8Array,
  destination: ReplyDestination,
  onError: (error: Error) => void,
): void {
  const target = replyTarget(destination);
  socket.send(bytes, target.port, target.address, (error) => {
    if (error) onError(error);
  });
}
