import { formatIpv4 } from '../../common/ipv4.js';
import { encodeOption } from '../../dhcp/option-values.js';
import { OPTION, readAddressOption } from '../request-fields.js';
import { CONTINUE, drop, type Exchange, type Stage, type StageOutcome } from '../types.js';

function decide(exchange: Exchange, replyType: 'OFFER' | 'ACK' | 'NAK', nakMessage?: string): StageOutcome {
  exchange.replyType = replyType;
  exchange.nakMessage = nakMessage;
  exchange.replyOptions.set(OPTION.messageType, encodeOption(OPTION.messageType, replyType));
  return CONTINUE;
}

/** True when `address` is the server identifier of one of our subnets. */
function isOurServerId(exchange: Exchange, address: number): boolean {
  return exchange.config.subnets.some((subnet) => subnet.serverAddress === address);
}

/**
 * The DHCPREQUEST state machine of RFC 2131 §4.3.2, for static bindings:
 * - SELECTING (server-id present): another server's id → stay silent; else ACK if the requested address
 *   is the client's binding, NAK if not.
 * - INIT-REBOOT (requested address, no server-id): ACK or NAK by the same comparison.
 * - RENEWING / REBINDING (ciaddr set, neither option): ACK if ciaddr is the binding, NAK if not.
 */
function decideRequest(exchange: Exchange): StageOutcome {
  const binding = exchange.host?.ip ?? 0;
  const serverId = readAddressOption(exchange.request, OPTION.serverId);
  const requested = readAddressOption(exchange.request, OPTION.requestedIp);
  const ciaddr = exchange.request.clientIp;
  let state: string;
  let address: number;
  if (serverId !== undefined) {
    if (!isOurServerId(exchange, serverId)) {
      return drop('not-for-us', `client chose server ${formatIpv4(serverId)}`);
    }
    state = 'SELECTING';
    address = requested ?? ciaddr;
  } else if (requested !== undefined) {
    state = 'INIT-REBOOT';
    address = requested;
  } else if (ciaddr !== 0) {
    // RENEWING (unicast) and REBINDING (broadcast) differ only in how the packet travelled.
    state = 'RENEWING/REBINDING';
    address = ciaddr;
  } else {
    return drop('bad-request', 'REQUEST without requested address or ciaddr');
  }
  exchange.trace?.push(`request state: ${state}, address ${formatIpv4(address)}`);
  if (address === binding) return decide(exchange, 'ACK');
  exchange.refusedAddress = address;
  return decide(exchange, 'NAK', address === 0 ? 'no address requested' : 'wrong address');
}

/** Maps the request type to the reply type: DISCOVER→OFFER, REQUEST→ACK/NAK, INFORM→ACK. */
export const chooseReplyType: Stage = {
  name: 'reply-type',
  run(exchange) {
    switch (exchange.requestType) {
      case 'DISCOVER':
        return decide(exchange, 'OFFER');
      case 'INFORM':
        return decide(exchange, 'ACK');
      case 'REQUEST':
        return decideRequest(exchange);
      default:
        return drop('unsupported-message-type', `${exchange.requestType} is not a client request`);
    }
  },
};
