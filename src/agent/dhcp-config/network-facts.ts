import { QdhcpError } from '../../common/errors.js';
import type { Cidr } from '../../ipam/index.js';
import { cidrContains, cidrSize, parseCidr, parseIp } from '../../ipam/index.js';
import { type AgentNetwork, type AgentPort, ROUTER_INTERFACE_OWNERS, type Subnet } from '../model.js';

/** A subnet with its parsed CIDR. */
export interface SubnetFacts {
  readonly subnet: Subnet;
  readonly cidr: Cidr;
  readonly ipVersion: 4 | 6;
  /** DHCP is served on it and it gets a range (spec §5.2; SLAAC and short IPv6 prefixes get none). */
  readonly hasRange: boolean;
  /** Options are written for it (DHCP enabled, not IPv6 SLAAC; spec §5.5). */
  readonly hasOptions: boolean;
  /** IPv6 `dhcpv6-stateless` address mode: hosts get only a tag line (spec §5.3). */
  readonly stateless: boolean;
  /** IPv6 SLAAC address mode: no host line (spec §5.9). */
  readonly slaac: boolean;
}

/** Derived, read-only facts about one network that every part of the derivation consults. */
export interface NetworkFacts {
  readonly network: AgentNetwork;
  /** All subnets, in model order. */
  readonly subnets: readonly SubnetFacts[];
  readonly byId: ReadonlyMap<string, SubnetFacts>;
  /** Subnet ids that are *not* isolated: a router interface holds their gateway IP (spec §6.1). */
  readonly routed: ReadonlySet<string>;
}

/** Parses a CIDR or throws `NETWORK_MODEL_INVALID` (the derivation refuses the network: input error). */
export function cidrOf(subnet: Subnet): Cidr {
  const parsed = parseCidr(subnet.cidr);
  if (!parsed.ok)
    throw new QdhcpError('NETWORK_MODEL_INVALID', {
      subject: `subnet ${subnet.id}`,
      reason: `bad cidr ${subnet.cidr}: ${parsed.message}`,
    });
  return parsed.value;
}

function subnetFacts(subnet: Subnet): SubnetFacts {
  const cidr = cidrOf(subnet);
  const ipVersion = cidr.version;
  const mode = subnet.ipv6_address_mode ?? null;
  const slaac = ipVersion === 6 && mode === 'slaac';
  const stateless = ipVersion === 6 && mode === 'dhcpv6-stateless';
  const v6RangeMode =
    mode === 'dhcpv6-stateful' || mode === 'dhcpv6-stateless' || (mode === null && !subnet.ipv6_ra_mode);
  const hasRange = subnet.enable_dhcp && (ipVersion === 4 || (v6RangeMode && cidr.prefixLength >= 64));
  return { subnet, cidr, ipVersion, hasRange, hasOptions: subnet.enable_dhcp && !slaac, stateless, slaac };
}

/** True when `ip` (text) lies in the subnet. */
export function subnetContains(facts: SubnetFacts, ip: string): boolean {
  const parsed = parseIp(ip);
  return (
    parsed.ok && parsed.value.version === facts.ipVersion && cidrContains(facts.cidr, parsed.value.value)
  );
}

/** Spec §6.1: a subnet is routed iff a router-interface port holds its gateway IP. */
function routedSubnets(subnets: ReadonlyMap<string, SubnetFacts>, ports: readonly AgentPort[]): Set<string> {
  const routed = new Set<string>();
  for (const port of ports) {
    if (!ROUTER_INTERFACE_OWNERS.has(port.device_owner ?? '')) continue;
    for (const fixed of port.fixed_ips) {
      const facts = subnets.get(fixed.subnet_id);
      if (facts?.subnet.gateway_ip != null && facts.subnet.gateway_ip === fixed.ip_address) {
        routed.add(fixed.subnet_id);
      }
    }
  }
  return routed;
}

/** Computes the facts of a network (validates every CIDR once). */
export function networkFacts(network: AgentNetwork): NetworkFacts {
  const subnets = network.subnets.map(subnetFacts);
  const byId = new Map(subnets.map((facts) => [facts.subnet.id, facts]));
  return { network, subnets, byId, routed: routedSubnets(byId, network.ports) };
}

/** Number of addresses in a CIDR, capped to a safe integer (for `--dhcp-lease-max`). */
export function cidrAddressCount(cidr: Cidr): number {
  const size = cidrSize(cidr);
  return size > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(size);
}
