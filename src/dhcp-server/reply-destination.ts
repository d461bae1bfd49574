import { formatIpv4, type Ipv4 } from '../common/ipv4.js';
import { isBroadcastFlagSet } from '../dhcp/message.js';
import type { DhcpMessage, MessageTypeName } from '../dhcp/types.js';

/** UDP ports of RFC 2131 §4.1. */
export const SERVER_PORT = 67;
export const CLIENT_PORT = 68;

/** Where a reply goes (RFC 2131 §4.1, "server transmits"). */
export type ReplyDestination =
  /** giaddr ≠ 0: to the relay agent's server port. */
  | { readonly kind: 'relay'; readonly address: Ipv4; readonly port: typeof SERVER_PORT }
  /** 255.255.255.255:68 on the receiving link. */
  | { readonly kind: 'broadcast'; readonly port: typeof CLIENT_PORT }
  /** ciaddr ≠ 0: the client has an address and answers ARP. */
  | { readonly kind: 'unicast'; readonly address: Ipv4; readonly port: typeof CLIENT_PORT }
  /**
   * To yiaddr at chaddr: the client has no address yet, so it cannot answer ARP. The transport must
   * either install a neighbour entry first or broadcast instead (RFC 2131 §4.1 allows the broadcast).
   */
  | {
      readonly kind: 'unicast-to-hardware';
      readonly address: Ipv4;
      readonly hardwareAddress: string;
      readonly port: typeof CLIENT_PORT;
    };

const UNSET = 0;
const LIMITED_BROADCAST = '255.255.255.255';

/**
 * The UDP address and port a reply is sent to by a transport that cannot set neighbour entries (node:dgram's,
 * src/serve/transport.ts). `unicast-to-hardware` goes out as a limited broadcast there: without a neighbour
 * entry the kernel would ARP for an address nobody holds yet; RFC 2131 §4.1 allows the broadcast and every
 * client in INIT listens for it. The batched transports unicast it instead (reply-outbox.ts,
 * docs/dhcp-engine.md "Reply delivery"). The address is text here because this is the socket edge.
 */
export function replyAddress(destination: ReplyDestination): {
  readonly address: string;
  readonly port: number;
} {
  switch (destination.kind) {
    case 'relay':
    case 'unicast':
      return { address: formatIpv4(destination.address), port: destination.port };
    case 'broadcast':
    case 'unicast-to-hardware':
      return { address: LIMITED_BROADCAST, port: CLIENT_PORT };
  }
}

/**
 * RFC 2131 §4.1, in order: a relayed request (giaddr ≠ 0) is answered to giaddr:67; otherwise a NAK is
 * broadcast; a client with ciaddr ≠ 0 gets unicast to ciaddr:68; a client that set the broadcast flag gets
 * a broadcast; anyone else gets unicast to yiaddr at its hardware address.
 */
export function replyDestination(
  request: DhcpMessage,
  replyType: MessageTypeName,
  yourIp: Ipv4,
  hardwareAddress: string,
): ReplyDestination {
  if (request.gatewayIp !== UNSET) return { kind: 'relay', address: request.gatewayIp, port: SERVER_PORT };
  if (replyType === 'NAK') return { kind: 'broadcast', port: CLIENT_PORT };
  if (request.clientIp !== UNSET) return { kind: 'unicast', address: request.clientIp, port: CLIENT_PORT };
  if (isBroadcastFlagSet(request) || yourIp === UNSET) return { kind: 'broadcast', port: CLIENT_PORT };
  return { kind: 'unicast-to-hardware', address: yourIp, hardwareAddress, port: CLIENT_PORT };
}
