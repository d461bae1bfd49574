import { parseIpv4 } from '../../dhcp/index.js';
import { type AgentPort, isClientIdOption, portNeedsDhcp } from '../model.js';
import type { DhcpContext } from '../settings.js';
import type { NetworkFacts } from './network-facts.js';
import type { AddnHostSpec, HostSpec } from './types.js';

/** Hostname and FQDN of one allocation (spec §5.6). */
export interface AllocationName {
  readonly hostname: string;
  readonly fqdn: string;
}

/**
 * Spec §5.6: the port's `dns_assignment` entry for this address (verbatim), else
 * `host-<ip with . and : as ->` plus `.<dns_domain>` when a domain is configured.
 */
export function allocationName(port: AgentPort, ip: string, dnsDomain: string): AllocationName {
  const assigned = port.dns_assignment?.find((entry) => entry.ip_address === ip);
  if (assigned !== undefined) return { hostname: assigned.hostname, fqdn: assigned.fqdn };
  const hostname = `host-${ip.replace(/[.:]/g, '-')}`;
  return { hostname, fqdn: dnsDomain.length > 0 ? `${hostname}.${dnsDomain}` : hostname };
}

/** Usable extra options: a null or empty value means "not set" (spec §1.6). */
export function usableExtraOptions(port: AgentPort): NonNullable<AgentPort['extra_dhcp_opts']> {
  return (port.extra_dhcp_opts ?? []).filter((option) => option.opt_value !== null);
}

/** The `client-id` extra option's value, if the port has one (spec §1.6, §5.3). */
export function portClientId(port: AgentPort): string | undefined {
  const option = usableExtraOptions(port).find(isClientIdOption);
  return option?.opt_value ?? undefined;
}

/**
 * Host entries of one port (spec §5.3): one per fixed IP on a DHCP-enabled subnet, DHCPv6-stateless
 * allocations first (dnsmasq scans entries from the end); SLAAC and stateless-without-options get none.
 * Ports that need no DHCP (spec §4.7) get none.
 */
export function hostsForPort(port: AgentPort, facts: NetworkFacts, context: DhcpContext): HostSpec[] {
  if (!portNeedsDhcp(port)) return [];
  const options = usableExtraOptions(port);
  const clientId = portClientId(port);
  const hasOtherOptions = clientId === undefined ? options.length > 0 : options.length > 1;
  const setTag = hasOtherOptions ? `port-${port.id}` : undefined;
  const stateless: HostSpec[] = [];
  const addressed: HostSpec[] = [];
  for (const fixed of port.fixed_ips) {
    const subnet = facts.byId.get(fixed.subnet_id);
    if (subnet === undefined || !subnet.subnet.enable_dhcp || subnet.slaac) continue;
    if (subnet.stateless) {
      if (setTag !== undefined) {
        stateless.push({
          portId: port.id,
          mac: port.mac_address,
          clientId: undefined,
          ip: undefined,
          ipVersion: 6,
          fqdn: undefined,
          setTag,
        });
      }
      continue;
    }
    const fqdn = allocationName(port, fixed.ip_address, context.settings.dnsDomain).fqdn;
    const mac = port.mac_address;
    // Object literals of one shape each (not spreads): this runs for every port of a network on load.
    if (subnet.ipVersion === 6) {
      addressed.push({ portId: port.id, mac, clientId, ip: fixed.ip_address, ipVersion: 6, fqdn, setTag });
      continue;
    }
    // IPAM only hands out valid addresses inside the subnet; one that is not IPv4 cannot be served.
    const ip = parseIpv4(fixed.ip_address);
    if (ip !== undefined) addressed.push({ portId: port.id, mac, clientId, ip, ipVersion: 4, fqdn, setTag });
  }
  return [...stateless, ...addressed];
}

/** `addn_hosts` entries of one port (spec §5.4): every fixed IP, on every subnet. */
export function addnHostsForPort(port: AgentPort, context: DhcpContext): AddnHostSpec[] {
  if (!portNeedsDhcp(port)) return [];
  return port.fixed_ips.map((fixed) => {
    const name = allocationName(port, fixed.ip_address, context.settings.dnsDomain);
    return { portId: port.id, ip: fixed.ip_address, fqdn: name.fqdn, hostname: name.hostname };
  });
}
