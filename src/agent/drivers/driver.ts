import type { ObservedLink } from '../../linux/observed-links.js';
import type { NetworkDelta, NetworkState } from '../reconciler/network-state.js';

/**
 * What the agent runs beside its reconciler for each network (issue 11): the DHCP driver, the builtin
 * driver's DNS and the metadata proxy. The reconciler owns the network's one state ({@link NetworkState})
 * and hands each peer the new snapshot with what changed; a peer holds only sockets, processes and tables.
 * Every DHCP driver passes the shared contract suites (driver-state-contract.ts on any driver, including
 * the in-memory fake; test/e2e/driver-contract.ts on the data plane).
 */
export interface NetworkPeer {
  readonly name: string;
  /**
   * Brings what the peer holds for the network to `state`. `delta` says what changed since the snapshot
   * it last applied: `full` converges everything (idempotent: the same snapshot again changes nothing),
   * otherwise only the listed hosts. Throws a typed error on bad input or plumbing failure.
   */
  apply(state: NetworkState, delta: NetworkDelta, options?: ApplyOptions): Promise<void>;
  /** Resolves once every change applied so far for the network is on the data plane (absent: always). */
  settled?(networkId: string): Promise<void>;
  /**
   * Stops serving the network. Unless `retainPort`, also removes its namespace (and with it the DHCP
   * device); the bridge stays for the instances. Safe on an unknown network and when called twice.
   */
  remove(networkId: string, options: { readonly retainPort: boolean }): Promise<void>;
  /** The peer's view of one network (at least its counters), or undefined when it holds nothing for it. */
  status(networkId: string): PeerStatus | undefined;
  /** Stops everything but leaves namespaces and devices (agent shutdown/restart). */
  stop(): Promise<void>;
}

/** What any peer reports for a network. */
export interface PeerStatus {
  /** Per-network counters; the agent's status and /metrics show every peer's together. */
  readonly counters: Readonly<Record<string, number>>;
}

/** The DHCP driver: the peer that plumbs the network and answers DHCP (STYLE 7.2 #6). */
export interface DhcpDriver extends NetworkPeer {
  /** `builtin` or `dnsmasq`. */
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  status(networkId: string): NetworkStatus | undefined;
  /** Ids of the networks served now. */
  enabledNetworks(): readonly string[];
}

/** Options of {@link NetworkPeer.apply}. */
export interface ApplyOptions {
  /**
   * The host namespace's devices read once (prepare-network.ts `readHostLinks`) when many networks are
   * converged together (agent start): saves one host read per network.
   */
  readonly hostLinks?: ReadonlyMap<string, ObservedLink>;
  /**
   * Restore after a crash (Reconciler.restore, issue 17): serve on the namespace and devices the killed
   * process left, as they are, without reading or converging the plumbing; only when they are missing
   * (opening the socket fails) is the network plumbed first. The startup sync converges the plumbing.
   * A driver that cannot serve without plumbing ignores it.
   */
  readonly adopt?: boolean;
}

/** What a driver can do, as data (no probing by catching errors). */
export interface DriverCapabilities {
  /** Port changes are applied to the served table one port at a time (no file rewrite, no reload). */
  readonly incrementalPortUpdates: boolean;
  /** One OS process per network (dnsmasq) rather than sockets in the agent. */
  readonly processPerNetwork: boolean;
  /** The driver itself answers DNS in the namespace. */
  readonly servesDns: boolean;
}

/** Per-network status for the agent's state report and for tests. */
export interface NetworkStatus extends PeerStatus {
  readonly networkId: string;
  readonly namespace: string;
  readonly device: string;
  readonly ports: number;
  /** `serving`, or `failed` with a reason (e.g. dnsmasq keeps dying). */
  readonly state: 'serving' | 'failed';
  readonly detail: string | undefined;
  /** dnsmasq's PID, for the process-per-network driver. */
  readonly pid: number | undefined;
}
