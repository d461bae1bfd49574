import type { Logger } from '../../../../common/logger.js';
import { openIcmp6InNamespace } from '../../../../linux/namespace-icmp6.js';
import { bindUdp6InNamespace } from '../../../../linux/namespace-udp6.js';
import type { AgentNetwork, AgentPort } from '../../../model.js';
import type { NetworkDelta, NetworkState } from '../../../reconciler/network-state.js';
import type { PreparedNetwork } from '../../prepare-network.js';
import { advertisementOf } from './advertisement-of.js';
import { networkNeedsDhcpv6 } from './dhcpv6-tables.js';
import { RouterAdvertiser } from './router-advertiser.js';
import { ALL_DHCP_AGENTS, DHCPV6_SERVER_PORT, ServedDhcpv6 } from './served-dhcpv6.js';

/**
 * The builtin driver's DHCPv6 side: one {@link ServedDhcpv6} per network that has a DHCPv6 subnet
 * (stateful or stateless address mode), following the same deltas as the IPv4 tables. Kept apart from the
 * IPv4 packet loop so that the two evolve independently.
 */
export class Dhcpv6Networks {
  private readonly networks = new Map<string, ServedDhcpv6>();
  private readonly advertisers = new Map<
    string,
    { readonly device: string; readonly advertiser: RouterAdvertiser }
  >();

  constructor(private readonly logger: Logger) {}

  /** After the plumbing converged: serve, reload or stop serving the network's DHCPv6. */
  async converge(prepared: PreparedNetwork, deviceChanged: boolean): Promise<void> {
    const id = prepared.network.id;
    this.advertise(id, prepared.desired.device, prepared.network, prepared.dhcpPort, deviceChanged);
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
  refreshAdvertisement(
    state: NetworkState,
    device: { readonly namespace: string; readonly device: string },
  ): void {
    if (state.dhcpPort !== undefined) this.advertise(state.id, device, state.network, state.dhcpPort, false);
  }

  /**
   * Starts, updates or stops the network's router advertisements (advertisement-of.ts decides what). A
   * socket that cannot be opened is logged, not fatal: DHCP still serves.
   */
  private advertise(
    id: string,
    device: { readonly namespace: string; readonly device: string },
    network: AgentNetwork,
    dhcpPort: AgentPort,
    deviceChanged: boolean,
  ): void {
    const advertisement = advertisementOf(network, dhcpPort);
    const current = this.advertisers.get(id);
    if (
      current !== undefined &&
      (advertisement === undefined || deviceChanged || current.device !== device.device)
    ) {
      current.advertiser.stop();
      this.advertisers.delete(id);
    } else if (current !== undefined && advertisement !== undefined) {
      current.advertiser.update(advertisement);
      return;
    }
    if (advertisement === undefined) return;
    try {
      let advertiser: RouterAdvertiser | undefined;
      const endpoint = openIcmp6InNamespace(device.namespace, device.device, () => advertiser?.solicited());
      advertiser = new RouterAdvertiser(endpoint, advertisement);
      this.advertisers.set(id, { device: device.device, advertiser });
    } catch (error) {
      this.logger.error(
        { event: 'ra.open_failed', networkId: id, err: error },
        'router advertisements not sent',
      );
    }
  }

  served(networkId: string): ServedDhcpv6 | undefined {
    return this.networks.get(networkId);
  }

  remove(networkId: string): void {
    this.networks.get(networkId)?.detach();
    this.networks.delete(networkId);
    this.advertisers.get(networkId)?.advertiser.stop();
    this.advertisers.delete(networkId);
  }

  /** The network's DHCPv6 (`dhcpv6.*`) and router advertisement (`ra.*`) counters, for the status. */
  counters(networkId: string): Record<string, number> {
    const result: Record<string, number> = {};
    for (const [name, value] of Object.entries(this.networks.get(networkId)?.counters.snapshot() ?? {}))
      result[`dhcpv6.${name}`] = value;
    const ra = this.advertisers.get(networkId)?.advertiser.counters;
    if (ra !== undefined) {
      result['ra.sent'] = ra.sent;
      result['ra.solicitations'] = ra.solicitations;
      result['ra.errors'] = ra.errors;
    }
    return result;
  }

  stop(): void {
    for (const served of this.networks.values()) served.detach();
    this.networks.clear();
    for (const { advertiser } of this.advertisers.values()) advertiser.stop();
    this.advertisers.clear();
  }
}
