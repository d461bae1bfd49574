import type { Logger } from '../../common/logger.js';
import type { AgentRpc } from './agent-rpc.js';
import type { IdBatchReporter } from './id-batch-reporter.js';
import { networksServedReporter } from './networks-served.js';
import { portsReadyReporter } from './ports-ready.js';

/**
 * What the reconciler tells the server beside its calls, started and stopped together: ports it serves
 * (`dhcp.ports_ready`, ports-ready.ts) and networks it answers for (`dhcp.networks_served`,
 * networks-served.ts).
 */
export class ServerReports {
  readonly portsReady: IdBatchReporter;
  readonly networksServed: IdBatchReporter;

  constructor(rpc: AgentRpc, host: string, logger: Logger, portsReadyIntervalMs: number | undefined) {
    this.portsReady = portsReadyReporter(rpc, host, logger, portsReadyIntervalMs);
    this.networksServed = networksServedReporter(rpc, host, logger);
  }

  start(): void {
    this.portsReady.start();
    this.networksServed.start();
  }

  async stop(): Promise<void> {
    await this.portsReady.stop();
    await this.networksServed.stop();
  }
}
