import type { Logger } from '../../common/logger.js';
import type { AgentRpc } from './agent-rpc.js';
import { IdBatchReporter } from './id-batch-reporter.js';

/** Most network ids per `dhcp.networks_served` call (the contract's limit). */
const NETWORKS_SERVED_BATCH = 1000;

/** Pause before a report goes: the networks a full resync converges together travel in one call. */
const NETWORKS_SERVED_INTERVAL_MS = 25;

/**
 * Reports the networks this agent answers for with `dhcp.networks_served` (issue 17, admin-down is a
 * drain: another agent's draining binding of the network is removed on this report,
 * src/service/agent-drain.ts). The reconciler adds a network once its DHCP server answers (after the
 * driver's apply), on every convergence, so a report lost with the server is sent again at the next
 * full resync.
 */
export function networksServedReporter(
  rpc: AgentRpc,
  host: string,
  logger: Logger,
  intervalMs = NETWORKS_SERVED_INTERVAL_MS,
): IdBatchReporter {
  return new IdBatchReporter(
    {
      batchSize: NETWORKS_SERVED_BATCH,
      failureEvent: 'agent.networks_served_failed',
      send: async (networkIds) => {
        await rpc.call('dhcp.networks_served', { host, networkIds: [...networkIds] });
      },
    },
    logger,
    intervalMs,
  );
}
