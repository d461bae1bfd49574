import { encodeKindedValue, formatIpv4, optionByCode, prefixToMask } from '../../dhcp/index.js';
import { NEUTRON_CLIENT_MATCHES } from '../../dhcp-server/client-match.js';
import { clientMatchArgument } from '../../dhcp-server/dnsmasq/client-match-args.js';
import { leaseTimeText } from '../../dhcp-server/lease-time.js';
import type {
  DhcpConfig,
  HostSpec,
  OptionLine,
  RangeSpec,
  TypedOptionLine,
  TypedOptionValue,
} from './types.js';

/**
 * The dnsmasq edge of the typed configuration: every text dnsmasq reads (files and command line) is
 * written here, and only here. `qdhcp serve` parses the same text back (dhcp-server/dnsmasq/).
 */

/** The opts-file text of one line: `tag:a,tag:b,option:name,v1,v2`. */
export function optionLineText(line: OptionLine): string {
  const option = line.form === 'text' ? line.option : typedOptionName(line);
  const values = line.form === 'text' ? line.values : typedValueText(line.code, line.value);
  return [...line.tags.map((tag) => `tag:${tag}`), option, ...values].join(',');
}

function typedOptionName(line: TypedOptionLine): string {
  const name = optionByCode(line.code)?.name;
  return line.spelling === 'number' || name === undefined ? String(line.code) : `option:${name}`;
}

/** A typed value as dnsmasq reads it back for this option (addresses, `a.b.c.d/len,router`, `600s`). */
function typedValueText(code: number, value: TypedOptionValue): readonly string[] {
  switch (value.kind) {
    case 'ipv4':
      return [formatIpv4(value.value)];
    case 'ipv4-list':
      return value.value.map(formatIpv4);
    case 'routes':
      return value.value.flatMap((route) => [
        `${formatIpv4(route.destination)}/${route.prefixLength}`,
        formatIpv4(route.router),
      ]);
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'int32':
      // Time options (lease, T1, T2) are written with dnsmasq's seconds suffix, as Neutron does.
      return [optionByCode(code)?.text === 'time' ? `${value.value}s` : String(value.value)];
    default: {
      // Kinds the agent does not produce: hex bytes, which dnsmasq reads back as the same bytes.
      const bytes = encodeKindedValue(value);
      return [Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(':')];
    }
  }
}

/** One `host` file line (spec §5.3). IPv6 lines carry `tag:dhcpv6,` (dnsmasq ≥ 2.81 accepts it). */
export function hostLineText(host: HostSpec): string {
  const tag = host.ipVersion === 6 ? 'tag:dhcpv6,' : '';
  if (host.ip === undefined) return `${host.mac},${tag}set:${host.setTag ?? ''}`;
  const id = host.clientId === undefined ? '' : `id:${host.clientId},`;
  const ip = host.ipVersion === 6 ? `[${host.ip}]` : formatIpv4(host.ip);
  const set = host.setTag === undefined ? '' : `,set:${host.setTag}`;
  return `${host.mac},${tag}${id}${host.fqdn ?? ''},${ip}${set}`;
}

/** The `host` file (`--dhcp-hostsfile`): one line per entry, ending with a newline (observed doc §3). */
export function renderHostsFile(config: DhcpConfig): string {
  return config.hosts.map((host) => `${hostLineText(host)}\n`).join('');
}

/** The `addn_hosts` file: `<ip>\t<fqdn> <hostname>` per line, FQDN first for reverse lookups (spec §5.4). */
export function renderAddnHostsFile(config: DhcpConfig): string {
  return config.addnHosts.map((entry) => `${entry.ip}\t${entry.fqdn} ${entry.hostname}\n`).join('');
}

/** The `opts` file (`--dhcp-optsfile`): lines joined with `\n`, no trailing newline (spec §5.5). */
export function renderOptsFile(config: DhcpConfig): string {
  return config.options.map(optionLineText).join('\n');
}

/** A `--dhcp-range` value: `set:subnet-<id>,<network>,static,<mask or prefix>,<lease>` (spec §5.2). */
export function rangeText(range: RangeSpec): string {
  const mask =
    range.ipVersion === 4 ? formatIpv4(prefixToMask(range.prefixLength)) : String(range.prefixLength);
  return `set:${range.tag},${range.network},static,${mask},${leaseTimeText(range.lease)}`;
}

const OPTION_MTU = 26;

/** Where the dnsmasq driver keeps one network's files (Neutron's `<dhcp_confs>/<network id>/`). */
export interface DnsmasqPaths {
  readonly directory: string;
  readonly pid: string;
  readonly hosts: string;
  readonly addnHosts: string;
  readonly opts: string;
  readonly leases: string;
  readonly interface: string;
}

/** The file names of spec §4.16 under one directory. */
export function dnsmasqPaths(directory: string): DnsmasqPaths {
  return {
    directory,
    pid: `${directory}/pid`,
    hosts: `${directory}/host`,
    addnHosts: `${directory}/addn_hosts`,
    opts: `${directory}/opts`,
    leases: `${directory}/leases`,
    interface: `${directory}/interface`,
  };
}

/** Extra switches of our dnsmasq command line (not Neutron's defaults). */
export interface DnsmasqCommandOptions {
  /** `--port=0` when DNS is not served (see DhcpSettings.dnsEnabled). */
  readonly dnsEnabled: boolean;
  /** `-k`: stay in the foreground so the driver supervises the process by its own PID. */
  readonly foreground: boolean;
  /** `--dhcp-broadcast` (`dhcp_broadcast_reply`). */
  readonly broadcastReplies?: boolean;
  /** `--server=` upstreams (`dnsmasq_dns_servers`). */
  readonly dnsServers?: readonly string[];
}

/**
 * The dnsmasq arguments Neutron uses (spec §5.2, observed doc §2), in Neutron's order, plus `-k` and
 * `--port=0` when asked (placed after the Neutron arguments so the Neutron part stays byte-comparable).
 */
export function dnsmasqArguments(
  config: DhcpConfig,
  paths: DnsmasqPaths,
  options: DnsmasqCommandOptions,
): string[] {
  const args = [
    '--no-hosts',
    '--no-resolv',
    `--pid-file=${paths.pid}`,
    `--dhcp-hostsfile=${paths.hosts}`,
    `--addn-hosts=${paths.addnHosts}`,
    `--dhcp-optsfile=${paths.opts}`,
    `--dhcp-leasefile=${paths.leases}`,
    ...NEUTRON_CLIENT_MATCHES.map(clientMatchArgument),
    '--local-service',
    '--bind-dynamic',
  ];
  for (const range of config.ranges) args.push(`--dhcp-range=${rangeText(range)}`);
  // Neutron's order: the MTU before --dhcp-lease-max, T1/T2 after it.
  const isMtu = (option: OptionLine): boolean => option.form === 'typed' && option.code === OPTION_MTU;
  for (const option of config.forcedOptions.filter(isMtu))
    args.push(`--dhcp-option-force=${optionLineText(option)}`);
  args.push(`--dhcp-lease-max=${config.leaseMax}`);
  for (const option of config.forcedOptions.filter((option) => !isMtu(option))) {
    args.push(`--dhcp-option-force=${optionLineText(option)}`);
  }
  args.push('--conf-file=/dev/null');
  for (const server of options.dnsServers ?? []) args.push(`--server=${server}`);
  if (config.domain !== undefined) args.push(`--domain=${config.domain}`);
  if (options.broadcastReplies === true) args.push('--dhcp-broadcast');
  if (options.foreground) args.push('--keep-in-foreground');
  if (!options.dnsEnabled) args.push('--port=0');
  return args;
}
