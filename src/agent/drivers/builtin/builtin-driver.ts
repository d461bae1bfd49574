import { SERVER_PORT } from '../../../dhcp-server/reply-destination.js';
import { DHCP_SOCKET_HOLD_MS } from '../../../dhcp-server/socket-hold.js';
import { removeDhcpNamespace } from '../../../linux/network-plumbing.js';
import { openBatchedUdpInNamespace } from '../../../linux/udp-batch-socket.js';
import { dhcpNamespaceName } from '../../naming.js';
import type { NetworkDelta, NetworkState } from '../../reconciler/network-state.js';
import type { ApplyOptions, DhcpDriver, DriverCapabilities, NetworkStatus } from '../driver.js';
import { type DriverDeps, type PreparedNetwork, plumbNetwork, prepareState } from '../prepare-network.js';
import { Dhcpv6Networks } from './dhcpv6/dhcpv6-networks.js';
import type { ServedDhcpv6 } from './dhcpv6/served-dhcpv6.js';
import { ServedNetwork } from './served-network.js';

/**
 * SO_RCVBUF of a network's DHCP socket (capped by net.core.rmem_max), as `qdhcp serve` asks: with the
 * kernel's default (~200 KiB, ~90 DHCP datagrams) a boot storm of 200 instances on one network lost
 * 770–1,146 DISCOVER/REQUESTs (RcvbufErrors) while the agent waited for a CPU (docs/performance.md "Issue 17,
 * item 2"), and each loss costs the client a retry a second or more later.
 */
const DHCP_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * The default driver: the DHCP engine inside the agent process serves every network, each through one UDP
 * socket opened inside its namespace (0.0.0.0:67, bound to ns-…) by the netns addon: no process per
 * network, and a port change replaces one port's entries of an in-memory table. DNS is its own peer
 * (dns-peer.ts).
 */
export class BuiltinDriver implements DhcpDriver {
  readonly name = 'builtin';
  readonly capabilities: DriverCapabilities;
  private readonly networks = new Map<string, ServedNetwork>();
  /** DHCPv6 of the networks with a DHCPv6 subnet (docs/dhcpv6.md): its own sockets and tables. */
  private readonly dhcpv6: Dhcpv6Networks;

  constructor(private readonly deps: DriverDeps) {
    this.dhcpv6 = new Dhcpv6Networks(deps.logger);
    this.capabilities = {
      incrementalPortUpdates: true,
      processPerNetwork: false,
      servesDns: deps.dhcp.dnsEnabled,
    };
  }

  async apply(state: NetworkState, delta: NetworkDelta, options: ApplyOptions = {}): Promise<void> {
    const served = this.networks.get(state.id);
    // Our own port's addresses are the plumbing's: converge everything (spec §4.7 "restart" case).
    if (delta.full || delta.dhcpPort) {
      await this.converge(state, served, options);
      return;
    }
    if (served === undefined) return;
    this.dhcpv6.applyPorts(state, delta);
    for (const { portId, after } of delta.hosts) {
      if (after === undefined) served.deletePort(portId);
      else served.upsertPort(after);
    }
    if (delta.subnetOptions) {
      served.refreshSubnetOptions(state.network);
      this.dhcpv6.refreshAdvertisement(state, {
        namespace: served.device.namespace,
        device: served.device.name,
      });
    }
  }

  private async converge(
    state: NetworkState,
    current: ServedNetwork | undefined,
    options: ApplyOptions,
  ): Promise<void> {
    const prepared = prepareState(state, this.deps);
    // A restore serves first on what the killed process left (ApplyOptions.adopt); the sync plumbs later.
    const adopted = options.adopt === true && current === undefined ? this.tryListen(prepared) : undefined;
    if (adopted === undefined) await plumbNetwork(prepared, options.hostLinks);
    let served = current;
    const deviceChanged =
      served !== undefined &&
      (served.device.name !== prepared.desired.device.device ||
        served.device.namespace !== prepared.desired.device.namespace);
    if (served === undefined) {
      const logger = this.deps.logger.child({ networkId: state.id });
      served = new ServedNetwork(
        prepared,
        this.deps.logDhcp === true
          ? (xid, lines) => {
              for (const line of lines) logger.info({ event: 'dhcp.trace', xid }, line);
            }
          : undefined,
      );
      this.networks.set(state.id, served);
    } else {
      served.load(prepared);
    }
    if (adopted !== undefined) served.attach(adopted);
    else if (!served.listening || deviceChanged) served.attach(this.listen(prepared));
    await this.dhcpv6.converge(prepared, deviceChanged);
    this.deps.logger.info(
      {
        event: 'agent.network_enabled',
        networkId: state.id,
        driver: this.name,
        hosts: served.hostCount,
        ...(adopted !== undefined && { adopted: true }),
      },
      'network served',
    );
  }

  /** The network's DHCP socket: 0.0.0.0:67 in its namespace, bound to its ns-… device. */
  /** {@link listen}, or undefined when the namespace or device the killed process left is not there. */
  private tryListen(prepared: PreparedNetwork): ReturnType<typeof openBatchedUdpInNamespace> | undefined {
    try {
      return this.listen(prepared);
    } catch {
      return undefined;
    }
  }

  private listen(prepared: PreparedNetwork): ReturnType<typeof openBatchedUdpInNamespace> {
    return openBatchedUdpInNamespace({
      namespace: prepared.desired.device.namespace,
      address: '0.0.0.0',
      port: SERVER_PORT,
      device: prepared.desired.device.device,
      broadcast: true,
      receiveBufferBytes: DHCP_RECEIVE_BUFFER_BYTES,
      holdMs: this.deps.dhcpSocketHoldMs ?? DHCP_SOCKET_HOLD_MS,
    });
  }

  async remove(networkId: string, options: { readonly retainPort: boolean }): Promise<void> {
    const served = this.networks.get(networkId);
    this.networks.delete(networkId);
    served?.detach();
    this.dhcpv6.remove(networkId);
    if (!options.retainPort) {
      await removeDhcpNamespace(
        served?.device.namespace ?? dhcpNamespaceName(networkId, this.deps.plumbing.namespacePrefix),
      );
    }
  }

  status(networkId: string): NetworkStatus | undefined {
    const status = this.networks.get(networkId)?.status();
    if (status === undefined) return undefined;
    return { ...status, counters: { ...status.counters, ...this.dhcpv6.counters(networkId) } };
  }

  enabledNetworks(): readonly string[] {
    return [...this.networks.keys()];
  }

  /** The network's DHCPv6 service when it has one (tests). */
  servedDhcpv6(networkId: string): ServedDhcpv6 | undefined {
    return this.dhcpv6.served(networkId);
  }

  /** The served network, for tests and benchmarks that time table updates. */
  servedNetwork(networkId: string): ServedNetwork | undefined {
    return this.networks.get(networkId);
  }

  async stop(): Promise<void> {
    for (const served of this.networks.values()) served.detach();
    this.networks.clear();
    this.dhcpv6.stop();
  }
}
