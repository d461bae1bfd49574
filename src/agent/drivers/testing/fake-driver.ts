import type { AgentPort } from '../../model.js';
import type { NetworkDelta, NetworkState } from '../../reconciler/network-state.js';
import type { ApplyOptions, DhcpDriver, DriverCapabilities, NetworkStatus } from '../driver.js';

/** What the fake serves for one network: the hosts it would answer, by port id. */
interface FakeNetwork {
  readonly hosts: Map<string, AgentPort>;
  converges: number;
  portChanges: number;
}

/** How a test shapes the fake: slow applies, one failing converge per network id. */
export interface FakeDriverOptions {
  readonly delayMs?: number;
  /** Network ids whose next converge fails once (the id is removed when it fails). */
  readonly failConverge?: Set<string>;
}

/**
 * The DHCP driver without a data plane: it keeps, per network, the hosts a real driver would serve, from
 * the same snapshots and deltas. It passes the state contract (driver-state-contract.ts) and is what the
 * reconciler's tests run against; `calls` records what it was asked to do, in order.
 */
export class FakeDriver implements DhcpDriver {
  readonly name = 'fake';
  readonly capabilities: DriverCapabilities = {
    incrementalPortUpdates: true,
    processPerNetwork: false,
    servesDns: false,
  };
  readonly calls: string[] = [];
  private readonly networks = new Map<string, FakeNetwork>();
  private active = 0;
  private mostActive = 0;

  constructor(private readonly options: FakeDriverOptions = {}) {}

  /** The most converges that ran at once. */
  get maxActive(): number {
    return this.mostActive;
  }

  async apply(state: NetworkState, delta: NetworkDelta, options: ApplyOptions = {}): Promise<void> {
    if (delta.full || delta.dhcpPort) {
      await this.converge(state, options.adopt === true);
      return;
    }
    const served = this.networks.get(state.id);
    if (served === undefined) return;
    for (const { portId, after } of delta.hosts) {
      this.calls.push(after === undefined ? `delete ${state.id} ${portId}` : `upsert ${state.id} ${portId}`);
      if (after === undefined) served.hosts.delete(portId);
      else served.hosts.set(portId, after);
      served.portChanges++;
    }
  }

  /** `adopt`: a restore's converge (ApplyOptions.adopt), recorded as `enable … adopt`. */
  private async converge(state: NetworkState, adopt: boolean): Promise<void> {
    this.active++;
    this.mostActive = Math.max(this.mostActive, this.active);
    try {
      if (this.options.delayMs) await new Promise((resolve) => setTimeout(resolve, this.options.delayMs));
      if (this.options.failConverge?.delete(state.id)) throw new Error('ip: RTNETLINK answers: busy');
      if (state.dhcpPort === undefined) throw new Error(`network ${state.id} has no DHCP port`);
      this.calls.push(`enable ${state.id} ports=${state.portCount}${adopt ? ' adopt' : ''}`);
      const served = this.networks.get(state.id) ?? { hosts: new Map(), converges: 0, portChanges: 0 };
      served.hosts.clear();
      for (const port of state.network.ports) served.hosts.set(port.id, port);
      served.converges++;
      this.networks.set(state.id, served);
    } finally {
      this.active--;
    }
  }

  /** The ports the fake serves for a network (tests compare it with the state). */
  hosts(networkId: string): ReadonlyMap<string, AgentPort> | undefined {
    return this.networks.get(networkId)?.hosts;
  }

  async remove(networkId: string): Promise<void> {
    this.calls.push(`disable ${networkId}`);
    this.networks.delete(networkId);
  }

  status(networkId: string): NetworkStatus | undefined {
    const served = this.networks.get(networkId);
    if (served === undefined) return undefined;
    return {
      networkId,
      namespace: `fake-${networkId}`,
      device: 'fake',
      ports: served.hosts.size,
      state: 'serving',
      detail: undefined,
      counters: { converges: served.converges, portChanges: served.portChanges },
      pid: undefined,
    };
  }

  enabledNetworks(): readonly string[] {
    return [...this.networks.keys()];
  }

  async stop(): Promise<void> {
    this.networks.clear();
  }
}
