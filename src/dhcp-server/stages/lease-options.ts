import { ipv4ToBytes } from '../ipv4.js';
import { leaseSecondsOnWire } from '../lease-time.js';
import { OPTION } from '../request-fields.js';
import { CONTINUE, type Stage } from '../types.js';

function uint32(value: number): Uint8Array {
  return Uint8Array.of(value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255);
}

/**
 * Server identifier (54) and the lease options that follow 53: lease time (51), T1 (58) = 50 % and
 * T2 (59) = 87.5 % of the lease (RFC 2131 §4.4.5). An infinite lease is 0xffffffff with no T1/T2. A NAK
 * carries only 54 and a message (56); an ACK to INFORM carries no lease fields (RFC 2131 §4.3.5).
 */
export const leaseOptions: Stage = {
  name: 'lease-options',
  run(exchange) {
    const subnet = exchange.subnet;
    if (subnet === undefined) return CONTINUE;
    exchange.replyOptions.set(OPTION.serverId, ipv4ToBytes(subnet.serverAddress));
    if (exchange.replyType === 'NAK') {
      exchange.replyOptions.set(
        OPTION.message,
        Buffer.from(exchange.nakMessage ?? 'wrong address', 'latin1'),
      );
      return CONTINUE;
    }
    if (exchange.requestType === 'INFORM' || exchange.host === undefined) return CONTINUE;
    const lease = exchange.host.lease ?? subnet.lease;
    exchange.replyOptions.set(OPTION.leaseTime, uint32(leaseSecondsOnWire(lease)));
    if (lease.kind === 'finite') {
      exchange.replyOptions.set(OPTION.renewalTime, uint32(Math.floor(lease.seconds / 2)));
      exchange.replyOptions.set(OPTION.rebindingTime, uint32(Math.floor((lease.seconds * 7) / 8)));
    }
    return CONTINUE;
  },
};
