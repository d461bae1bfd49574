import type { AgentNetwork, AgentPort } from '../../model.js';
import { FULL_DELTA, NetworkState, type StateRules } from '../../reconciler/network-state.js';
import type { ApplyOptions, NetworkPeer } from '../driver.js';
import type { DriverDeps } from '../prepare-network.js';

/** One port event of a test, already filtered to its network. */
export type PortChange =
  | { readonly kind: 'port-upsert'; readonly networkId: string; readonly port: AgentPort }
  | { readonly kind: 'port-delete'; readonly networkId: string; readonly portId: string };

/** What the harness drives: one peer or a whole `NetworkPeers`. */
export type PeerTarget = Pick<NetworkPeer, 'apply' | 'remove' | 'stop'> & {
  settled?(networkId: string): Promise<void>;
};

/**
 * Drives a peer the way the reconciler does, for tests that talk in networks and port events: it keeps
 * each network's state, applies every change to it (stale ones included, which the state drops) and hands
 * the peer the next snapshot with its delta.
 */
export class PeerHarness<T extends PeerTarget = PeerTarget> {
  private readonly states = new Map<string, NetworkState>();

  constructor(
    readonly peer: T,
    private readonly rules: StateRules,
  ) {}

  /** Rules from the deps a driver was built with. */
  static rulesOf(deps: DriverDeps): StateRules {
    return { dhcpDeviceId: deps.dhcpDeviceId, dhcp: deps.dhcp };
  }

  /** A full converge to `network` (the reconciler's snapshot from the server). */
  async enable(network: AgentNetwork, options?: ApplyOptions): Promise<void> {
    const revision = (this.states.get(network.id)?.revision ?? 0) + 1;
    const state = NetworkState.of(network, revision, this.rules);
    await this.peer.apply(state, FULL_DELTA, options);
    this.states.set(network.id, state);
  }

  /** One port event at the next network revision; ignored for a network not enabled. */
  async update(change: PortChange): Promise<void> {
    const held = this.states.get(change.networkId);
    if (held === undefined) return;
    const revision = held.revision + 1;
    const { next, delta } = held.apply(
      change.kind === 'port-upsert'
        ? { kind: 'port-upsert', port: change.port, revision }
        : { kind: 'port-delete', portId: change.portId, revision },
    );
    this.states.set(change.networkId, next);
    if (delta.hosts.length > 0) await this.peer.apply(next, delta);
  }

  async disable(networkId: string, options: { readonly retainPort: boolean }): Promise<void> {
    this.states.delete(networkId);
    await this.peer.remove(networkId, options);
  }

  /** The state last handed to the peer. */
  state(networkId: string): NetworkState | undefined {
    return this.states.get(networkId);
  }

  async settled(networkId: string): Promise<void> {
    await this.peer.settled?.(networkId);
  }

  async stop(): Promise<void> {
    this.states.clear();
    await this.peer.stop();
  }
}
