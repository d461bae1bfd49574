import type { MethodParams } from '../../bus/dhcp-agent-rpc.js';
import type { Logger } from '../../common/logger.js';
import type { AgentRpc } from '../reconciler/agent-rpc.js';

/**
 * Heartbeats (spec §4.9): `agent.report_state` every `intervalMs`, `startFlag` until the first one is
 * accepted. After that, an answer `revived` (the server had the agent dead) or `new` (the server forgot it)
 * asks for a full resync, since bindings may have moved meanwhile.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private accepted = false;
  private stopped = false;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly rpc: AgentRpc,
    private readonly report: (startFlag: boolean) => MethodParams<'agent.report_state'>,
    private readonly intervalMs: number,
    private readonly onResync: (reason: string) => void,
    private readonly logger: Logger,
  ) {}

  /** Sends the first report now and then every interval; resolves when the first one is answered (or failed). */
  start(): Promise<void> {
    const first = this.beat();
    this.inFlight = first;
    this.timer = setInterval(() => {
      if (this.inFlight === undefined) this.inFlight = this.beat();
    }, this.intervalMs);
    this.timer.unref();
    return first;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.inFlight;
  }

  private async beat(): Promise<void> {
    try {
      if (this.stopped) return;
      const first = !this.accepted;
      const answer = await this.rpc.call('agent.report_state', this.report(first));
      this.accepted = true;
      if (!first && answer.status !== 'alive')
        this.onResync(
          answer.status === 'revived' ? 'server reports agent revived' : 'server did not know agent',
        );
    } catch (error) {
      this.logger.warn({ event: 'agent.report_state_failed', err: error }, 'heartbeat failed');
    } finally {
      this.inFlight = undefined;
    }
  }
}
