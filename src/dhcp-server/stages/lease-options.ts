import { encodeOption } from '../../dhcp/option-values.js';
import { leaseSecondsOnWire, renewalTimes } from '../lease-time.js';
import { OPTION } from '../request-fields.js';
import { CONTINUE, type Stage } from '../types.js';

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
    exchange.replyOptions.set(OPTION.serverId, encodeOption(OPTION.serverId, subnet.serverAddress));
    if (exchange.replyType === 'NAK') {
      exchange.replyOptions.set(
        OPTION.message,
        encodeOption(OPTION.message, exchange.nakMessage ?? 'wrong address'),
      );
      return CONTINUE;
    }
    if (exchange.requestType === 'INFORM' || exchange.host === undefined) return CONTINUE;
    const lease = exchange.host.lease ?? subnet.lease;
    exchange.replyOptions.set(OPTION.leaseTime, encodeOption(OPTION.leaseTime, leaseSecondsOnWire(lease)));
    if (lease.kind === 'finite') {
      const { t1, t2 } = renewalTimes(lease.seconds);
      exchange.replyOptions.set(OPTION.renewalTime, encodeOption(OPTION.renewalTime, t1));
      exchange.replyOptions.set(OPTION.rebindingTime, encodeOption(OPTION.rebindingTime, t2));
    }
    return CONTINUE;
  },
};
