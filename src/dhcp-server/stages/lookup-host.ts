import { inSubnet } from '../../common/ipv4.js';
import { parsedMac, readMacBytesInto } from '../mac-numbers.js';
import { CONTINUE, drop, type Exchange, type ServedSubnet, type Stage } from '../types.js';

function subnetOf(exchange: Exchange, ip: number): ServedSubnet | undefined {
  return exchange.candidateSubnets.find((subnet) => inSubnet(ip, subnet.network, subnet.mask));
}

/**
 * Finds the client's static binding (client-id first, then MAC) among addresses of the candidate
 * subnets. Unknown clients get nothing (`static` ranges, spec §5.10), except INFORM, which needs no
 * binding (RFC 2131 §3.4). RELEASE and DECLINE continue either way, so they are logged with the host.
 */
export const lookupHost: Stage = {
  name: 'lookup-host',
  run(exchange) {
    const accept = (ip: number): boolean => subnetOf(exchange, ip) !== undefined;
    // A 6-byte chaddr is also given as two numbers, the tables' own key: no hashing of the MAC text.
    const six = exchange.request.hardwareAddressLength === 6;
    if (six) readMacBytesInto(exchange.request.clientHardwareAddress);
    const { entry, known } = six
      ? exchange.tables.hosts.find(exchange.mac, exchange.clientId, accept, parsedMac.high, parsedMac.low)
      : exchange.tables.hosts.find(exchange.mac, exchange.clientId, accept);
    const type = exchange.requestType;
    if (entry !== undefined) {
      if (entry.ignore) return drop('ignored-host', `host line ${entry.line} says ignore`);
      exchange.host = entry;
      exchange.subnet = subnetOf(exchange, entry.ip);
      exchange.trace?.push(`host: line ${entry.line} ${entry.name ?? '(no name)'}`);
      return CONTINUE;
    }
    if (type === 'INFORM' || type === 'RELEASE' || type === 'DECLINE') {
      const ciaddr = exchange.request.clientIp;
      exchange.subnet =
        (ciaddr !== 0 ? subnetOf(exchange, ciaddr) : undefined) ?? exchange.candidateSubnets[0];
      return CONTINUE;
    }
    if (known) return drop('wrong-subnet', 'client is known, but not on the subnet the request came from');
    return drop('unknown-client', 'no address available');
  },
};
