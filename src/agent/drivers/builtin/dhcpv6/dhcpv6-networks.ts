import type { Logger } from '../../../../common/logger.js';
import { bindUdp6InNamespace } from '../../../../linux/namespace-udp6.js';
import type { NetworkDelta, NetworkState } from '../../../reconciler/network-state.js';
import type { PreparedNetwork } from '../../prepare-network.js';
import {
  type AdvertisingDevice,
  NetworkAdvertisers,
} from '../../router-advertisements/network-advertisers.js';
import { networkNeedsDhcpv6 } from './dhcpv6-tables.js';
import { ALL_DHCP_AGENTS, DHCPV6_SERVER_PORT, ServedDhcpv6 } from './served-dhcpv6.js';

/**
 * The builtin driver's DHCPv6 side: one {@link ServedDhcpv6} per network that has a DHCPv6 subnet
 * (stateful or stateless address mode), following the same deltas as the IPv4 tables. Kept apart from the
 * IPv4 packet loop so that the two evolve independently.
 */
export class Dhcpv6Networks {
  private readonly networks = new Map<string, ServedDhcpv6>();
  private readonly advertisers: NetworkAdvertisers;

  constructor(private readonly logger: Logger) {
    this.advertisers = new NetworkAdvertisers(logger);
  }

  /** After the plumbing converged: serve, reload or stop serving the network's DHCPv6. */
  async converge(prepared: PreparedNetwork, deviceChanged: boolean): Promise<void> {
    const id = prepared.network.id;
    this.advertisers.update(id, prepared.desired.device, prepared.network, prepared.dhcpPort, deviceChanged);
    let served = this.networks.get(id);
    if (!networkNeedsDhcpv6(prepared.network)) {
      this.networks.get(id)?.detach();
      this.networks.delete(id);
      return;
    }
    if (served === undefined) {
      const logger = this.logger.child({ networkId: id });
      served = new ServedDhcpv6(prepared, (entry) =>
        logger.info({ event: entry.event, source: entry.source }, entry.detail),
      );
      this.networks.set(id, served);
    } else {
      served.load(prepared);
    }
    if (!served.listening || deviceChanged) {
      served.attach(
        await bindUdp6InNamespace({
          namespace: prepared.desired.device.namespace,
          address: '::',
          port: DHCPV6_SERVER_PORT,
          device: prepared.desired.device.device,
          joinGroup: ALL_DHCP_AGENTS,
        }),
      );
    }
  }

  /**
   * A port-level delta (the IPv4 side applies the same one). Subnet-level facts of DHCPv6 (modes, the DHCP
   * port's addresses) change only with full or DHCP-port deltas, which converge.
   */
  applyPorts(state: NetworkState, delta: NetworkDelta): void {
    const served = this.networks.get(state.id);
    if (served === undefined) return;
    for (const { portId, after } of delta.hosts) {
      if (after === undefined) served.deletePort(portId);
      else served.upsertPort(after);
    }
  }

  /** A router interface came or went (the delta's subnet-level flag): what is advertised may change. */
  refreshAdvertisement(state: NetworkState, device: AdvertisingDevice): void {
    if (state.dhcpPort !== undefined)
      this.advertisers.update(state.id, device, state.network, state.dhcpPort, false);
  }

  served(networkId: string): ServedDhcpv6 | undefined {
    return this.networks.get(networkId);
  }

  remove(networkId: string): void {
    this.networks.get(networkId)?.detach();
    this.networks.delete(networkId);
    this.advertisers.remove(networkId);
  }

  /** The network's DHCPv6 (`dhcpv6.*`) and router advertisement (`ra.*`) counters, for the status. */
  counters(networkId: string): Record<string, number> {
    const result: Record<string, number> = {};
    for (const [name, value] of Object.entries(this.networks.get(networkId)?.counters.snapshot() ?? {}))
      result[`dhcpv6.${name}`] = value;
    return { ...result, ...this.advertisers.counters(networkId) };
  }

  stop(): void {
    for (const served of this.networks.values()) served.detach();
    this.networks.clear();
    this.advertisers.stop();
  }
}
