import type { Logger } from '../../common/logger.js';
import type { AgentRpc } from './agent-rpc.js';
import { IdBatchReporter } from './id-batch-reporter.js';

/**
 * Most port ids per `dhcp.ports_ready` call. Small on purpose: the server marks each port ACTIVE in its own
 * transaction, and in all-in-one that work shares the agent's event loop — 64 at once held DHCP answers
 * back by 100+ ms after a bulk create; 16 every 25 ms keeps the same 640 ports/s in short slices.
 */
export const PORTS_READY_BATCH = 16;

/** Default pause between `dhcp.ports_ready` calls while ports are pending. */
export const PORTS_READY_INTERVAL_MS = 25;

/**
 * Reports ports that became servable with `dhcp.ports_ready` (spec §1.9, §4.8): at most
 * {@link PORTS_READY_BATCH} per call, retried as id-batch-reporter.ts says.
 */
export function portsReadyReporter(
  rpc: AgentRpc,
  host: string,
  logger: Logger,
  intervalMs = PORTS_READY_INTERVAL_MS,
): IdBatchReporter {
  return new IdBatchReporter(
    {
      batchSize: PORTS_READY_BATCH,
      failureEvent: 'agent.ports_ready_failed',
      send: async (portIds) => {
        await rpc.call('dhcp.ports_ready', { host, portIds: [...portIds] });
      },
    },
    logger,
    intervalMs,
  );
}
