import { SERVER_PORT } from '../../../dhcp-server/reply-destination.js';
import { bindUdpInNamespace } from '../../../linux/namespace-sockets.js';
import { removeDhcpNamespace } from '../../../linux/network-plumbing.js';
import type { Network } from '../../model.js';
import { dhcpNamespaceName } from '../../naming.js';
import type { DhcpDriver, DriverCapabilities, EnableOptions, NetworkStatus, PortChange } from '../driver.js';
import { type DriverDeps, isAgentDhcpPort, plumbNetwork, prepareNetwork } from '../prepare-network.js';
import { convergeServedDns, type ServedDns } from './served-dns.js';
import { ServedNetwork } from './served-network.js';

/**
 * The default driver: the DHCP engine inside the agent process serves every network, each through one UDP
 * socket opened inside its namespace (0.0.0.0:67, bound to ns-…) by the netns addon: no process per
 * network, and a port event changes one entry of an in-memory table.
 */
export class BuiltinDriver implements DhcpDriver {
  readonly name = 'builtin';
  readonly capabilities: DriverCapabilities;
  private readonly networks = new Map<string, ServedNetwork>();
  /** DNS per network (served-dns.ts), when DNS is enabled. */
  private readonly dns = new Map<string, ServedDns>();

  constructor(private readonly deps: DriverDeps) {
    this.capabilities = {
      incrementalPortUpdates: true,
      processPerNetwork: false,
      servesDns: deps.dhcp.dnsEnabled,
    };
  }

  async enable(network: Network, options: EnableOptions = {}): Promise<void> {
    const prepared = prepareNetwork(network, this.deps);
    await plumbNetwork(prepared, options.hostLinks);
    let served = this.networks.get(network.id);
    const deviceChanged =
      served !== undefined &&
      (served.device.name !== prepared.desired.device.device ||
        served.device.namespace !== prepared.desired.device.namespace);
    if (served === undefined) {
      const logger = this.deps.logger.child({ networkId: network.id });
      served = new ServedNetwork(
        prepared,
        this.deps.logDhcp === true
          ? (xid, lines) => {
              for (const line of lines) logger.info({ event: 'dhcp.trace', xid }, line);
            }
          : undefined,
      );
      this.networks.set(network.id, served);
    } else {
      served.load(prepared);
    }
    if (!served.listening || deviceChanged) {
      const socket = await bindUdpInNamespace({
        namespace: prepared.desired.device.namespace,
        address: '0.0.0.0',
        port: SERVER_PORT,
        device: prepared.desired.device.device,
        broadcast: true,
      });
      served.attach(socket);
    }
    if (this.deps.dhcp.dnsEnabled) {
      const logger = this.deps.logger.child({ networkId: network.id });
      const current = this.dns.get(network.id);
      // Not kept on failure: a service closed by a failed re-open must not be reused by the next enable.
      this.dns.delete(network.id);
      this.dns.set(network.id, await convergeServedDns(current, prepared, { logger, rebind: deviceChanged }));
    }
    this.deps.logger.info(
      { event: 'agent.network_enabled', networkId: network.id, driver: this.name, hosts: served.hostCount },
      'network served',
    );
  }

  async update(change: PortChange): Promise<void> {
    const served = this.networks.get(change.networkId);
    if (served === undefined) return;
    if (change.kind === 'port-delete') {
      served.deletePort(change.portId);
      this.dns.get(change.networkId)?.deletePort(change.portId);
      return;
    }
    if (isAgentDhcpPort(change.port, change.networkId, this.deps)) {
      // Our own port's addresses are the plumbing's: converge everything (spec §4.7 "restart" case).
      const network = served.currentNetwork();
      await this.enable({
        ...network,
        ports: network.ports.map((port) => (port.id === change.port.id ? change.port : port)),
      });
      return;
    }
    if (served.upsertPort(change.port) === 'applied') this.dns.get(change.networkId)?.upsertPort(change.port);
  }

  async disable(networkId: string, options: { readonly retainPort: boolean }): Promise<void> {
    const served = this.networks.get(networkId);
    this.networks.delete(networkId);
    served?.detach();
    await this.closeDns(networkId);
    if (!options.retainPort) {
      await removeDhcpNamespace(
        served?.device.namespace ?? dhcpNamespaceName(networkId, this.deps.plumbing.namespacePrefix),
      );
    }
  }

  status(networkId: string): NetworkStatus | undefined {
    const status = this.networks.get(networkId)?.status();
    const dns = this.dns.get(networkId);
    if (status === undefined || dns === undefined) return status;
    return { ...status, counters: { ...status.counters, ...dns.counters() } };
  }

  enabledNetworks(): readonly string[] {
    return [...this.networks.keys()];
  }

  /** The served network, for tests and benchmarks that time table updates. */
  servedNetwork(networkId: string): ServedNetwork | undefined {
    return this.networks.get(networkId);
  }

  /** The network's DNS service, for tests and benchmarks. */
  servedDns(networkId: string): ServedDns | undefined {
    return this.dns.get(networkId);
  }

  private async closeDns(networkId: string): Promise<void> {
    const dns = this.dns.get(networkId);
    this.dns.delete(networkId);
    await dns?.close();
  }

  async stop(): Promise<void> {
    for (const served of this.networks.values()) served.detach();
    this.networks.clear();
    await Promise.all([...this.dns.keys()].map((networkId) => this.closeDns(networkId)));
  }
}
