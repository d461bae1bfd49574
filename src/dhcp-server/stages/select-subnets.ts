import { formatIpv4, inSubnet } from '../../common/ipv4.js';
import { CONTINUE, drop, type Stage } from '../types.js';

/**
 * Which subnets may serve this request: for a relayed request (giaddr ≠ 0) the subnet holding giaddr
 * (RFC 2131 §4.3.1); otherwise the subnets of the receiving interface. A host is only ever offered an
 * address in one of these, so a port can never get an address from another segment.
 */
export const selectSubnets: Stage = {
  name: 'select-subnets',
  run(exchange) {
    const { subnets } = exchange.config;
    const relay = exchange.request.gatewayIp;
    if (relay !== 0) {
      exchange.candidateSubnets = subnets.filter((subnet) => inSubnet(relay, subnet.network, subnet.mask));
      if (exchange.candidateSubnets.length === 0) {
        return drop('no-subnet', `relay ${formatIpv4(relay)} is in no served subnet`);
      }
    } else {
      exchange.candidateSubnets = subnets.filter((subnet) => subnet.onLink);
      if (exchange.candidateSubnets.length === 0)
        return drop('no-subnet', 'no served subnet on the interface');
    }
    exchange.trace?.push(
      `available DHCP subnets: ${exchange.candidateSubnets.map((s) => s.label).join(', ')}`,
    );
    return CONTINUE;
  },
};
