import type { NetworkDelta, NetworkState } from '../../reconciler/network-state.js';
import type { NetworkPeer, PeerStatus } from '../driver.js';
import { type DriverDeps, prepareState } from '../prepare-network.js';
import { convergeServedDns, type ServedDns } from './served-dns.js';

/** A network's DNS service and the device it listens behind (a new device means new sockets). */
interface HeldDns {
  readonly dns: ServedDns;
  readonly device: string;
}

/**
 * DNS of the builtin driver's networks as a peer (served-dns.ts): applied after the driver (which made the
 * namespace and the DHCP port's addresses), removed before it. A port change replaces that port's names;
 * a converge reloads the zone, and re-opens the listeners when the DHCP port's addresses or device moved.
 */
export class BuiltinDnsPeer implements NetworkPeer {
  readonly name = 'dns';
  private readonly networks = new Map<string, HeldDns>();

  constructor(private readonly deps: DriverDeps) {}

  async apply(state: NetworkState, delta: NetworkDelta): Promise<void> {
    const held = this.networks.get(state.id);
    if (delta.full || delta.dhcpPort) {
      const prepared = prepareState(state, this.deps);
      const { namespace, device } = prepared.desired.device;
      const where = `${namespace}/${device}`;
      const logger = this.deps.logger.child({ networkId: state.id });
      // Not kept on failure: a service closed by a failed re-open must not be reused by the next converge.
      this.networks.delete(state.id);
      const dns = await convergeServedDns(held?.dns, prepared, {
        logger,
        rebind: held !== undefined && held.device !== where,
      });
      this.networks.set(state.id, { dns, device: where });
      return;
    }
    if (held === undefined) return;
    for (const { portId, after } of delta.hosts) {
      if (after === undefined) held.dns.deletePort(portId);
      else held.dns.upsertPort(after);
    }
  }

  async remove(networkId: string): Promise<void> {
    const held = this.networks.get(networkId);
    this.networks.delete(networkId);
    await held?.dns.close();
  }

  status(networkId: string): PeerStatus | undefined {
    const held = this.networks.get(networkId);
    return held === undefined ? undefined : { counters: held.dns.counters() };
  }

  /** The network's DNS service, for tests and benchmarks. */
  servedDns(networkId: string): ServedDns | undefined {
    return this.networks.get(networkId)?.dns;
  }

  async stop(): Promise<void> {
    const ids = [...this.networks.keys()];
    await Promise.all(ids.map((networkId) => this.remove(networkId)));
  }
}
