/**
 * What DHCPv6 service a subnet gets from its Neutron modes: Neutron's DHCP agent table (spec §5.9), with
 * the combinations its API refuses (spec §1.4 rule 7, `validateIpv6Modes` in `ipam/`) served as nothing.
 */
import { type Cidr, parseCidr, validateIpv6Modes } from '../ipam/index.js';
import type { Dhcpv6Subnet } from './types.js';

/**
 * - `stateful`: addresses (the port's fixed IPv6 address, static) plus DNS and domain — `ipv6_address_mode`
 *   `dhcpv6-stateful`, or no mode at all (dnsmasq's static range and address lines, spec §5.9);
 * - `stateless`: Information-Request answered with DNS and domain, Solicit ignored — `dhcpv6-stateless`;
 * - `none`: nothing — `slaac` (addresses from router advertisements), an `ipv6_ra_mode` alone (Neutron writes
 *   no dhcp-range then), DHCP disabled, or a combination Neutron's API refuses.
 */
export type SubnetService =
  | { readonly kind: 'stateful' | 'stateless'; readonly cidr: Cidr }
  | { readonly kind: 'none'; readonly why: string };

/** The service of one subnet (see {@link SubnetService}). */
export function subnetService(subnet: Dhcpv6Subnet): SubnetService {
  const parsed = parseCidr(subnet.cidr);
  if (!parsed.ok) return { kind: 'none', why: parsed.message };
  const cidr = parsed.value;
  if (cidr.version !== 6) return { kind: 'none', why: `${subnet.cidr} is not an IPv6 subnet` };
  const modes = { ipv6AddressMode: subnet.ipv6AddressMode, ipv6RaMode: subnet.ipv6RaMode };
  const valid = validateIpv6Modes(cidr, modes, subnet.enableDhcp);
  if (!valid.ok) return { kind: 'none', why: `refused by Neutron: ${valid.message}` };
  if (!subnet.enableDhcp) return { kind: 'none', why: 'enable_dhcp is false' };
  switch (subnet.ipv6AddressMode) {
    case 'dhcpv6-stateful':
      return { kind: 'stateful', cidr };
    case 'dhcpv6-stateless':
      return { kind: 'stateless', cidr };
    case 'slaac':
      return { kind: 'none', why: 'ipv6_address_mode slaac: addresses come from router advertisements' };
    case null:
      return subnet.ipv6RaMode === null
        ? { kind: 'stateful', cidr }
        : {
            kind: 'none',
            why: `only ipv6_ra_mode (${subnet.ipv6RaMode}) is set: Neutron runs no DHCPv6 range`,
          };
  }
}
