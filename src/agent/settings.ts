import type { Port } from './model.js';

/**
 * Agent configuration that shapes DHCP (spec §4.1 names in brackets). Validated at the edge (the CLI);
 * the derivation trusts it.
 */
export interface DhcpSettings {
  /** `dns_domain`: hostname suffix and option 15; empty = none (default `openstacklocal`). */
  readonly dnsDomain: string;
  /** `dhcp_lease_duration` in seconds; −1 = infinite (default 86400). */
  readonly leaseSeconds: number;
  /** `enable_isolated_metadata` (default false). */
  readonly enableIsolatedMetadata: boolean;
  /** `force_metadata` (default false). */
  readonly forceMetadata: boolean;
  /** `dnsmasq_lease_max` (default 2^24). */
  readonly leaseMaxCap: number;
  /** `dhcp_renewal_time` / `dhcp_rebinding_time` in seconds; 0 = let the server compute them. */
  readonly renewalSeconds: number;
  readonly rebindingSeconds: number;
  /**
   * DNS served by the DHCP namespace. Off until the DNS responder is wired into the agent: both drivers
   * then behave like dnsmasq `--port=0` (no DNS, and no "use me as DNS server" default), see docs/agent.md.
   */
  readonly dnsEnabled: boolean;
}

/** Neutron's defaults (spec §4.1), with DNS off (see {@link DhcpSettings.dnsEnabled}). */
export const DEFAULT_DHCP_SETTINGS: DhcpSettings = Object.freeze({
  dnsDomain: 'openstacklocal',
  leaseSeconds: 86400,
  enableIsolatedMetadata: false,
  forceMetadata: false,
  leaseMaxCap: 2 ** 24,
  renewalSeconds: 0,
  rebindingSeconds: 0,
  dnsEnabled: false,
});

/** What the derivation needs besides the network: settings and this agent's DHCP port on it (spec §4.14). */
export interface DhcpContext {
  readonly settings: DhcpSettings;
  /** The agent's own DHCP port (device_owner `network:dhcp`); its addresses are the server's. */
  readonly dhcpPort: Port | undefined;
}
