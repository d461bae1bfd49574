import type { Logger } from '../../common/logger.js';
import { findAgentDhcpPort } from '../desired-plumbing.js';
import { advertisesMetadataRoute } from '../dhcp-config/subnet-options.js';
import type { DhcpDriver, EnableOptions, NetworkStatus, PortChange } from '../drivers/driver.js';
import type { Network, Port } from '../model.js';
import { withoutPort, withPort } from '../reconciler/network-view.js';
import type { DhcpSettings } from '../settings.js';
import type { MetadataProxy } from './proxy-server.js';

/** What the decorator needs to decide, per network, whether the proxy listens. */
export interface MetadataProxyDeps {
  readonly dhcp: DhcpSettings;
  /** The device_id of this agent's DHCP port on a network (naming.ts `dhcpPortDeviceId`). */
  readonly dhcpDeviceId: (networkId: string) => string;
  readonly logger: Logger;
}

/**
 * Any DHCP driver plus the metadata proxy, as Neutron runs haproxy beside dnsmasq: after each converge
 * (`enable`) and port change the proxy listens in the network's namespace exactly when the derivation
 * advertises the 169.254.169.254/32 route via the DHCP port (spec §6.1), and stops before the namespace
 * goes. Its counters join the driver's in `status()`.
 */
export function withMetadataProxy(
  inner: DhcpDriver,
  proxy: MetadataProxy,
  deps: MetadataProxyDeps,
): DhcpDriver {
  /** The model each enabled network was last converged to, with port changes applied since. */
  const models = new Map<string, Network>();

  const reconcile = async (network: Network) => {
    models.set(network.id, network);
    const dhcpPort = findAgentDhcpPort(network, deps.dhcpDeviceId(network.id));
    const namespace = inner.status(network.id)?.namespace;
    if (namespace !== undefined && advertisesMetadataRoute(network, { settings: deps.dhcp, dhcpPort })) {
      // DHCP is served already: a proxy that cannot listen (port 80 taken…) is logged, not fatal, and
      // tried again at the network's next converge (resync).
      await proxy
        .open(network.id, namespace)
        .catch((error: unknown) =>
          deps.logger.warn(
            { event: 'metadata.listen_failed', networkId: network.id, err: error },
            'metadata proxy not listening',
          ),
        );
    } else {
      await proxy.close(network.id);
    }
  };

  return {
    name: inner.name,
    capabilities: inner.capabilities,
    async enable(network: Network, options?: EnableOptions) {
      await inner.enable(network, options);
      await reconcile(network);
    },
    async settled(networkId: string) {
      await inner.settled?.(networkId);
    },
    async update(change: PortChange) {
      await inner.update(change);
      const model = models.get(change.networkId);
      if (model === undefined) return;
      if (change.kind === 'port-upsert' && isStale(model, change.port)) return;
      // A router interface on a gateway, or our DHCP port's addresses, can change what is advertised.
      await reconcile(
        change.kind === 'port-upsert' ? withPort(model, change.port) : withoutPort(model, change.portId),
      );
    },
    async disable(networkId, options) {
      models.delete(networkId);
      // First: a listening socket would keep the deleted namespace alive.
      await proxy.close(networkId);
      await inner.disable(networkId, options);
    },
    status(networkId): NetworkStatus | undefined {
      const status = inner.status(networkId);
      if (status === undefined) return undefined;
      return { ...status, counters: { ...status.counters, ...proxy.counters(networkId) } };
    },
    enabledNetworks: () => inner.enabledNetworks(),
    async stop() {
      models.clear();
      await proxy.stop();
      await inner.stop();
    },
  };
}

/** The driver drops events older than what it holds (revision_number); so does the model kept here. */
function isStale(model: Network, port: Port): boolean {
  const held = model.ports.find((existing) => existing.id === port.id)?.revision_number;
  return held !== undefined && port.revision_number !== undefined && held > port.revision_number;
}
