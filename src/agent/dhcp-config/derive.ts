import type { LeaseTime } from '../../dhcp-server/lease-time.js';
import type { AgentNetwork } from '../model.js';
import type { DhcpContext } from '../settings.js';
import { addnHostsForPort, hostsForPort } from './hosts.js';
import { cidrAddressCount, type NetworkFacts, networkFacts, type SubnetFacts } from './network-facts.js';
import { typedOption } from './option-lines.js';
import { multiAgentDnsLines, portOptionLines } from './port-options.js';
import { subnetOptionLines } from './subnet-options.js';
import type { DhcpConfig, OptionLine, RangeSpec } from './types.js';

const OPTION_MTU = 26;
const OPTION_T1 = 58;
const OPTION_T2 = 59;

/** The configured lease: seconds, or infinite for −1 (spec §5.2). */
function leaseOf(leaseSeconds: number): LeaseTime {
  return leaseSeconds < 0 ? { kind: 'infinite' } : { kind: 'finite', seconds: leaseSeconds };
}

function rangeOf(facts: SubnetFacts, lease: LeaseTime): RangeSpec {
  const network = facts.cidr.text.slice(0, facts.cidr.text.indexOf('/'));
  return {
    tag: `subnet-${facts.subnet.id}`,
    subnetId: facts.subnet.id,
    ipVersion: facts.ipVersion,
    network,
    prefixLength: facts.cidr.prefixLength,
    lease,
  };
}

/** Ranges of every DHCP-enabled subnet that gets one (spec §5.2). */
export function rangesOf(facts: NetworkFacts, context: DhcpContext): RangeSpec[] {
  const lease = leaseOf(context.settings.leaseSeconds);
  return facts.subnets.filter((subnet) => subnet.hasRange).map((subnet) => rangeOf(subnet, lease));
}

/** Command-line options always sent (spec §5.2): MTU (when known) and configured T1/T2. */
export function forcedOptionsOf(network: AgentNetwork, context: DhcpContext): OptionLine[] {
  const forced: OptionLine[] = [];
  if (network.mtu > 0) forced.push(typedOption([], OPTION_MTU, { kind: 'uint16', value: network.mtu }));
  const { renewalSeconds, rebindingSeconds } = context.settings;
  if (renewalSeconds > 0) forced.push(typedOption([], OPTION_T1, { kind: 'uint32', value: renewalSeconds }));
  if (rebindingSeconds > 0)
    forced.push(typedOption([], OPTION_T2, { kind: 'uint32', value: rebindingSeconds }));
  return forced;
}

/**
 * Derives the DHCP configuration of one network (spec §5): ranges, host entries, option lines in
 * Neutron's order, `addn_hosts`, forced options, domain and lease max. Pure; throws
 * `NETWORK_MODEL_INVALID` for a subnet whose CIDR does not parse.
 *
 * @example
 * const config = deriveDhcpConfig(network, { settings: DEFAULT_DHCP_SETTINGS, dhcpPort });
 * renderHostsFile(config); // "fa:16:3e:…,host-10-60-0-50.openstacklocal,10.60.0.50\n"
 */
export function deriveDhcpConfig(network: AgentNetwork, context: DhcpContext): DhcpConfig {
  const facts = networkFacts(network);
  const ranges = rangesOf(facts, context);
  let addressCount = 0;
  for (const subnet of facts.subnets) if (subnet.hasRange) addressCount += cidrAddressCount(subnet.cidr);
  const leaseMax = Math.min(addressCount, context.settings.leaseMaxCap);
  return {
    networkId: network.id,
    ranges,
    hosts: network.ports.flatMap((port) => hostsForPort(port, facts, context)),
    options: [
      ...subnetOptionLines(facts, context),
      ...network.ports.flatMap((port) => portOptionLines(port, facts)),
      ...multiAgentDnsLines(network.ports, facts),
    ],
    addnHosts: network.ports.flatMap((port) => addnHostsForPort(port, context)),
    forcedOptions: forcedOptionsOf(network, context),
    domain: context.settings.dnsDomain.length > 0 ? context.settings.dnsDomain : undefined,
    leaseMax,
  };
}
