/**
 * A port's `extra_dhcp_opts` with `ip_version` 6, read into what the engine sends. Neutron hands them to
 * dnsmasq as `option6:<name>,<value>`; qdhcp serves the two Neutron's docs and tempest use, `dns-server`
 * (23) and `domain-search` (24), by name, as `option6:` names or by number. Anything else is reported as
 * ignored (logged by the caller), never an error: a bad option must not cost the client its address.
 */
import { isEncodableName } from '../dhcpv6/index.js';
import { parseIp } from '../ipam/index.js';
import type { ExtraOption6 } from './types.js';

export interface PortOptions6 {
  readonly dnsServers: readonly bigint[] | undefined;
  readonly domains: readonly string[] | undefined;
  readonly ignored: readonly string[];
}

const NAMES: Readonly<Record<string, 'dns-server' | 'domain-search'>> = {
  'dns-server': 'dns-server',
  'option6:dns-server': 'dns-server',
  '23': 'dns-server',
  'option6:23': 'dns-server',
  'domain-search': 'domain-search',
  'option6:domain-search': 'domain-search',
  '24': 'domain-search',
  'option6:24': 'domain-search',
};

/** dnsmasq writes IPv6 option values in brackets (`[2001:db8::1]`); both forms are accepted. */
function unbracket(text: string): string {
  const trimmed = text.trim();
  return trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
}

/** Reads the options; the last of each name wins, as in dnsmasq's opts file. */
export function readPortOptions(options: readonly ExtraOption6[]): PortOptions6 {
  let dnsServers: bigint[] | undefined;
  let domains: string[] | undefined;
  const ignored: string[] = [];
  for (const { name, value } of options) {
    const kind = NAMES[name.trim().toLowerCase()];
    const parts = value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
    if (kind === 'dns-server') {
      const addresses: bigint[] = [];
      for (const part of parts) {
        const parsed = parseIp(unbracket(part));
        if (parsed.ok && parsed.value.version === 6) addresses.push(parsed.value.value);
        else ignored.push(`${name}: '${part}' is not an IPv6 address`);
      }
      dnsServers = addresses;
    } else if (kind === 'domain-search') {
      const valid = parts.filter((part) => isEncodableName(part));
      for (const part of parts)
        if (!valid.includes(part)) ignored.push(`${name}: '${part}' is not a domain name`);
      domains = valid;
    } else {
      ignored.push(`${name}: not served over DHCPv6 by qdhcp (dns-server and domain-search are)`);
    }
  }
  return { dnsServers, domains, ignored };
}
