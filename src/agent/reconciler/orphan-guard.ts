import type { OrphanGuard } from '../cleanup.js';
import type { CleanupOwner } from '../cleanup-plan.js';
import type { KeyedSerialQueue } from './keyed-queue.js';
import type { NetworkPeers } from './network-peers.js';
import { held } from './reconciler-helpers.js';
import type { ReconcilerOptions } from './reconciler-types.js';

/** What the guard reads of the reconciler when a leftover's turn comes. */
export interface OrphanGuardDeps {
  /** The reconciler's per-network queue: the removal runs as one task of the network it belongs to. */
  readonly queue: KeyedSerialQueue;
  /** The networks the full sync decided to keep (server's list and enabled ones, read before the removal). */
  readonly keep: ReadonlySet<string>;
  /** The networks held now, in any state (the reconciler's entries). */
  readonly entries: ReadonlyMap<string, unknown>;
  readonly peers: Pick<NetworkPeers, 'status' | 'enabledNetworks'>;
}

/**
 * Decides at deletion time whether a leftover is still one (issue 17, docs/performance.md "the orphan-removal
 * race"): the full sync's set to keep is read before `removeOrphanNamespaces` lists and deletes, which took
 * seconds at load 20–34, and a network bound and served in between lost its namespace and bridge. Each
 * network's leftovers are removed as a task of that network's queue, so a bind's converge is either done
 * (held: nothing removed) or comes after the removal (and plumbs again). A bridge whose namespace is gone
 * is known only by the id prefix in its name: it goes under the queue of a known network with that prefix
 * (if it is held, it stays), or at once when no network of this agent has it.
 */
export function orphanGuard(deps: OrphanGuardDeps): OrphanGuard {
  const { queue, keep, entries, peers } = deps;
  // Kept by the sync, or held now: an entry in any state (a bind converged meanwhile), or a peer serving it.
  const wanted = (id: string) => keep.has(id) || held(entries, peers, id);
  // With queued work too: a bind whose converge has not finished yet.
  const known = () => [...keep, ...entries.keys(), ...peers.enabledNetworks(), ...queue.busyKeys()];
  return async (owner: CleanupOwner, remove) => {
    const networks =
      'networkId' in owner
        ? [owner.networkId]
        : [...new Set(known())].filter((id) => id.startsWith(owner.networkIdPrefix));
    const [first] = networks;
    if (first === undefined) {
      await remove();
      return true;
    }
    // Two networks with one bridge name (an 11-character prefix shared): it stays while either is wanted.
    return queue.run(first, async () => {
      if (networks.some(wanted)) return false;
      await remove();
      return true;
    });
  };
}

/**
 * The full sync's last step: removes what is left of networks not kept (`removeOrphans`, host-orphans.ts),
 * each through the guard above, in turn with its network's queue. Logs what went.
 */
export async function removeLeftovers(
  options: Pick<ReconcilerOptions, 'removeOrphans' | 'logger'>,
  deps: OrphanGuardDeps,
): Promise<void> {
  const removed = (await options.removeOrphans?.(deps.keep, orphanGuard(deps))) ?? [];
  if (removed.length > 0)
    options.logger.info({ event: 'agent.orphans_removed', networks: removed }, 'removed leftovers');
}
