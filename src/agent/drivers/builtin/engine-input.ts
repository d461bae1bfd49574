import { parseIpv4 } from '../../../dhcp/ipv4.js';
import type { DhcpRange } from '../../../dhcp-server/dnsmasq/dhcp-range.js';
import { buildServedSubnets, parseDhcpRange } from '../../../dhcp-server/dnsmasq/dhcp-range.js';
import { type HostEntry, parseHostLine } from '../../../dhcp-server/dnsmasq/hosts-file.js';
import { parseOptionLine } from '../../../dhcp-server/dnsmasq/option-line.js';
import type { OptionSetting } from '../../../dhcp-server/option-setting.js';
import type { EngineConfig } from '../../../dhcp-server/types.js';
import { optionLineText } from '../../dhcp-config/option-lines.js';
import { hostLineText, rangeText } from '../../dhcp-config/render.js';
import type { DhcpConfig, HostSpec, OptionLine } from '../../dhcp-config/types.js';

/**
 * The builtin driver feeds the engine from the neutral configuration *through the dnsmasq parsers*: each
 * range, host and option is rendered to the exact text the dnsmasq driver writes and parsed back by the
 * engine's own parsers. So the two drivers cannot disagree on what a line means (one code path), at the
 * cost of a few microseconds per port.
 *
 * @module
 */

/** A line the engine could not use (kept out of service, reported in the status). */
export interface UnusableLine {
  readonly text: string;
  readonly reason: string;
}

/** Engine host entries of some host specs (IPv6 and address-less entries are skipped: DHCPv4 only). */
export function hostEntriesOf(hosts: readonly HostSpec[], problems: UnusableLine[]): HostEntry[] {
  const entries: HostEntry[] = [];
  for (const host of hosts) {
    if (host.ipVersion !== 4 || host.ip === undefined) continue;
    const text = hostLineText(host);
    const parsed = parseHostLine(text, 0);
    if (parsed.kind === 'entry') entries.push(parsed.entry);
    else if (parsed.kind === 'error') problems.push({ text, reason: parsed.reason });
  }
  return entries;
}

/** Engine option settings of some option lines (`option6:` lines are skipped). */
export function optionSettingsOf(
  lines: readonly OptionLine[],
  force: boolean,
  source: string,
  problems: UnusableLine[],
): OptionSetting[] {
  const settings: OptionSetting[] = [];
  for (const line of lines) {
    const text = optionLineText(line);
    const parsed = parseOptionLine(text, force, source);
    if (parsed.kind === 'option') settings.push(parsed.setting);
    else if (parsed.kind === 'error') problems.push({ text, reason: parsed.reason });
  }
  return settings;
}

/** A DHCP port address as the engine wants it. */
export interface ServerAddress {
  readonly address: string;
  readonly prefixLength: number;
}

/**
 * The engine's fixed configuration of one network: one served subnet per IPv4 range, whose server
 * identifier is the DHCP port's address in it.
 */
export function engineConfigOf(
  config: DhcpConfig,
  interfaceName: string,
  serverAddresses: readonly ServerAddress[],
  dnsEnabled: boolean,
): EngineConfig {
  const ranges: DhcpRange[] = [];
  for (const range of config.ranges) {
    if (range.ipVersion !== 4) continue;
    const parsed = parseDhcpRange(rangeText(range));
    if (parsed.kind === 'range') ranges.push(parsed.range);
  }
  const local = serverAddresses.flatMap((entry) => {
    const address = parseIpv4(entry.address);
    return address === undefined ? [] : [{ address, prefixLength: entry.prefixLength }];
  });
  return {
    interfaceName,
    subnets: ranges.length === 0 || local.length === 0 ? [] : buildServedSubnets(ranges, local),
    domain: config.domain,
    dnsEnabled,
  };
}
