import { DhcpEncodeError, encodeKindedValue, parseIpv4, prefixToMask } from '../../../dhcp/index.js';
import { NEUTRON_CLIENT_MATCHES } from '../../../dhcp-server/client-match.js';
import type { DhcpRange } from '../../../dhcp-server/dnsmasq/dhcp-range.js';
import { buildServedSubnets } from '../../../dhcp-server/dnsmasq/dhcp-range.js';
import { parseOptionLine } from '../../../dhcp-server/dnsmasq/option-line.js';
import {
  clientIdFromText,
  type HostBinding,
  isHostName,
  isMac,
  normaliseHex,
} from '../../../dhcp-server/host-binding.js';
import { servedLease } from '../../../dhcp-server/lease-time.js';
import type { OptionSetting } from '../../../dhcp-server/option-setting.js';
import type { EngineConfig } from '../../../dhcp-server/types.js';
import { hostLineText, optionLineText } from '../../dhcp-config/render.js';
import type {
  HostSpec,
  Ipv4HostSpec,
  OptionLine,
  RangeSpec,
  TypedOptionLine,
} from '../../dhcp-config/types.js';

/**
 * The builtin driver's engine input, built straight from the typed configuration: host bindings with
 * numeric addresses, option bytes from the option table's encoders, leases as values. No dnsmasq text
 * on the way, except for what is dnsmasq text by contract (a port's extra_dhcp_opts), which goes through
 * the same parser `qdhcp serve` uses. `served-config.property.test.ts` checks that this gives the engine
 * exactly what rendering the dnsmasq files and parsing them back gives.
 *
 * @module
 */

/** A configuration entry the engine could not use (kept out of service, reported in the status). */
export interface UnusableLine {
  /** The entry as the dnsmasq driver would write it, for the operator. */
  readonly text: string;
  readonly reason: string;
}

const NO_TAGS: readonly string[] = Object.freeze([]);

/** Engine bindings of some host specs (IPv6 and address-less entries are skipped: DHCPv4 only). */
export function hostBindingsOf(hosts: readonly HostSpec[], problems: UnusableLine[]): HostBinding[] {
  const bindings: HostBinding[] = [];
  for (const host of hosts) {
    if (host.ipVersion !== 4) continue;
    const binding = hostBindingOf(host);
    if (typeof binding === 'string') problems.push({ text: hostLineText(host), reason: binding });
    else bindings.push(binding);
  }
  return bindings;
}

/** One binding, or why it cannot be served (the same refusals as the hosts-file parser). */
function hostBindingOf(host: Ipv4HostSpec): HostBinding | string {
  if (!isMac(host.mac)) return `bad MAC address ${JSON.stringify(host.mac)}`;
  const name = host.fqdn.length === 0 ? undefined : host.fqdn;
  if (name !== undefined && !isHostName(name)) return `unrecognised field ${JSON.stringify(name)}`;
  if (host.clientId === '') return 'empty client-id after id:';
  const clientId =
    host.clientId === undefined || host.clientId === '*' ? undefined : clientIdFromText(host.clientId);
  return {
    macs: [normaliseHex(host.mac)],
    clientId,
    ip: host.ip,
    name,
    tags: host.setTag === undefined ? NO_TAGS : [host.setTag],
    lease: undefined,
    ignore: false,
    line: 0,
  };
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
    if (line.form === 'typed') {
      const setting = typedSetting(line, force, source);
      if (typeof setting === 'string') problems.push({ text: optionLineText(line), reason: setting });
      else settings.push(setting);
      continue;
    }
    // dnsmasq text by contract (extra_dhcp_opts): dnsmasq's own rules decide what it means.
    const text = optionLineText(line);
    const parsed = parseOptionLine(text, force, source);
    if (parsed.kind === 'option') settings.push(parsed.setting);
    else if (parsed.kind === 'error') problems.push({ text, reason: parsed.reason });
  }
  return settings;
}

function typedSetting(line: TypedOptionLine, force: boolean, source: string): OptionSetting | string {
  try {
    const value = encodeKindedValue(line.value);
    return { requiredTags: line.tags, excludedTags: NO_TAGS, code: line.code, value, force, source };
  } catch (error) {
    if (error instanceof DhcpEncodeError) return error.reason;
    throw error;
  }
}

/** A DHCP port address as the engine wants it. */
export interface ServerAddress {
  readonly address: string;
  readonly prefixLength: number;
}

/** A DHCPv4 range as the engine serves it (dnsmasq's lease floor applied), or undefined for IPv6. */
function servedRange(range: RangeSpec): DhcpRange | undefined {
  if (range.ipVersion !== 4) return undefined;
  const network = parseIpv4(range.network);
  if (network === undefined) return undefined;
  return {
    tag: range.tag,
    network,
    mask: prefixToMask(range.prefixLength),
    lease: servedLease(range.lease),
    text: `${range.network}/${range.prefixLength}`,
  };
}

/** The engine's view of a network's configuration: its ranges and domain. */
export interface EngineRanges {
  readonly ranges: readonly RangeSpec[];
  readonly domain: string | undefined;
}

/**
 * The engine's fixed configuration of one network: one served subnet per IPv4 range, whose server
 * identifier is the DHCP port's address in it.
 */
export function engineConfigOf(
  config: EngineRanges,
  interfaceName: string,
  serverAddresses: readonly ServerAddress[],
  dnsEnabled: boolean,
): EngineConfig {
  const ranges = config.ranges.flatMap((range) => servedRange(range) ?? []);
  const local = serverAddresses.flatMap((entry) => {
    const address = parseIpv4(entry.address);
    return address === undefined ? [] : [{ address, prefixLength: entry.prefixLength }];
  });
  return {
    interfaceName,
    subnets: ranges.length === 0 || local.length === 0 ? [] : buildServedSubnets(ranges, local),
    domain: config.domain,
    dnsEnabled,
    // The matches Neutron gives every dnsmasq (render.ts writes the same ones), so `tag:ipxe` works.
    clientMatches: NEUTRON_CLIENT_MATCHES,
  };
}
