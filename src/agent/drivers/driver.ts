import type { ObservedLink } from '../../linux/observed-links.js';
import type { Network, Port } from '../model.js';

/**
 * The DHCP drivers' one interface (STYLE 7.2 #6): the agent calls these methods and never names them in
 * strings; optional abilities are declared as fields. Every driver passes the shared contract suite
 * (test/e2e/driver-contract.ts).
 *
 * The agent's reconciler will call {@link DhcpDriver.enable} as its idempotent per-network converge: it
 * plumbs (namespace, bridge, DHCP port) and serves the network, and calling it again with the same
 * model changes nothing.
 */
export interface DhcpDriver {
  /** `builtin` or `dnsmasq`. */
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  /**
   * Converges the network: plumbing to exactly the desired devices, serving to exactly the model's ports
   * and options. Enables it when it is new. Throws a typed error on bad input or plumbing failure.
   */
  enable(network: Network, options?: EnableOptions): Promise<void>;
  /**
   * Applies one port change to a network that is enabled (ignored otherwise). A driver may return before
   * the change reaches the data plane (dnsmasq coalesces a burst into one rewrite); {@link settled} waits.
   */
  update(change: PortChange): Promise<void>;
  /** Resolves once every change accepted so far for the network is on the data plane (absent: always). */
  settled?(networkId: string): Promise<void>;
  /**
   * Stops serving the network. Unless `retainPort`, also removes its namespace (and with it the DHCP
   * device); the bridge stays for the instances. Safe on an unknown network and when called twice.
   */
  disable(networkId: string, options: { readonly retainPort: boolean }): Promise<void>;
  /** What the driver knows about one network, or undefined when it is not enabled. */
  status(networkId: string): NetworkStatus | undefined;
  /** Ids of the networks enabled now. */
  enabledNetworks(): readonly string[];
  /** Stops serving every network but leaves namespaces and devices (agent shutdown/restart). */
  stop(): Promise<void>;
}

/** Options of {@link DhcpDriver.enable}. */
export interface EnableOptions {
  /**
   * The host namespace's devices read once (prepare-network.ts `readHostLinks`) when many networks are
   * converged together (agent start): saves one host read per network.
   */
  readonly hostLinks?: ReadonlyMap<string, ObservedLink>;
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

/** One port event, already filtered to the network. */
export type PortChange =
  | { readonly kind: 'port-upsert'; readonly networkId: string; readonly port: Port }
  | { readonly kind: 'port-delete'; readonly networkId: string; readonly portId: string };

/** Per-network status for the agent's state report and for tests. */
export interface NetworkStatus {
  readonly networkId: string;
  readonly namespace: string;
  readonly device: string;
  readonly ports: number;
  /** `serving`, or `failed` with a reason (e.g. dnsmasq keeps dying). */
  readonly state: 'serving' | 'failed';
  readonly detail: string | undefined;
  /** Per-network counters (received/sent/dropped by kind, restarts…). */
  readonly counters: Readonly<Record<string, number>>;
  /** dnsmasq's PID, for the process-per-network driver. */
  readonly pid: number | undefined;
}

/** Superseded by the catalog code `DHCP_PORT_MISSING`; nothing throws it any more. */
// TODO(lead): remove after merge
export class MissingDhcpPortError extends Error {
  override readonly name = 'MissingDhcpPortError';
}
