import type { Logger } from '../../common/logger.js';
import { findAgentDhcpPort } from '../desired-plumbing.js';
import { advertisesMetadataRoute } from '../dhcp-config/subnet-options.js';
import type { DhcpDriver, EnableOptions, NetworkStatus, PortChange } from '../drivers/driver.js';
import { type Network, type Port, ROUTER_INTERFACE_OWNERS } from '../model.js';
import { LiveNetwork } from '../reconciler/network-view.js';
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
  /** The model each enabled network was last converged to, with port changes applied since (O(1) each). */
  const models = new Map<string, LiveNetwork>();

  const reconcile = async (network: Network) => {
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
      models.set(network.id, new LiveNetwork(network));
      await reconcile(network);
    },
    async settled(networkId: string) {
      await inner.settled?.(networkId);
    },
    async update(change: PortChange) {
      await inner.update(change);
      const model = models.get(change.networkId);
      if (model === undefined) return;
      const before = model.port(change.kind === 'port-upsert' ? change.port.id : change.portId);
      if (change.kind === 'port-upsert') {
        if (isStale(before, change.port)) return;
        model.upsert(change.port);
      } else model.remove(change.portId);
      // Only a router interface (on a gateway) or our DHCP port can change what is advertised; any other
      // port event skips the O(ports) derivation (it made every event at 10,000 ports cost milliseconds).
      const after = change.kind === 'port-upsert' ? change.port : undefined;
      if (canChangeAdvertisement(before) || canChangeAdvertisement(after)) await reconcile(model.network);
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
function isStale(held: Port | undefined, port: Port): boolean {
  const revision = held?.revision_number;
  return revision !== undefined && port.revision_number !== undefined && revision > port.revision_number;
}

/** Ports whose change can alter the metadata route (spec §6.1: isolation, the DHCP port's address). */
function canChangeAdvertisement(port: Port | undefined): boolean {
  const owner = port?.device_owner ?? '';
  return ROUTER_INTERFACE_OWNERS.has(owner) || owner === 'network:dhcp';
}
