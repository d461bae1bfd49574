/**
 * Once per process, after the L2 role's first converge: what a previous process left and nothing now
 * needs (docs/compute.md "Restarts"): the nft table when no tap is protected now (else the first protect
 * rebuilt it), the security group chains of taps that are gone (with their jumps), the base when no
 * port's groups are enforced, and the remote-group ipsets no chain names.
 *
 * @module
 */
import { errorText } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { NamespaceName } from '../../linux/ip-batch.js';
import { destroyIpsets } from '../../linux/iptables-sg.js';
import { listSecurityGroupSets, removeLeftoverChains } from '../../linux/iptables-sg-leftovers.js';
import {
  egressChain,
  ingressChain,
  sharedEgressChain,
  sharedIngressChain,
} from '../../linux/iptables-sg-rules.js';
import { applyNft } from '../../linux/nft-l2.js';
import { dropTableScript } from '../../linux/nft-l2-rules.js';

/** What this process has in the kernel after its first converge. */
export interface KeptState {
  /** Whether this process (re)made the nft table. */
  readonly table: boolean;
  /** Taps whose security group chains this process wrote. */
  readonly groupTaps: readonly string[];
  /** The keys of the shared group chains this process wrote (`qsg-si-KEY`, `qsg-so-KEY`). */
  readonly sharedKeys: readonly string[];
  /** Whether this process put the security group base in place. */
  readonly base: boolean;
  /** The remote-group ipsets this process's chains name. */
  readonly sets: readonly string[];
}

/** Removes what is not in `kept` (logged); a failure is logged, not thrown (the next start tries again). */
export async function removeLeftovers(
  namespace: NamespaceName,
  kept: KeptState,
  logger: Logger,
): Promise<void> {
  try {
    if (!kept.table) await applyNft(namespace, dropTableScript());
    const keep = new Set([
      ...kept.groupTaps.flatMap((tap) => [ingressChain(tap), egressChain(tap)]),
      ...kept.sharedKeys.flatMap((key) => [sharedIngressChain(key), sharedEgressChain(key)]),
    ]);
    const chains = await removeLeftoverChains(namespace, keep, !kept.base);
    const sets = (await listSecurityGroupSets(namespace)).filter((name) => !kept.sets.includes(name));
    await destroyIpsets(namespace, sets);
    if (chains.length > 0 || sets.length > 0)
      logger.info({ event: 'l2.leftovers_removed', chains, sets }, 'what a previous process left is removed');
  } catch (error) {
    logger.warn({ event: 'l2.leftovers_failed', error: errorText(error) }, 'leftovers not removed');
  }
}
