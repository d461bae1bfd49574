/**
 * What a router sends on one `qr-` interface (issue 15, docs/routers.md "IPv6"): the router advertisement
 * Neutron's L3 agent has radvd send (neutron/agent/linux/ra.py's radvd.conf), for the subnets of the port
 * that subnet-advertiser.ts gives to the router (`ipv6_ra_mode` set; the port is their router interface):
 *
 * - MinRtrAdvInterval 30 s, MaxRtrAdvInterval 100 s (Neutron's `min_rtr_adv_interval`/`max_rtr_adv_interval`
 *   defaults); router lifetime radvd's default 3 × MaxRtrAdvInterval = 300 s;
 * - M when a subnet is `dhcpv6-stateful`, O when one is `dhcpv6-stateless` (AdvManagedFlag,
 *   AdvOtherConfigFlag as ra.py sets them);
 * - one prefix per subnet, on-link, A for slaac and dhcpv6-stateless, not for dhcpv6-stateful; radvd's
 *   lifetimes (valid 86400 s, preferred 14400 s);
 * - MTU of the network when ≥ 1280 (AdvLinkMTU);
 * - RDNSS: the `dns_nameservers` of the port's slaac subnets, at most 3 (ra.py's MAX_RDNSS_ENTRIES), with
 *   radvd's lifetime 2 × MaxRtrAdvInterval.
 *
 * Pure. The final advertisement of an interface or router that goes is the same with router lifetime 0.
 *
 * @module
 */
import type { RaPrefix, RouterAdvertisement } from '../../dhcpv6/index.js';
import { parseCidr, parseIp } from '../../ipam/index.js';
import { PREFERRED_SECONDS, VALID_SECONDS } from '../drivers/router-advertisements/advertisement-of.js';
import { subnetAdvertiser } from '../drivers/router-advertisements/subnet-advertiser.js';
import type { RouterPortSpec } from './router-spec.js';

/** Neutron's `min_rtr_adv_interval` and `max_rtr_adv_interval` defaults (neutron/conf/agent/common.py). */
export const ROUTER_MIN_ADVERTISEMENT_INTERVAL_SECONDS = 30;
export const ROUTER_MAX_ADVERTISEMENT_INTERVAL_SECONDS = 100;
/** radvd's AdvDefaultLifetime default: 3 × MaxRtrAdvInterval. */
export const ROUTER_LIFETIME_SECONDS = 3 * ROUTER_MAX_ADVERTISEMENT_INTERVAL_SECONDS;
/** IPV6_MIN_MTU: ra.py writes AdvLinkMTU only from it up. */
const IPV6_MIN_MTU = 1280;
const MAX_RDNSS_ENTRIES = 3;

function ipv6(text: string): bigint | undefined {
  const parsed = parseIp(text);
  return parsed.ok && parsed.value.version === 6 ? parsed.value.value : undefined;
}

/** The advertisement of the router interface `port`; undefined when none of its subnets is advertised. */
export function routerInterfaceAdvertisement(port: RouterPortSpec): RouterAdvertisement | undefined {
  const prefixes: RaPrefix[] = [];
  const dns: bigint[] = [];
  let managed = false;
  let other = false;
  for (const address of port.addresses) {
    const facts = { ip_version: address.ipVersion, ipv6_ra_mode: address.ipv6RaMode };
    if (subnetAdvertiser(facts, true) !== 'router') continue;
    const cidr = parseCidr(address.cidr);
    if (!cidr.ok || cidr.value.version !== 6) continue;
    const mode = address.ipv6RaMode;
    managed ||= mode === 'dhcpv6-stateful';
    other ||= mode === 'dhcpv6-stateless';
    prefixes.push({
      prefix: cidr.value.network,
      length: cidr.value.prefixLength,
      autonomous: mode === 'slaac' || mode === 'dhcpv6-stateless',
      validSeconds: VALID_SECONDS,
      preferredSeconds: PREFERRED_SECONDS,
    });
    if (mode !== 'slaac') continue;
    for (const server of (address.dnsNameservers ?? []).map(ipv6)) {
      if (server !== undefined && !dns.includes(server) && dns.length < MAX_RDNSS_ENTRIES) dns.push(server);
    }
  }
  if (prefixes.length === 0) return undefined;
  return {
    managed,
    other,
    routerLifetimeSeconds: ROUTER_LIFETIME_SECONDS,
    prefixes,
    ...(port.mtu >= IPV6_MIN_MTU ? { mtu: port.mtu } : {}),
    dnsServers: dns,
    dnsLifetimeSeconds: 2 * ROUTER_MAX_ADVERTISEMENT_INTERVAL_SECONDS,
    sourceMac: Uint8Array.from(port.macAddress.split(':').map((octet) => Number.parseInt(octet, 16))),
  };
}
