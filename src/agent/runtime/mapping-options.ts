/**
 * Where flat and vlan networks live on this host: `[linux_bridge] physical_interface_mappings` (an
 * interface qdhcp puts in a `brq…` bridge of its own) and `bridge_mappings` (an operator's existing
 * bridge, issue 13), Neutron linuxbridge's two options. One block of the agent's table (`agent-config.ts`
 * spreads it), resolved here: a physnet is in one of them only.
 *
 * @module
 */
import { configInvalid as invalid, type OptionSpec, type OptionValues } from '../../common/config-options.js';
import { isQdhcpError } from '../../common/errors.js';
import { checkMappingsDisjoint, parseBridgeMappings, parseInterfaceMappings } from '../plumbing-settings.js';

export const MAPPING_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'physical_interface_mappings',
    sections: ['linux_bridge'],
    kind: 'list',
    default: '',
    help: 'PHYSNET:IFACE[,...] for flat and vlan networks',
  },
  {
    key: 'bridge_mappings',
    sections: ['linux_bridge'],
    kind: 'list',
    default: '',
    help: "PHYSNET:BRIDGE[,...]: flat networks of PHYSNET live on the operator's existing BRIDGE (never created or removed by qdhcp; no vlan networks on it)",
  },
];

/** The resolved values of {@link MAPPING_OPTIONS}. */
export interface MappingsConfig {
  readonly physicalInterfaceMappings: ReadonlyMap<string, string>;
  /** `bridge_mappings`: physnet → an operator's existing bridge (disjoint from the interface mappings). */
  readonly bridgeMappings: ReadonlyMap<string, string>;
}

/** A `CONFIG_INVALID` from a parser, said again with where the value was set. */
function located(where: string, parse: () => Map<string, string>): Map<string, string> {
  try {
    return parse();
  } catch (error) {
    if (!isQdhcpError(error, 'CONFIG_INVALID')) throw error;
    throw invalid(`${where}: ${error.params['message'] ?? error.message}`);
  }
}

/** Parsed, names that can be device names, no physnet in both. */
export function resolveMappings({ get }: OptionValues): MappingsConfig {
  const interfaces = get('physical_interface_mappings');
  const physicalInterfaceMappings = located(interfaces.where, () =>
    parseInterfaceMappings([interfaces.value]),
  );
  for (const device of physicalInterfaceMappings.values()) {
    if (device.length > 15) throw invalid(`physical_interface_mappings: "${device}" is not a device name`);
  }
  const bridges = get('bridge_mappings');
  const bridgeMappings = located(bridges.where, () => {
    const parsed = parseBridgeMappings([bridges.value]);
    checkMappingsDisjoint(physicalInterfaceMappings, parsed);
    return parsed;
  });
  for (const bridge of bridgeMappings.values()) {
    if (bridge.length > 15 || !/^[A-Za-z0-9_.-]+$/.test(bridge))
      throw invalid(`${bridges.where}: "${bridge}" is not a bridge name`);
  }
  return { physicalInterfaceMappings, bridgeMappings };
}
