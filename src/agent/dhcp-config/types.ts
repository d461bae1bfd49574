import type { Ipv4, KindedOptionValue } from '../../dhcp/index.js';
import type { LeaseTime } from '../../dhcp-server/lease-time.js';

/**
 * The typed DHCP configuration of one network: what both drivers serve. The `builtin` driver hands it to
 * the engine directly (engine-input.ts: numbers and option bytes from the option table's encoders); the
 * `dnsmasq` driver renders it to Neutron's files and command line (render.ts), which `qdhcp serve` parses
 * back. A property test (builtin/served-config.property.test.ts) keeps the two edges meaning the same.
 * Pure data, built by derive.ts.
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
  readonly prefixLength: number;
  /** The configured lease, as written on the command line (the engine applies dnsmasq's floor, `servedLease`). */
  readonly lease: LeaseTime;
}

/** One static binding (one line of the `host` file, spec §5.3). */
export type HostSpec = Ipv4HostSpec | Ipv6HostSpec;

interface HostSpecBase {
  readonly portId: string;
  readonly mac: string;
  /** `id:` client identifier from the port's `client-id` extra option. */
  readonly clientId: string | undefined;
  /** `port-<id>` when the port has extra options other than client-id. */
  readonly setTag: string | undefined;
}

/** A DHCPv4 binding: what both drivers serve. */
export interface Ipv4HostSpec extends HostSpecBase {
  readonly ipVersion: 4;
  readonly ip: Ipv4;
  /** The name written (FQDN, spec §5.6). */
  readonly fqdn: string;
}

/** A DHCPv6 entry, which only the dnsmasq driver serves. */
export interface Ipv6HostSpec extends HostSpecBase {
  readonly ipVersion: 6;
  /** Undefined for a DHCPv6-stateless entry that only tags the port (`mac,set:port-<id>`). */
  readonly ip: string | undefined;
  /** Undefined for stateless entries. */
  readonly fqdn: string | undefined;
}

/** A typed option value: one of the option table's kinds with its value (encoded by `encodeKindedValue`). */
export type TypedOptionValue = KindedOptionValue;

/** One option line (spec §5.5): `tag:<t>,…,<option>[,<value>…]`. */
export type OptionLine = TypedOptionLine | TextOptionLine;

/** An option the agent computes itself (router, DNS, routes, MTU, T1/T2): a code and a typed value. */
export interface TypedOptionLine {
  readonly form: 'typed';
  /** Tags that must be set (`subnet-<id>`). */
  readonly tags: readonly string[];
  readonly code: number;
  /** How Neutron writes the option: `option:<name>`, or the bare number (`249`). */
  readonly spelling: 'name' | 'number';
  readonly value: TypedOptionValue;
  readonly portId: string | undefined;
}

/**
 * An option whose value is dnsmasq text by contract: a port's `extra_dhcp_opts` (the API passes them to
 * dnsmasq as written), IPv6 options (`option6:`), and IPv4 values that did not parse as addresses.
 */
export interface TextOptionLine {
  readonly form: 'text';
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
