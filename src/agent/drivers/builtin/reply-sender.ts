import type { Socket } from 'node:dgram';
import { type ReplyDestination, replyAddress } from '../../../dhcp-server/reply-destination.js';

/**
 * Sends one encoded reply from the network's socket. The socket is bound to the DHCP device
 * (SO_BINDTODEVICE), so a limited broadcast leaves through ns-… without a route and no per-address
 * socket choice is needed (unlike `qdhcp serve`, which has no SO_BINDTODEVICE).
 */
export function sendReply(
  socket: Socket,
  bytes: Uint8Array,
  destination: ReplyDestination,
  onError: (error: Error) => void,
): void {
  const { address, port } = replyAddress(destination);
  socket.send(bytes, port, address, (error) => {
    if (error) onError(error);
  });
}
