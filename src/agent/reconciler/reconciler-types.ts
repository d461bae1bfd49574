import type { Logger } from '../../common/logger.js';
import type { ObservedLink } from '../../linux/observed-links.js';
import type { OrphanGuard } from '../cleanup.js';
import type { AgentNetwork } from '../model.js';
import type { DhcpSettings } from '../settings.js';
import type { AgentRpc } from './agent-rpc.js';
import type { NetworkPeers } from './network-peers.js';
import type { NetworkState } from './network-state.js';
import type { ReconcilerObserver } from './observer.js';

/** What the reconciler is built with (the composition root passes real things; tests a fake server). */
export interface ReconcilerOptions {
  readonly host: string;
  /** The DHCP driver and its peers (DNS, metadata proxy): what the reconciler converges. */
  readonly peers: NetworkPeers;
  /** The DHCP settings the network state derives the metadata route with (spec §6.1). */
  readonly dhcp: DhcpSettings;
  readonly rpc: AgentRpc;
  readonly logger: Logger;
  /** This agent's DHCP port device id on a network (naming.ts `dhcpPortDeviceId`). */
  readonly dhcpDeviceId: (networkId: string) => string;
  /** Networks converged at once (default 8). */
  readonly parallelism?: number;
  /** Delay before a failed network (or full sync) is tried again (default 2 s). */
  readonly retryDelayMs?: number;
  /** Periodic full resync (default 60 s; 0 = off). */
  readonly resyncIntervalMs?: number;
  readonly portsReadyIntervalMs?: number;
  readonly observer?: ReconcilerObserver;
  /**
   * Removes host leftovers (namespaces, bridges) of networks not in `keep` (host-orphans.ts), each through
   * `guard`, which lets it go only if its network is still not wanted then (orphan-guard.ts); default none.
   */
  readonly removeOrphans?: (keep: ReadonlySet<string>, guard: OrphanGuard) => Promise<readonly string[]>;
  /** Removes a deleted network's host devices (bridge, uplink); default none. */
  readonly removeNetworkDevices?: (network: AgentNetwork) => Promise<void>;
  /** Reads the host namespace's devices once per full sync (prepare-network.ts `readHostLinks`); default none. */
  readonly readHostLinks?: () => Promise<ReadonlyMap<string, ObservedLink>>;
  readonly clock?: () => number;
  /**
   * Told of every change to what is served (served-state/writer.ts keeps the crash-restart snapshot):
   * the network's state when it is served, undefined when it is not any more. Default none.
   */
  readonly servedState?: ServedStateSink;
}

/** One served network: the model and the network revision applied (Reconciler.restore, served-state/format.ts). */
export interface ServedNetwork {
  readonly network: AgentNetwork;
  readonly revision: number;
}

/**
 * Where the reconciler reports what it serves, per network (served-state/writer.ts). A network that fails
 * is not reported: what it served before is still the best guess after a crash.
 */
export interface ServedStateSink {
  changed(networkId: string, served: NetworkState | undefined): void;
}

/** One network as the agent holds it: its one state, replaced by every change (network-state.ts). */
export interface Entry {
  /** The snapshot and the network revision applied (snapshot `revision`, then each applied event's). */
  readonly network: NetworkState;
  /** `serving`; `idle` (bound but nothing to serve: admin down or no DHCP subnet); `failed` (retrying). */
  readonly state: 'serving' | 'idle' | 'failed';
  /** Since when the network is in this state (ms since epoch). */
  readonly since: number;
  readonly detail: string | undefined;
}

/** Per network: what is served and since when (`qdhcp agent status`, heartbeat counts). */
export interface NetworkReport {
  readonly networkId: string;
  readonly state: Entry['state'];
  readonly since: string;
  readonly revision: number;
  readonly ports: number;
  readonly subnets: number;
  readonly detail: string | undefined;
}
