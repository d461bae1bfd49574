/**
 * The neutral DHCP configuration of one network: what both drivers serve. The `dnsmasq` driver renders it to
 * Neutron's files and command line (render.ts); the `builtin` driver feeds it to the engine through the
 * same dnsmasq parsers (so both mean exactly the same thing). Pure data, built by derive.ts.
 *
 * @module
 */

/** One `--dhcp-range` (spec §5.2): a DHCP-enabled subnet served with static bindings only. */
export interface RangeSpec {
  /** `subnet-<id>`, set on every client of the subnet. */
  readonly tag: string;
  readonly subnetId: string;
  readonly ipVersion: 4 | 6;
  /** Network address (`10.60.0.0`, `2001:db8::`). */
  readonly network: string;
  /** IPv4: dotted netmask (`255.255.255.0`); IPv6: the prefix length as text (`64`). */
  readonly mask: string;
  /** `86400s` or `infinite`. */
  readonly lease: string;
}

/** One static binding (one line of the `host` file, spec §5.3). */
export interface HostSpec {
  readonly portId: string;
  readonly mac: string;
  /** `id:` client identifier from the port's `client-id` extra option. */
  readonly clientId: string | undefined;
  /** Undefined for a DHCPv6-stateless entry that only tags the port (`mac,set:port-<id>`). */
  readonly ip: string | undefined;
  readonly ipVersion: 4 | 6;
  /** The name written (FQDN, spec §5.6); undefined for stateless entries. */
  readonly fqdn: string | undefined;
  /** `port-<id>` when the port has extra options other than client-id. */
  readonly setTag: string | undefined;
}

/** One option line (spec §5.5): `tag:<t>,…,<option>[,<value>…]`. */
export interface OptionLine {
  /** Tags that must be set (`subnet-<id>`, `port-<id>`, an extra `ipxe`). */
  readonly tags: readonly string[];
  /** `option:router`, `option6:dns-server`, or a bare number (`249`). */
  readonly option: string;
  readonly values: readonly string[];
  /** The port it belongs to (per-port lines), for incremental updates. */
  readonly portId: string | undefined;
}

/** One `addn_hosts` line (spec §5.4): `<ip>\t<fqdn> <hostname>`. */
export interface AddnHostSpec {
  readonly portId: string;
  readonly ip: string;
  readonly fqdn: string;
  readonly hostname: string;
}

/** Everything one network is served with. */
export interface DhcpConfig {
  readonly networkId: string;
  readonly ranges: readonly RangeSpec[];
  readonly hosts: readonly HostSpec[];
  /** Per-subnet lines first (in subnet order), then per-port lines (in port order), as Neutron writes them. */
  readonly options: readonly OptionLine[];
  readonly addnHosts: readonly AddnHostSpec[];
  /** Options on the command line, always sent (`--dhcp-option-force`): MTU, T1/T2. */
  readonly forcedOptions: readonly OptionLine[];
  /** `--domain`, when set. */
  readonly domain: string | undefined;
  /** `--dhcp-lease-max`. */
  readonly leaseMax: number;
}
