/**
 * THE option table: one row per DHCPv4 option the project knows, from which names, typed getters and
 * dnsmasq-style text parsing are derived. `name` is the name dnsmasq 2.90 uses (`dnsmasq --help dhcp`, plus
 * its internal names such as `server-identifier`), which Neutron writes in opts files as `option:<name>`;
 * options dnsmasq has no name for have `name: undefined` and a `label` for logs only.
 *
 * `kind` selects the value codec (option-values.ts). `text` says how dnsmasq parses a configured value:
 * `address` (IPv4 list only), `name` (text, never numbers/hex), `time` (uint32 seconds with w/d/h/m/s
 * suffixes), a fixed byte width for numbers, or `generic` (dnsmasq's inference: hex, decimal, addresses,
 * string). Sources: RFC 2132, RFC 3046, RFC 3397, RFC 3442, RFC 4833, RFC 5859, RFC 8925, dnsmasq dhcp-common.c.
 */
import type { Ipv4 } from '../common/ipv4.js';
import type { ClasslessRoute } from './routes.js';
import type { MessageTypeName } from './types.js';

export type { ClasslessRoute } from './routes.js';

/** A Relay Agent Information sub-option (RFC 3046 §2.0), kept raw: 1 = circuit id, 2 = remote id. */
export interface RelaySubOption {
  readonly code: number;
  readonly value: Uint8Array;
}

/** Decoded value type of each option kind. */
export interface OptionKindValues {
  /** One IPv4 address (uint32, see ipv4.ts), 4 bytes. */
  ipv4: Ipv4;
  /** One or more IPv4 addresses, 4n bytes (pairs for 21/33 are kept as a flat list). */
  'ipv4-list': readonly Ipv4[];
  uint8: number;
  uint16: number;
  uint32: number;
  /** Signed 32-bit, for time-offset (RFC 2132 §3.4). */
  int32: number;
  /** Latin1 text; trailing NULs some clients add are dropped on decode. */
  string: string;
  /** One byte, 0 or 1. */
  bool: boolean;
  /** Opaque bytes (client id, vendor data, unknown options). */
  bytes: Uint8Array;
  /** Option 53 (RFC 2132 §9.6). */
  'message-type': MessageTypeName;
  /** Option 55: option codes, one byte each (RFC 2132 §9.8). */
  'parameter-list': readonly number[];
  /** RFC 3442 descriptors (options 121 and 249). */
  routes: readonly ClasslessRoute[];
  /** RFC 3397 / RFC 1035 §4.1.4 names, compression allowed; without the trailing dot. */
  'domain-list': readonly string[];
  /** RFC 3046 sub-options, raw. */
  'relay-agent-info': readonly RelaySubOption[];
}

export type OptionKind = keyof OptionKindValues;

/** A value tagged with its kind, e.g. `{ kind: 'routes', value: [...] }`: a typed option value on its own. */
export type KindedOptionValue = {
  readonly [K in OptionKind]: { readonly kind: K; readonly value: OptionKindValues[K] };
}[OptionKind];

/** How dnsmasq reads a configured value for this option (see the module comment). */
export type OptionTextRule = 'address' | 'name' | 'time' | 'generic' | 1 | 2 | 4;

/** One row of the option table. */
export interface OptionDefinition {
  readonly code: number;
  /** dnsmasq's name, or undefined when dnsmasq has none. */
  readonly name: string | undefined;
  /** Name used in logs: `name` when defined. */
  readonly label: string;
  readonly kind: OptionKind;
  readonly text: OptionTextRule;
}

function row<const C extends number, const K extends OptionKind>(
  code: C,
  name: string | undefined,
  kind: K,
  text: OptionTextRule,
  label?: string,
): {
  readonly code: C;
  readonly name: string | undefined;
  readonly label: string;
  readonly kind: K;
  readonly text: OptionTextRule;
} {
  return { code, name, label: name ?? label ?? `option-${code}`, kind, text };
}

/** Every known option, in code order. */
export const OPTION_TABLE = [
  row(1, 'netmask', 'ipv4', 'address'),
  row(2, 'time-offset', 'int32', 4),
  row(3, 'router', 'ipv4-list', 'address'),
  row(4, undefined, 'ipv4-list', 'address', 'time-server'),
  row(5, undefined, 'ipv4-list', 'address', 'name-server'),
  row(6, 'dns-server', 'ipv4-list', 'address'),
  row(7, 'log-server', 'ipv4-list', 'address'),
  row(8, undefined, 'ipv4-list', 'address', 'cookie-server'),
  row(9, 'lpr-server', 'ipv4-list', 'address'),
  row(12, 'hostname', 'string', 'name'),
  row(13, 'boot-file-size', 'uint16', 2),
  row(14, undefined, 'string', 'name', 'merit-dump'),
  row(15, 'domain-name', 'string', 'name'),
  row(16, 'swap-server', 'ipv4', 'address'),
  row(17, 'root-path', 'string', 'name'),
  row(18, 'extension-path', 'string', 'name'),
  row(19, 'ip-forward-enable', 'bool', 1),
  row(20, 'non-local-source-routing', 'bool', 1),
  row(21, 'policy-filter', 'ipv4-list', 'address'),
  row(22, 'max-datagram-reassembly', 'uint16', 2),
  row(23, 'default-ttl', 'uint8', 1),
  row(24, undefined, 'uint32', 4, 'path-mtu-aging-timeout'),
  row(26, 'mtu', 'uint16', 2),
  row(27, 'all-subnets-local', 'bool', 1),
  row(28, 'broadcast', 'ipv4', 'address'),
  row(31, 'router-discovery', 'bool', 1),
  row(32, 'router-solicitation', 'ipv4', 'address'),
  row(33, 'static-route', 'ipv4-list', 'address'),
  row(34, 'trailer-encapsulation', 'bool', 1),
  row(35, 'arp-timeout', 'uint32', 4),
  row(36, 'ethernet-encap', 'bool', 1),
  row(37, 'tcp-ttl', 'uint8', 1),
  row(38, 'tcp-keepalive', 'uint32', 4),
  row(40, 'nis-domain', 'string', 'name'),
  row(41, 'nis-server', 'ipv4-list', 'address'),
  row(42, 'ntp-server', 'ipv4-list', 'address'),
  row(43, 'vendor-encap', 'bytes', 'generic'),
  row(44, 'netbios-ns', 'ipv4-list', 'address'),
  row(45, 'netbios-dd', 'ipv4-list', 'address'),
  row(46, 'netbios-nodetype', 'uint8', 1),
  row(47, 'netbios-scope', 'bytes', 'generic'),
  row(48, 'x-windows-fs', 'ipv4-list', 'address'),
  row(49, 'x-windows-dm', 'ipv4-list', 'address'),
  row(50, 'requested-address', 'ipv4', 'address'),
  row(51, 'lease-time', 'uint32', 'time'),
  row(52, 'option-overload', 'uint8', 1),
  row(53, 'message-type', 'message-type', 1),
  row(54, 'server-identifier', 'ipv4', 'address'),
  row(55, 'parameter-request', 'parameter-list', 'generic'),
  row(56, 'message', 'string', 'name'),
  row(57, 'max-message-size', 'uint16', 2),
  row(58, 'T1', 'uint32', 'time'),
  row(59, 'T2', 'uint32', 'time'),
  row(60, 'vendor-class', 'bytes', 'generic'),
  row(61, 'client-id', 'bytes', 'generic'),
  row(64, 'nis+-domain', 'string', 'name'),
  row(65, 'nis+-server', 'ipv4-list', 'address'),
  row(66, 'tftp-server', 'string', 'name'),
  row(67, 'bootfile-name', 'string', 'name'),
  row(68, 'mobile-ip-home', 'ipv4-list', 'address'),
  row(69, 'smtp-server', 'ipv4-list', 'address'),
  row(70, 'pop3-server', 'ipv4-list', 'address'),
  row(71, 'nntp-server', 'ipv4-list', 'address'),
  row(74, 'irc-server', 'ipv4-list', 'address'),
  row(77, 'user-class', 'bytes', 'generic'),
  row(80, 'rapid-commit', 'bytes', 'generic'),
  row(81, 'FQDN', 'bytes', 'generic'),
  row(82, 'agent-id', 'relay-agent-info', 'generic'),
  row(93, 'client-arch', 'uint16', 2),
  row(94, 'client-interface-id', 'bytes', 'generic'),
  row(97, 'client-machine-id', 'bytes', 'generic'),
  row(100, 'posix-timezone', 'string', 'name'),
  row(101, 'tzdb-timezone', 'string', 'name'),
  row(108, 'ipv6-only', 'uint32', 4),
  row(118, 'subnet-select', 'ipv4', 'address'),
  row(119, 'domain-search', 'domain-list', 'name'),
  row(120, 'sip-server', 'bytes', 'generic'),
  row(121, 'classless-static-route', 'routes', 'generic'),
  row(125, 'vendor-id-encap', 'bytes', 'generic'),
  row(150, 'tftp-server-address', 'ipv4-list', 'address'),
  row(249, undefined, 'routes', 'generic', 'ms-classless-static-route'),
  // Not an option on the wire: dnsmasq's internal name for the reply's siaddr (dhcp-common.c opttab), which
  // is how Ironic sets the TFTP server's address (extra_dhcp_opts `255` / `server-ip-address`).
  row(255, 'server-ip-address', 'ipv4-list', 'address'),
] as const;

/** Codes in the table. */
export type KnownOptionCode = (typeof OPTION_TABLE)[number]['code'];

/** The decoded value type of a known option code, e.g. `OptionValue<121>` is `readonly ClasslessRoute[]`. */
export type OptionValue<C extends KnownOptionCode> = OptionKindValues[Extract<
  (typeof OPTION_TABLE)[number],
  { readonly code: C }
>['kind']];

const BY_CODE: ReadonlyMap<number, OptionDefinition> = new Map(OPTION_TABLE.map((d) => [d.code, d]));
const BY_NAME: ReadonlyMap<string, OptionDefinition> = new Map(
  OPTION_TABLE.filter((d) => d.name !== undefined).map((d) => [d.name!.toLowerCase(), d]),
);

/** The table row for a code, or undefined for options the table does not know. */
export function optionByCode(code: number): OptionDefinition | undefined {
  return BY_CODE.get(code);
}

/**
 * The table row for a dnsmasq option name (case-insensitive, as dnsmasq's `lookup_dhcp_opt` uses
 * `strcasecmp`); an `option:` prefix is accepted. Undefined for unknown names.
 */
export function optionByName(name: string): OptionDefinition | undefined {
  const bare = name.startsWith('option:') ? name.slice(7) : name;
  return BY_NAME.get(bare.toLowerCase());
}

/** A name for logs: the dnsmasq name, a descriptive label, or `option-<code>`; never a bare number. */
export function optionName(code: number): string {
  return BY_CODE.get(code)?.label ?? `option-${code}`;
}
