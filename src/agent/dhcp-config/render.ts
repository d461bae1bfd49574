import { optionLineText } from './option-lines.js';
import type { DhcpConfig, HostSpec, RangeSpec } from './types.js';

/** One `host` file line (spec §5.3). IPv6 lines carry `tag:dhcpv6,` (dnsmasq ≥ 2.81 accepts it). */
export function hostLineText(host: HostSpec): string {
  const tag = host.ipVersion === 6 ? 'tag:dhcpv6,' : '';
  if (host.ip === undefined) return `${host.mac},${tag}set:${host.setTag ?? ''}`;
  const id = host.clientId === undefined ? '' : `id:${host.clientId},`;
  const ip = host.ipVersion === 6 ? `[${host.ip}]` : host.ip;
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
  return `set:${range.tag},${range.network},static,${range.mask},${range.lease}`;
}

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
    '--dhcp-match=set:ipxe,175',
    '--dhcp-userclass=set:ipxe6,iPXE',
    '--local-service',
    '--bind-dynamic',
  ];
  for (const range of config.ranges) args.push(`--dhcp-range=${rangeText(range)}`);
  // Neutron's order: the MTU before --dhcp-lease-max, T1/T2 after it.
  const isMtu = (option: (typeof config.forcedOptions)[number]): boolean => option.option === 'option:mtu';
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
