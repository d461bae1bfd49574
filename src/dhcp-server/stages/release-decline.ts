import { formatIpv4 } from '../../common/ipv4.js';
import { OPTION, readAddressOption } from '../request-fields.js';
import { CONTINUE, drop, type Stage } from '../types.js';

/**
 * RELEASE and DECLINE (RFC 2131 §4.3.3–4.3.4) are never answered. Bindings are static, so there is no
 * lease to free or address to quarantine: the caller counts and logs them (a DECLINE means an address
 * conflict on the segment, which an operator must see).
 */
export const releaseAndDecline: Stage = {
  name: 'release-decline',
  run(exchange) {
    if (exchange.requestType === 'RELEASE') {
      return drop('release', `released ${formatIpv4(exchange.request.clientIp)}`);
    }
    if (exchange.requestType === 'DECLINE') {
      const requested = readAddressOption(exchange.request, OPTION.requestedIp);
      return drop('decline', `declined ${requested === undefined ? '(no address)' : formatIpv4(requested)}`);
    }
    return CONTINUE;
  },
};
