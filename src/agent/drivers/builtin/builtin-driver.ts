import { SERVER_PORT } from '../../../dhcp-server/reply-destination.js';
import { bindUdpInNamespace } from '../../../linux/namespace-sockets.js';
import { removeDhcpNamespace } from '../../../linux/network-plumbing.js';
import type { Network } from '../../model.js';
import { dhcpNamespaceName } from '../../naming.js';
import type { DhcpDriver, DriverCapabilities, EnableOptions, NetworkStatus, PortChange } from '../driver.js';
import { type DriverDeps, isAgentDhcpPort, plumbNetwork, prepareNetwork } from '../prepare-network.js';
import { ServedNetwork } from './served-network.js';

/**
 * The default driver: the DHCP engine inside the agent process serves every network, each through one UDP
 * socket opened inside its namespace (0.0.0.0:67, bound to ns-…) by the netns addon: no process per
 * network, and a port event changes one entry of an in-memory table.
 */
export class BuiltinDriver implements DhcpDriver {
  readonly name = 'builtin';
  readonly capabilities: DriverCapabilities = {
    incrementalPortUpdates: true,
    processPerNetwork: false,
    servesDns: false,
  };
  private readonly networks = new Map<string, ServedNetwork>();

  constructor(private readonly deps: DriverDeps) {}

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
    served.upsertPort(change.port);
  }

  async disable(networkId: string, options: { readonly retainPort: boolean }): Promise<void> {
    const served = this.networks.get(networkId);
    this.networks.delete(networkId);
    served?.detach();
    if (!options.retainPort) {
      await removeDhcpNamespace(
        served?.device.namespace ?? dhcpNamespaceName(networkId, this.deps.plumbing.namespacePrefix),
      );
    }
  }

  status(networkId: string): NetworkStatus | undefined {
    return this.networks.get(networkId)?.status();
  }

  enabledNetworks(): readonly string[] {
    return [...this.networks.keys()];
  }

  /** The served network, for tests and benchmarks that time table updates. */
  servedNetwork(networkId: string): ServedNetwork | undefined {
    return this.networks.get(networkId);
  }

  async stop(): Promise<void> {
    for (const served of this.networks.values()) served.detach();
    this.networks.clear();
  }
}
