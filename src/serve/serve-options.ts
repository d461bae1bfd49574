import { QdhcpError } from '../common/errors.js';
import { requireIpv4 } from '../common/ipv4.js';
import type { ClientMatch } from '../dhcp-server/client-match.js';
import { parseClientMatch } from '../dhcp-server/dnsmasq/client-match-args.js';
import { buildServedSubnets, type DhcpRange, parseDhcpRange } from '../dhcp-server/dnsmasq/dhcp-range.js';
import { parseOptionLine } from '../dhcp-server/dnsmasq/option-line.js';
import type { OptionSetting } from '../dhcp-server/option-setting.js';
import { DHCP_SOCKET_HOLD_MS } from '../dhcp-server/socket-hold.js';
import type { EngineConfig } from '../dhcp-server/types.js';
import type { InterfaceAddress } from '../linux/interface-addresses.js';

/** The options commander hands to `serve` (dnsmasq's names, camel-cased). */
export interface RawServeOptions {
  readonly interface?: string;
  readonly dhcpRange?: readonly string[];
  readonly dhcpHostsfile?: string;
  readonly dhcpOptsfile?: string;
  readonly dhcpOption?: readonly string[];
  readonly dhcpOptionForce?: readonly string[];
  readonly dhcpMatch?: readonly string[];
  readonly dhcpUserclass?: readonly string[];
  readonly domain?: string;
  readonly dhcpLeaseMax?: string;
  readonly logDhcp?: boolean;
  readonly quietDhcp?: boolean;
  readonly dhcpHold?: string;
  readonly pidFile?: string;
  readonly logFacility?: string;
  readonly port?: string;
  readonly [ignored: string]: unknown;
}

/** Validated settings of one `qdhcp serve` process. */
export interface ServeSettings {
  readonly interfaceName: string;
  readonly ranges: readonly DhcpRange[];
  /** IPv6 `--dhcp-range`s given (Neutron passes them on dual-stack networks); not served by DHCPv4. */
  readonly ipv6RangesSkipped: number;
  readonly hostsFile: string | undefined;
  readonly optsFile: string | undefined;
  readonly commandLineOptions: readonly OptionSetting[];
  /** `--dhcp-match` and `--dhcp-userclass`, in that order. */
  readonly clientMatches: readonly ClientMatch[];
  readonly domain: string | undefined;
  readonly leaseMax: number | undefined;
  readonly logDhcp: boolean;
  readonly quietDhcp: boolean;
  /** `--dhcp-hold`: ms a busy socket holds datagrams to read them together (src/dhcp-server/socket-hold.ts). */
  readonly dhcpHoldMs: number;
  readonly pidFile: string | undefined;
  readonly logFacility: string | undefined;
  /** DNS port; 0 disables DNS (only recorded for now: DNS is another module's job). */
  readonly dnsPort: number;
}

function integer(text: string | undefined, name: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new QdhcpError('SERVE_CONFIG_INVALID', {
      reason: `--${name}=${text}: expected an integer ${min}..${max}`,
    });
  }
  return Number(text);
}

/** Turns commander's raw values into settings, or throws `SERVE_CONFIG_INVALID`. Pure. */
export function resolveServeSettings(raw: RawServeOptions): ServeSettings {
  if (raw.interface === undefined || raw.interface.length === 0) {
    throw new QdhcpError('SERVE_CONFIG_INVALID', {
      reason: '--interface=IF is required (the interface to serve on)',
    });
  }
  const ranges: DhcpRange[] = [];
  let ipv6RangesSkipped = 0;
  for (const text of raw.dhcpRange ?? []) {
    const result = parseDhcpRange(text);
    if (result.kind === 'error')
      throw new QdhcpError('SERVE_CONFIG_INVALID', { reason: `--dhcp-range=${text}: ${result.reason}` });
    if (result.kind === 'ipv6') ipv6RangesSkipped++;
    else ranges.push(result.range);
  }
  if (ranges.length === 0)
    throw new QdhcpError('SERVE_CONFIG_INVALID', {
      reason: 'at least one IPv4 --dhcp-range=…,static,… is required',
    });
  const commandLineOptions: OptionSetting[] = [];
  const addOptions = (values: readonly string[] | undefined, force: boolean): void => {
    const flag = force ? '--dhcp-option-force' : '--dhcp-option';
    for (const text of values ?? []) {
      const result = parseOptionLine(text, force, flag);
      if (result.kind === 'error')
        throw new QdhcpError('SERVE_CONFIG_INVALID', { reason: `${flag}=${text}: ${result.reason}` });
      if (result.kind === 'option') commandLineOptions.push(result.setting);
    }
  };
  addOptions(raw.dhcpOption, false);
  addOptions(raw.dhcpOptionForce, true);
  const clientMatches: ClientMatch[] = [];
  const addMatches = (values: readonly string[] | undefined, flag: 'dhcp-match' | 'dhcp-userclass'): void => {
    for (const text of values ?? []) {
      const match = parseClientMatch(flag, text);
      if (typeof match === 'string')
        throw new QdhcpError('SERVE_CONFIG_INVALID', { reason: `--${flag}=${text}: ${match}` });
      clientMatches.push(match);
    }
  };
  addMatches(raw.dhcpMatch, 'dhcp-match');
  addMatches(raw.dhcpUserclass, 'dhcp-userclass');
  return {
    interfaceName: raw.interface,
    ranges,
    ipv6RangesSkipped,
    hostsFile: raw.dhcpHostsfile,
    optsFile: raw.dhcpOptsfile,
    commandLineOptions,
    clientMatches,
    domain: raw.domain === undefined || raw.domain.length === 0 ? undefined : raw.domain,
    leaseMax: integer(raw.dhcpLeaseMax, 'dhcp-lease-max', 1, 2 ** 32 - 1),
    logDhcp: raw.logDhcp === true,
    quietDhcp: raw.quietDhcp === true,
    dhcpHoldMs: integer(raw.dhcpHold, 'dhcp-hold', 0, 1000) ?? DHCP_SOCKET_HOLD_MS,
    pidFile: raw.pidFile,
    logFacility: raw.logFacility,
    dnsPort: integer(raw.port, 'port', 0, 65535) ?? 53,
  };
}

/** Combines settings with the interface's addresses into the engine's fixed configuration. */
export function engineConfig(settings: ServeSettings, addresses: readonly InterfaceAddress[]): EngineConfig {
  if (addresses.length === 0) {
    throw new QdhcpError('SERVE_CONFIG_INVALID', {
      reason: `interface ${settings.interfaceName} has no IPv4 address to serve from`,
    });
  }
  try {
    return {
      interfaceName: settings.interfaceName,
      subnets: buildServedSubnets(
        settings.ranges,
        addresses.map((a) => ({ address: requireIpv4(a.address), prefixLength: a.prefixLength })),
      ),
      domain: settings.domain,
      dnsEnabled: settings.dnsPort !== 0,
      clientMatches: settings.clientMatches,
    };
  } catch (error) {
    throw new QdhcpError('SERVE_CONFIG_INVALID', { reason: (error as Error).message });
  }
}
