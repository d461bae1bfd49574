import { cleanupNamespaces, type OrphanGuard } from '../cleanup.js';

/** Where this agent's bridges and uplinks are, when the leftovers to remove include them. */
export interface HostL2 {
  /** Namespace of bridges and uplinks (undefined = the agent's own). */
  readonly hostNamespace: string | undefined;
  /** Interfaces of the physical interface mappings (never deleted). */
  readonly mappedInterfaces: ReadonlySet<string>;
  /** Bridges of `bridge_mappings` (the operator's: never deleted). */
  readonly mappedBridges?: ReadonlySet<string>;
  /** qdhcp makes the bridges and uplinks (false under Neutron's L2 agent: namespaces only). */
  readonly ownsL2: boolean;
}

/**
 * Removes what this agent (same `--namespace-prefix`) made for networks it no longer serves — what a
 * `kill -9` left behind for a network deleted or unbound while the agent was down, or killed halfway
 * through a delete: DHCP namespaces (processes inside, a dnsmasq of a previous run, killed by PID first)
 * and, given `host`, the bridges and uplinks of those networks (cleanup-plan.ts: only qdhcp's, never a
 * bridge that still carries anything else). `guard` (the reconciler's, orphan-guard.ts) removes each
 * network's leftovers only if that network is still not wanted at that moment. Returns what was removed
 * (one line each); errors are collected so one stuck namespace does not keep the others.
 */
export async function removeOrphanNamespaces(
  namespacePrefix: string,
  keep: ReadonlySet<string>,
  host?: HostL2,
  guard?: OrphanGuard,
): Promise<{ removed: string[]; errors: string[] }> {
  const result = await cleanupNamespaces({
    namespacePrefix,
    hostNamespace: host?.hostNamespace,
    all: false,
    dryRun: false,
    stateDirectory: undefined,
    keep,
    ownsL2: host?.ownsL2 ?? false,
    mappedInterfaces: host?.mappedInterfaces ?? new Set(),
    mappedBridges: host?.mappedBridges ?? new Set(),
    ...(guard !== undefined && { guard }),
  });
  return { removed: [...result.lines], errors: [...result.errors] };
}
