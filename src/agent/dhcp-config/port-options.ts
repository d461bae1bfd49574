import { type AgentPort, isClientIdOption, optionIpVersion } from '../model.js';
import { usableExtraOptions } from './hosts.js';
import type { NetworkFacts } from './network-facts.js';
import { addressOption, formatOption } from './option-lines.js';
import type { OptionLine } from './types.js';

const DHCP_OWNER = 'network:dhcp';
const OPTION_DNS_SERVER = 6;

/**
 * Per-port option lines (spec §5.5, "per-port lines"): every extra option except client-id, tagged
 * `port-<id>`, kept only when the port has a fixed IP of the option's IP version.
 */
export function portOptionLines(port: AgentPort, facts: NetworkFacts): OptionLine[] {
  const options = usableExtraOptions(port);
  if (options.length === 0) return [];
  const versions = new Set<number>();
  for (const fixed of port.fixed_ips) {
    const subnet = facts.byId.get(fixed.subnet_id);
    versions.add(subnet?.ipVersion ?? (fixed.ip_address.includes(':') ? 6 : 4));
  }
  const lines: OptionLine[] = [];
  for (const option of options) {
    if (isClientIdOption(option)) continue;
    const version = optionIpVersion(option);
    if (!versions.has(version)) continue;
    lines.push(
      formatOption(version, [`port-${port.id}`], option.opt_name, [option.opt_value ?? ''], port.id),
    );
  }
  return lines;
}

/**
 * Spec §5.5 per-port step 3: on a subnet without `dns_nameservers` served by several DHCP agents, tell
 * clients every agent's address (`tag:subnet-<id>,option:dns-server,<ip1>,<ip2>`). One agent needs no line.
 */
export function multiAgentDnsLines(ports: readonly AgentPort[], facts: NetworkFacts): OptionLine[] {
  const bySubnet = new Map<string, string[]>();
  for (const port of ports) {
    if (port.device_owner !== DHCP_OWNER) continue;
    for (const fixed of port.fixed_ips) {
      const subnet = facts.byId.get(fixed.subnet_id);
      if (subnet === undefined || !subnet.hasOptions || subnet.subnet.dns_nameservers.length > 0) continue;
      const list = bySubnet.get(fixed.subnet_id) ?? [];
      list.push(fixed.ip_address);
      bySubnet.set(fixed.subnet_id, list);
    }
  }
  const lines: OptionLine[] = [];
  for (const [subnetId, addresses] of bySubnet) {
    if (addresses.length < 2) continue;
    const version = facts.byId.get(subnetId)?.ipVersion ?? 4;
    const tags = [`subnet-${subnetId}`];
    lines.push(
      version === 4
        ? addressOption(tags, OPTION_DNS_SERVER, 'dns-server', addresses)
        : formatOption(
            6,
            tags,
            'dns-server',
            addresses.map((address) => `[${address}]`),
          ),
    );
  }
  return lines;
}
