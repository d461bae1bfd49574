import { isDeepStrictEqual } from 'node:util';
import { isAgentDhcpPort } from '../desired-plumbing.js';
import { advertisesMetadataRoute } from '../dhcp-config/subnet-options.js';
import { type AgentNetwork, type AgentPort, decidesSubnetOptions } from '../model.js';
import type { DhcpSettings } from '../settings.js';
import { PersistentMap } from './persistent-map.js';

/**
 * The agent's one copy of a network (issue 11): an immutable snapshot that the reconciler replaces on
 * every change. {@link NetworkState.apply} returns the next snapshot and the {@link NetworkDelta} that
 * the peers (DHCP driver, DNS, metadata proxy) apply; ports are held in a structurally shared map, so a
 * port change costs O(log ports) and the previous snapshot stays valid. This is the only place that
 * compares port revisions and the only place that decides "is this our DHCP port" for a change.
 *
 * @module
 */

/** What a snapshot is derived with: this agent's identity on the network and the DHCP settings. */
export interface StateRules {
  /** The device_id of this agent's DHCP port on a network (naming.ts `dhcpPortDeviceId`). */
  readonly dhcpDeviceId: (networkId: string) => string;
  /** Decide whether the 169.254.169.254/32 route is advertised (spec §6.1). */
  readonly dhcp: DhcpSettings;
}

/** One port change for {@link NetworkState.apply}, at the network revision it brings. */
export type StateChange =
  | { readonly kind: 'port-upsert'; readonly port: AgentPort; readonly revision: number }
  | { readonly kind: 'port-delete'; readonly portId: string; readonly revision: number };

/** One port's host entries before and after (undefined: absent). */
export interface HostChange {
  readonly portId: string;
  readonly before: AgentPort | undefined;
  readonly after: AgentPort | undefined;
}

/** What changed between two snapshots: what a peer must redo. */
export interface NetworkDelta {
  /** Anything may have changed (a snapshot from the server): converge everything. */
  readonly full: boolean;
  /** Ports whose hosts changed (empty when `full`: every port). */
  readonly hosts: readonly HostChange[];
  /** Subnet-level options may differ: a router interface or a DHCP port changed (isolation, multi-agent DNS). */
  readonly subnetOptions: boolean;
  /** Whether the metadata route is advertised changed (spec §6.1). */
  readonly metadataRoute: boolean;
  /** This agent's DHCP port changed: its addresses are the plumbing's, so the network is re-plumbed. */
  readonly dhcpPort: boolean;
}

/** The delta of a snapshot from the server: every peer converges the network. */
export const FULL_DELTA: NetworkDelta = {
  full: true,
  hosts: [],
  subnetOptions: true,
  metadataRoute: true,
  dhcpPort: true,
};

const NO_CHANGE: NetworkDelta = {
  full: false,
  hosts: [],
  subnetOptions: false,
  metadataRoute: false,
  dhcpPort: false,
};

/** The network's attributes and subnets: everything but its ports. */
type NetworkAttributes = Omit<AgentNetwork, 'ports'>;

export class NetworkState {
  /** The `Network` with its port array, built when first asked for (O(ports)), then kept. */
  private built: AgentNetwork | undefined;

  private constructor(
    private readonly attributes: NetworkAttributes,
    private readonly portsById: PersistentMap<AgentPort>,
    /** The network revision applied (snapshot `revision`, then each applied event's `networkRevision`). */
    readonly revision: number,
    /** This agent's DHCP port, when the network has it. */
    readonly dhcpPort: AgentPort | undefined,
    /** True when the derivation advertises 169.254.169.254/32 via the DHCP port (spec §6.1). */
    readonly advertisesMetadata: boolean,
    private readonly rules: StateRules,
    built?: AgentNetwork,
  ) {
    this.built = built;
  }

  /** A snapshot of a whole network (from the server). O(ports). */
  static of(network: AgentNetwork, revision: number, rules: StateRules): NetworkState {
    const { ports, ...attributes } = network;
    const deviceId = rules.dhcpDeviceId(network.id);
    const dhcpPort = ports.find((port) => isAgentDhcpPort(port, deviceId));
    return new NetworkState(
      attributes,
      PersistentMap.from(ports.map((port) => [port.id, port] as const)),
      revision,
      dhcpPort,
      advertisesMetadataRoute(network, { settings: rules.dhcp, dhcpPort }),
      rules,
      network,
    );
  }

  /** An empty network: what a network that failed before its first converge is held as. */
  static placeholder(networkId: string, rules: StateRules): NetworkState {
    return NetworkState.of(
      { id: networkId, admin_state_up: true, mtu: 0, subnets: [], ports: [] },
      -1,
      rules,
    );
  }

  get id(): string {
    return this.attributes.id;
  }

  get portCount(): number {
    return this.portsById.size;
  }

  get subnetCount(): number {
    return this.attributes.subnets.length;
  }

  port(portId: string): AgentPort | undefined {
    return this.portsById.get(portId);
  }

  /**
   * The model as a plain `Network`, ports in the server's order with new ones last (as a `Map` keeps them).
   * O(ports log ports) the first time per snapshot, then kept. Never mutated.
   */
  get network(): AgentNetwork {
    this.built ??= { ...this.attributes, ports: this.portsById.values() };
    return this.built;
  }

  /** The same network at another revision (a failure marks it −1 so the next event resyncs). */
  withRevision(revision: number): NetworkState {
    return new NetworkState(
      this.attributes,
      this.portsById,
      revision,
      this.dhcpPort,
      this.advertisesMetadata,
      this.rules,
      this.built,
    );
  }

  /**
   * Applies one port change. A port update older than the one held (`revision_number`, Neutron's
   * `is_port_message_stale`) changes nothing but the applied network revision.
   */
  apply(change: StateChange): { readonly next: NetworkState; readonly delta: NetworkDelta } {
    const portId = change.kind === 'port-upsert' ? change.port.id : change.portId;
    const before = this.portsById.get(portId);
    const after = change.kind === 'port-upsert' ? change.port : undefined;
    if ((after !== undefined && isStale(before, after)) || (before === undefined && after === undefined))
      return { next: this.withRevision(change.revision), delta: NO_CHANGE };
    const ports = after === undefined ? this.portsById.delete(portId) : this.portsById.set(portId, after);
    if (before !== undefined && after !== undefined && sameForDataPlane(before, after)) {
      // Held at its new revision (so an older update stays stale), but no peer has anything to redo: the
      // port's status update that follows every port create (DOWN → ACTIVE, spec §1.9) is one of these.
      return {
        next: new NetworkState(
          this.attributes,
          ports,
          change.revision,
          this.dhcpPort?.id === portId ? after : this.dhcpPort,
          this.advertisesMetadata,
          this.rules,
        ),
        delta: NO_CHANGE,
      };
    }
    const deviceId = this.rules.dhcpDeviceId(this.id);
    const ownBefore = isAgentDhcpPort(before, deviceId);
    const ownAfter = isAgentDhcpPort(after, deviceId);
    const dhcpPort = ownAfter ? after : ownBefore ? undefined : this.dhcpPort;
    const subnetOptions = decidesSubnetOptions(before) || decidesSubnetOptions(after);
    let next = new NetworkState(
      this.attributes,
      ports,
      change.revision,
      dhcpPort,
      this.advertisesMetadata,
      this.rules,
    );
    if (subnetOptions) {
      // O(ports), but only for router interfaces and DHCP ports: other port events never reach here.
      const advertises = advertisesMetadataRoute(next.network, { settings: this.rules.dhcp, dhcpPort });
      if (advertises !== this.advertisesMetadata)
        next = new NetworkState(
          this.attributes,
          ports,
          change.revision,
          dhcpPort,
          advertises,
          this.rules,
          next.network,
        );
    }
    return {
      next,
      delta: {
        full: false,
        hosts: [{ portId, before, after }],
        subnetOptions,
        metadataRoute: next.advertisesMetadata !== this.advertisesMetadata,
        dhcpPort: ownBefore || ownAfter,
      },
    };
  }
}

/** A port update older than the one held (both carry `revision_number`). */
function isStale(held: AgentPort | undefined, port: AgentPort): boolean {
  const revision = held?.revision_number;
  return revision !== undefined && port.revision_number !== undefined && revision > port.revision_number;
}

/**
 * The port fields the data plane reads (host entries, options, DNS names, the metadata proxy's caller
 * lookup, "is this our DHCP port"): everything in the agent's projection but its revision and status.
 */
const DATA_PLANE_FIELDS = [
  'mac_address',
  'fixed_ips',
  'network_id',
  'device_owner',
  'device_id',
  'admin_state_up',
  'extra_dhcp_opts',
  'dns_assignment',
] as const satisfies readonly (keyof AgentPort)[];

/** True when two versions of a port give the data plane the same input (a status-only update). */
function sameForDataPlane(before: AgentPort, after: AgentPort): boolean {
  return DATA_PLANE_FIELDS.every((field) => isDeepStrictEqual(before[field], after[field]));
}
