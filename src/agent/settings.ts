import type { AgentPort } from './model.js';

/**
 * Agent configuration that shapes DHCP (spec §4.1 names in brackets). Validated at the edge (the CLI);
 * the derivation trusts it.
 */
export interface DhcpSettings {
  /** `dns_domain`: hostname suffix and option 15; empty = none (default `openstacklocal`). */
  readonly dnsDomain: string;
  /** `dhcp_lease_duration` in seconds; −1 = infinite (default 86400). */
  readonly leaseSeconds: number;
  /** `enable_isolated_metadata` (Neutron's default false; the agent's option defaults to true, agent-config.ts). */
  readonly enableIsolatedMetadata: boolean;
  /** `force_metadata` (default false). */
  readonly forceMetadata: boolean;
  /** `dnsmasq_lease_max` (default 2^24). */
  readonly leaseMaxCap: number;
  /** `dhcp_renewal_time` / `dhcp_rebinding_time` in seconds; 0 = let the server compute them. */
  readonly renewalSeconds: number;
  readonly rebindingSeconds: number;
  /**
   * DNS served in the DHCP namespace on the DHCP port's addresses, as Neutron's dnsmasq does (on by
   * default). Then a subnet without `dns_nameservers` gets the DHCP port's address as DNS server
   * (spec §5.5, §5.10). Off is dnsmasq `--port=0`: no DNS, and no "use me" default.
   */
  readonly dnsEnabled: boolean;
  /** `dnsmasq_dns_servers`: upstreams for names outside the network (`IP[#port]`); empty → REFUSED. */
  readonly dnsServers: readonly string[];
}

/** Neutron's defaults (spec §4.1): DNS served, no upstreams. */
export const DEFAULT_DHCP_SETTINGS: DhcpSettings = Object.freeze({
  dnsDomain: 'openstacklocal',
  leaseSeconds: 86400,
  enableIsolatedMetadata: false,
  forceMetadata: false,
  leaseMaxCap: 2 ** 24,
  renewalSeconds: 0,
  rebindingSeconds: 0,
  dnsEnabled: true,
  dnsServers: [],
});

/** What the derivation needs besides the network: settings and this agent's DHCP port on it (spec §4.14). */
export interface DhcpContext {
  readonly settings: DhcpSettings;
  /** The agent's own DHCP port (device_owner `network:dhcp`); its addresses are the server's. */
  readonly dhcpPort: AgentPort | undefined;
}
