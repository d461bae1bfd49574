import { NetworkPeers } from '../../reconciler/network-peers.js';
import { BuiltinDriver } from '../builtin/builtin-driver.js';
import { BuiltinDnsPeer } from '../builtin/dns-peer.js';
import type { ServedDns } from '../builtin/served-dns.js';
import type { ServedNetwork } from '../builtin/served-network.js';
import type { DhcpDriver, DriverCapabilities, NetworkPeer, NetworkStatus } from '../driver.js';
import type { DriverDeps } from '../prepare-network.js';
import { PeerHarness } from './peer-harness.js';

/**
 * A driver and its peers driven like the reconciler drives them (PeerHarness), with the driver's status,
 * for tests of a real data plane that talk in networks and port events.
 */
export class DataPlaneHarness<D extends DhcpDriver = DhcpDriver> extends PeerHarness<NetworkPeers> {
  constructor(
    readonly driver: D,
    deps: DriverDeps,
    others: readonly NetworkPeer[] = [],
  ) {
    super(new NetworkPeers(driver, others), PeerHarness.rulesOf(deps));
  }

  get name(): string {
    return this.driver.name;
  }

  get capabilities(): DriverCapabilities {
    return this.driver.capabilities;
  }

  /** The driver's status with the peers' counters. */
  status(networkId: string): NetworkStatus | undefined {
    return this.peer.status(networkId);
  }

  enabledNetworks(): readonly string[] {
    return this.driver.enabledNetworks();
  }
}

/** The builtin driver with its DNS peer (when DNS is enabled), as the agent runs it. */
export class BuiltinHarness extends DataPlaneHarness<BuiltinDriver> {
  private readonly dns: BuiltinDnsPeer | undefined;

  constructor(deps: DriverDeps) {
    const dns = deps.dhcp.dnsEnabled ? new BuiltinDnsPeer(deps) : undefined;
    super(new BuiltinDriver(deps), deps, dns === undefined ? [] : [dns]);
    this.dns = dns;
  }

  servedNetwork(networkId: string): ServedNetwork | undefined {
    return this.driver.servedNetwork(networkId);
  }

  servedDns(networkId: string): ServedDns | undefined {
    return this.dns?.servedDns(networkId);
  }
}
