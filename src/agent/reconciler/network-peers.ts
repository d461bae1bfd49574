import type { ApplyOptions, DhcpDriver, NetworkPeer, NetworkStatus } from '../drivers/driver.js';
import type { NetworkDelta, NetworkState } from './network-state.js';

/**
 * The DHCP driver and the peers that serve beside it (DNS, metadata proxy), in the order the data plane
 * needs: the driver first on apply (it makes the namespace and the DHCP port's addresses), last on remove
 * (it deletes the namespace, which a peer's socket would keep alive). The reconciler's only handle on
 * the data plane; the agent's status and /metrics read every peer's counters through it.
 */
export class NetworkPeers {
  constructor(
    readonly driver: DhcpDriver,
    private readonly others: readonly NetworkPeer[] = [],
  ) {}

  get name(): string {
    return this.driver.name;
  }

  async apply(state: NetworkState, delta: NetworkDelta, options?: ApplyOptions): Promise<void> {
    await this.driver.apply(state, delta, options);
    await this.applyOthers(state, delta);
  }

  /**
   * The driver's half of {@link apply} alone (the restore serves every network's DHCP before any DNS or
   * metadata listener opens, issue 17); {@link applyOthers} is the other half. A peer handed a partial
   * delta before its full apply ignores it, so events between the halves are safe.
   */
  async applyDriver(state: NetworkState, delta: NetworkDelta, options?: ApplyOptions): Promise<void> {
    await this.driver.apply(state, delta, options);
  }

  /** The peers' half of {@link apply}: DNS, metadata proxy, in order. */
  async applyOthers(state: NetworkState, delta: NetworkDelta): Promise<void> {
    for (const peer of this.others) await peer.apply(state, delta);
  }

  /** Waits until every peer has the changes applied so far on its data plane (tests). */
  async settled(networkId: string): Promise<void> {
    await this.driver.settled?.(networkId);
    for (const peer of this.others) await peer.settled?.(networkId);
  }

  async remove(networkId: string, options: { readonly retainPort: boolean }): Promise<void> {
    for (const peer of [...this.others].reverse()) await peer.remove(networkId, options);
    await this.driver.remove(networkId, options);
  }

  /** The driver's status with every peer's counters added; undefined when the driver does not serve it. */
  status(networkId: string): NetworkStatus | undefined {
    const status = this.driver.status(networkId);
    if (status === undefined || this.others.length === 0) return status;
    let counters = status.counters;
    for (const peer of this.others) {
      const more = peer.status(networkId)?.counters;
      if (more !== undefined && Object.keys(more).length > 0) counters = { ...counters, ...more };
    }
    return counters === status.counters ? status : { ...status, counters };
  }

  enabledNetworks(): readonly string[] {
    return this.driver.enabledNetworks();
  }

  async stop(): Promise<void> {
    for (const peer of [...this.others].reverse()) await peer.stop();
    await this.driver.stop();
  }
}
