/** How the agent wires networks on its host (the `--physical-interface-mappings`, `--local-ip`… options). */
import { QdhcpError } from '../common/errors.js';
export interface PlumbingSettings {
  /** `--namespace-prefix`: prepended to every namespace name (default none). */
  readonly namespacePrefix: string;
  /**
   * Namespace that holds bridges, taps and uplinks (`ip -n HOST …`); undefined = the agent's own namespace
   * (production: `ip netns exec hostA qdhcp agent`). Tests use one they created.
   */
  readonly hostNamespace: string | undefined;
  /** physnet → interface (`physnet1:eth1`). */
  readonly physicalInterfaceMappings: ReadonlyMap<string, string>;
  /**
   * physnet → an operator's existing bridge (`physnet1:br100`, Neutron linuxbridge's `bridge_mappings`): a
   * flat network of that physnet lives on that bridge. The agent plugs its DHCP tap into it and never
   * creates, changes the ports of, or removes it. A physnet is in one of the two mappings, never both.
   */
  readonly bridgeMappings: ReadonlyMap<string, string>;
  /** VXLAN underlay address of this host (`--local-ip`). */
  readonly localIp: string | undefined;
  /** Underlay addresses of the other hosts (head-end replication), when no multicast group is set. */
  readonly vxlanRemotes: readonly string[];
  /** VXLAN multicast group; replaces the remote list when set. */
  readonly vxlanGroup: string | undefined;
  /** Underlay device for the multicast group. */
  readonly vxlanUnderlayDevice: string | undefined;
  /** UDP port of VXLAN (IANA 4789). */
  readonly vxlanPort: number;
  /**
   * IPv6 is enabled on the host, so the DHCP device also carries `fe80::a9fe:a9fe/64` when metadata is on
   * (spec §4.15 step 5). The CLI sets it from `/proc/sys/net/ipv6`; default true.
   */
  readonly ipv6: boolean;
  /**
   * Who owns L2 on this host (`l2_owner`). `qdhcp`: the agent makes each network's bridge and uplink and
   * plugs the DHCP tap into it. `neutron-linuxbridge`: Neutron's linuxbridge L2 agent does that, as
   * beside neutron-dhcp-agent; qdhcp makes only the namespace and the DHCP port's veth and never creates,
   * wires, changes or removes a bridge or an uplink.
   */
  readonly l2Owner: L2Owner;
}

/** The values of `l2_owner`. */
export const L2_OWNERS = ['qdhcp', 'neutron-linuxbridge'] as const;
export type L2Owner = (typeof L2_OWNERS)[number];

/** Defaults: no prefix, current namespace, no mappings (only `local` networks can be wired). */
export const DEFAULT_PLUMBING_SETTINGS: PlumbingSettings = Object.freeze({
  namespacePrefix: '',
  hostNamespace: undefined,
  physicalInterfaceMappings: new Map<string, string>(),
  bridgeMappings: new Map<string, string>(),
  localIp: undefined,
  vxlanRemotes: [],
  vxlanGroup: undefined,
  vxlanUnderlayDevice: undefined,
  vxlanPort: 4789,
  ipv6: true,
  l2Owner: 'qdhcp',
});

/** Parses `physnet1:eth1,physnet2:eth2` (repeatable form joined by commas). */
export function parseInterfaceMappings(values: readonly string[]): Map<string, string> {
  return parseMappings(values, 'physical interface mapping', 'PHYSNET:IFACE');
}

/** Parses `physnet1:br100,physnet2:br-ex` (`bridge_mappings`). */
export function parseBridgeMappings(values: readonly string[]): Map<string, string> {
  return parseMappings(values, 'bridge mapping', 'PHYSNET:BRIDGE');
}

/**
 * Refuses a physnet that is in both mappings: its networks would have two homes (Neutron's linuxbridge
 * agent would quietly prefer the bridge; qdhcp says so instead).
 */
export function checkMappingsDisjoint(
  interfaces: ReadonlyMap<string, string>,
  bridges: ReadonlyMap<string, string>,
): void {
  const both = [...bridges.keys()].filter((physnet) => interfaces.has(physnet));
  if (both.length > 0)
    throw new QdhcpError('CONFIG_INVALID', {
      message: `physical network ${both.map((name) => JSON.stringify(name)).join(', ')} is in both physical_interface_mappings and bridge_mappings (one home per physnet)`,
    });
}

/** Every physnet this host can wire (either mapping): what the heartbeat reports for scheduling. */
export function mappedPhysnets(
  settings: Pick<PlumbingSettings, 'physicalInterfaceMappings' | 'bridgeMappings'>,
): string[] {
  return [...new Set([...settings.physicalInterfaceMappings.keys(), ...settings.bridgeMappings.keys()])];
}

function parseMappings(values: readonly string[], what: string, form: string): Map<string, string> {
  const mappings = new Map<string, string>();
  for (const item of values.flatMap((value) => value.split(','))) {
    const trimmed = item.trim();
    if (trimmed.length === 0) continue;
    const colon = trimmed.indexOf(':');
    if (colon <= 0 || colon === trimmed.length - 1) {
      throw new QdhcpError('CONFIG_INVALID', {
        message: `bad ${what} ${JSON.stringify(trimmed)} (expected ${form})`,
      });
    }
    mappings.set(trimmed.slice(0, colon), trimmed.slice(colon + 1));
  }
  return mappings;
}
