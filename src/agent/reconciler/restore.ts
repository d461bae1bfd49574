import { networkNeedsDhcp } from '../desired-plumbing.js';
import type { NetworkPeers } from './network-peers.js';
import { FULL_DELTA, NetworkState, type StateRules } from './network-state.js';
import type { Entry, ServedNetwork } from './reconciler-types.js';

/** What {@link restoreServed} needs of the reconciler. */
export interface RestoreTarget {
  readonly peers: NetworkPeers;
  readonly rules: StateRules;
  /** Runs one network's step in its queue after a loop turn; a failure marks it failed (retried). */
  step(networkId: string, work: () => Promise<void>): Promise<void>;
  entry(networkId: string): Entry | undefined;
  /** Records the network as served from the snapshot (not written back: the snapshot holds it). */
  served(state: NetworkState): void;
}

/**
 * Serves networks from the served-state snapshot (Reconciler.restore, issue 17) on the devices the killed
 * process left (ApplyOptions.adopt): every network's DHCP socket first, then the DNS and metadata
 * listeners (a booting client waits for its lease; DNS and metadata come after it, and each of the three
 * costs about the same to open). Resolves with the networks whose DHCP is served.
 */
export async function restoreServed(
  networks: readonly ServedNetwork[],
  target: RestoreTarget,
): Promise<readonly string[]> {
  const restored: string[] = [];
  await Promise.all(
    networks.map(({ network, revision }) =>
      target.step(network.id, async () => {
        const state = NetworkState.of(network, revision, target.rules);
        if (target.entry(network.id) !== undefined || !networkNeedsDhcp(network)) return;
        if (state.dhcpPort === undefined) return;
        await target.peers.applyDriver(state, FULL_DELTA, { adopt: true });
        target.served(state);
        restored.push(network.id);
      }),
    ),
  );
  await Promise.all(
    restored.map((networkId) =>
      target.step(networkId, async () => {
        // The entry as it is now: an event handled since the DHCP half may have changed it (a peer
        // ignores a partial delta before its full apply, network-peers.ts).
        const entry = target.entry(networkId);
        if (entry?.state === 'serving') await target.peers.applyOthers(entry.network, FULL_DELTA);
      }),
    ),
  );
  return restored;
}
