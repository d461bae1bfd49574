import type { Logger } from '../../../common/logger.js';
import { openIcmp6InNamespace } from '../../../linux/namespace-icmp6.js';
import type { AgentNetwork, AgentPort } from '../../model.js';
import { advertisementOf } from './advertisement-of.js';
import { RouterAdvertiser } from './router-advertiser.js';

/** Where a network's advertisements are sent from: its DHCP namespace and the `ns-…` device in it. */
export interface AdvertisingDevice {
  readonly namespace: string;
  readonly device: string;
}

/**
 * The router advertisements of every network a driver serves (docs/dhcpv6.md, "Router advertisements"):
 * one {@link RouterAdvertiser} per network whose isolated subnets need one (advertisement-of.ts decides).
 * Both drivers use it, so a subnet gets the same advertisements whichever serves its DHCP — dnsmasq's own
 * `--enable-ra` is not used, as Neutron does not use it.
 */
export class NetworkAdvertisers {
  private readonly advertisers = new Map<
    string,
    { readonly device: string; readonly advertiser: RouterAdvertiser }
  >();

  constructor(private readonly logger: Logger) {}

  /**
   * Starts, updates or stops the network's advertisements (after its plumbing converged, or when a router
   * interface came or went). A socket that cannot be opened is logged, not fatal: DHCP still serves.
   */
  update(
    networkId: string,
    device: AdvertisingDevice,
    network: AgentNetwork,
    dhcpPort: AgentPort,
    deviceChanged: boolean,
  ): void {
    const advertisement = advertisementOf(network, dhcpPort);
    const current = this.advertisers.get(networkId);
    if (
      current !== undefined &&
      (advertisement === undefined || deviceChanged || current.device !== device.device)
    ) {
      current.advertiser.stop();
      this.advertisers.delete(networkId);
    } else if (current !== undefined && advertisement !== undefined) {
      current.advertiser.update(advertisement);
      return;
    }
    if (advertisement === undefined) return;
    try {
      let advertiser: RouterAdvertiser | undefined;
      const endpoint = openIcmp6InNamespace(device.namespace, device.device, () => advertiser?.solicited());
      advertiser = new RouterAdvertiser(endpoint, advertisement);
      this.advertisers.set(networkId, { device: device.device, advertiser });
    } catch (error) {
      this.logger.error({ event: 'ra.open_failed', networkId, err: error }, 'router advertisements not sent');
    }
  }

  remove(networkId: string): void {
    this.advertisers.get(networkId)?.advertiser.stop();
    this.advertisers.delete(networkId);
  }

  /** The network's `ra.*` counters for its status (none while it sends no advertisements). */
  counters(networkId: string): Record<string, number> {
    const ra = this.advertisers.get(networkId)?.advertiser.counters;
    if (ra === undefined) return {};
    return { 'ra.sent': ra.sent, 'ra.solicitations': ra.solicitations, 'ra.errors': ra.errors };
  }

  stop(): void {
    for (const { advertiser } of this.advertisers.values()) advertiser.stop();
    this.advertisers.clear();
  }
}
