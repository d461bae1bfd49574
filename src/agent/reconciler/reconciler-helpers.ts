import type { ResourceEventV1 } from '../../bus/messages.js';
import { isRetryable } from '../../common/errors.js';
import type { AgentNetwork } from '../model.js';
import type { NetworkPeers } from './network-peers.js';
import type { NetworkState } from './network-state.js';
import type { Entry, NetworkReport, ReconcilerOptions } from './reconciler-types.js';

/**
 * Errors that a retry cannot fix — the catalog says not `retryable` (a model this host cannot wire, a server
 * that has no free address for our DHCP port): reported, not retried in a loop; the network's next change
 * arrives as an event and is tried then.
 */
export function isPermanent(error: unknown): boolean {
  return !isRetryable(error);
}

/** The provider attributes of a deleted network, from its event's last state (enough to name its devices). */
export function deletedNetwork(event: ResourceEventV1): AgentNetwork {
  const state = event.state;
  const text = (key: string) => (typeof state[key] === 'string' ? (state[key] as string) : null);
  const segmentation = state['provider:segmentation_id'];
  return {
    id: event.networkId,
    admin_state_up: false,
    mtu: 0,
    'provider:network_type': text('provider:network_type'),
    'provider:physical_network': text('provider:physical_network'),
    'provider:segmentation_id': typeof segmentation === 'number' ? segmentation : null,
    subnets: [],
    ports: [],
  };
}

/**
 * What follows a network's removal from the data plane: its DHCP port released (`how.release`; a failure
 * only logged, the server cleans up stale ports) and its host devices removed (`how.removeDevices`).
 */
export async function afterTeardown(
  options: Pick<ReconcilerOptions, 'rpc' | 'host' | 'dhcpDeviceId' | 'logger' | 'removeNetworkDevices'>,
  networkId: string,
  how: { readonly release: boolean; readonly removeDevices: boolean },
  network: AgentNetwork | undefined,
): Promise<void> {
  const { rpc, host, dhcpDeviceId, logger } = options;
  if (how.release) {
    await rpc
      .call('dhcp.release_port', { host, networkId, deviceId: dhcpDeviceId(networkId) })
      .catch((error: unknown) =>
        logger.debug({ event: 'agent.release_failed', networkId, err: error }, 'release_port failed'),
      );
  }
  if (how.removeDevices && network !== undefined) await options.removeNetworkDevices?.(network);
  logger.info({ event: 'agent.network_removed', networkId }, 'network torn down');
}

/**
 * The entry of a network whose work failed. Held at revision −1: the next event is a "gap", so the network
 * is read again rather than patched; `since` is kept while it stays failed.
 */
export function failedEntry(
  previous: Entry | undefined,
  placeholder: () => NetworkState,
  error: unknown,
  now: number,
): Entry {
  return {
    network: (previous?.network ?? placeholder()).withRevision(-1),
    state: 'failed',
    since: previous?.state === 'failed' ? previous.since : now,
    detail: describe(error),
  };
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Per network: what is served and since when (`qdhcp agent status`). */
export function reportOf(entries: ReadonlyMap<string, Entry>): NetworkReport[] {
  return [...entries.entries()].map(([networkId, entry]) => ({
    networkId,
    state: entry.state,
    since: new Date(entry.since).toISOString(),
    revision: entry.network.revision,
    ports: entry.network.portCount,
    subnets: entry.network.subnetCount,
    detail: entry.detail,
  }));
}

/** Totals of the networks served, for the heartbeat's `configurations`. */
export function totalsOf(entries: ReadonlyMap<string, Entry>): {
  networks: number;
  subnets: number;
  ports: number;
} {
  let subnets = 0;
  let ports = 0;
  let networks = 0;
  for (const entry of entries.values()) {
    if (entry.state !== 'serving') continue;
    networks++;
    subnets += entry.network.subnetCount;
    ports += entry.network.portCount;
  }
  return { networks, subnets, ports };
}

/** Times the phases of a full resync (logged with "full resync done"): each `lap` ends one phase. */
export class PhaseTimer<P extends string> {
  readonly phases: Partial<Record<`${P}Ms`, number>> = {};
  private mark: number;

  constructor(private readonly clock: () => number) {
    this.mark = clock();
  }

  lap(phase: P): void {
    const now = this.clock();
    this.phases[`${phase}Ms`] = now - this.mark;
    this.mark = now;
  }
}

/** Whether the agent holds a network: an entry in any state, or a peer serving it. */
export function held(
  entries: ReadonlyMap<string, unknown>,
  peers: Pick<NetworkPeers, 'status'>,
  networkId: string,
): boolean {
  return entries.has(networkId) || peers.status(networkId) !== undefined;
}
