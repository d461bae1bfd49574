import type { Logger } from '../../common/logger.js';
import type { NetworkPeer, PeerStatus } from '../drivers/driver.js';
import { dhcpNamespaceName, namespaceDeviceName } from '../naming.js';
import type { NetworkDelta, NetworkState } from '../reconciler/network-state.js';
import type { MetadataProxy } from './proxy-server.js';

/** Where the proxy listens and where its failures go. */
export interface MetadataPeerDeps {
  /** `--namespace-prefix`: the proxy listens in the network's DHCP namespace. */
  readonly namespacePrefix: string;
  /**
   * The host has IPv6 (plumbing's `ipv6`): the plumbing then adds fe80::a9fe:a9fe/64 (nodad) to the DHCP
   * port's device, and the proxy listens there too.
   */
  readonly ipv6?: boolean;
  readonly logger: Logger;
}

/**
 * The metadata proxy as a peer of the DHCP driver, as Neutron runs haproxy beside dnsmasq: applied after
 * the driver (the namespace exists), removed before it (a listening socket would keep a deleted namespace
 * alive). It listens exactly when the snapshot advertises the 169.254.169.254/32 route via the DHCP port
 * (spec §6.1, decided by the network state), on 169.254.169.254 and, with IPv6, on fe80::a9fe:a9fe of the
 * DHCP port's device; a port change that does not move that answer costs nothing.
 */
export class MetadataProxyPeer implements NetworkPeer {
  readonly name = 'metadata';

  constructor(
    private readonly proxy: MetadataProxy,
    private readonly deps: MetadataPeerDeps,
  ) {}

  async apply(state: NetworkState, delta: NetworkDelta): Promise<void> {
    if (!delta.full && !delta.metadataRoute && !delta.dhcpPort) return;
    if (!state.advertisesMetadata) {
      await this.proxy.close(state.id);
      return;
    }
    // DHCP is served already: a proxy that cannot listen (port 80 taken…) is logged, not fatal, and tried
    // again at the network's next converge (resync).
    const ipv6Device =
      this.deps.ipv6 === true && state.dhcpPort !== undefined
        ? namespaceDeviceName(state.dhcpPort.id)
        : undefined;
    await this.proxy
      .open(state.id, dhcpNamespaceName(state.id, this.deps.namespacePrefix), ipv6Device)
      .catch((error: unknown) =>
        this.deps.logger.warn(
          { event: 'metadata.listen_failed', networkId: state.id, err: error },
          'metadata proxy not listening',
        ),
      );
  }

  remove(networkId: string): Promise<void> {
    return this.proxy.close(networkId);
  }

  status(networkId: string): PeerStatus {
    return { counters: this.proxy.counters(networkId) };
  }

  stop(): Promise<void> {
    return this.proxy.stop();
  }
}
