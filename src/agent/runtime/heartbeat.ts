import type { Logger } from '../../common/logger.js';

/** The server's answer to one report (`agent.report_state`, or `agent.report_role_state` of l3-agent-rpc.ts). */
export interface ReportAnswer {
  readonly status: 'new' | 'alive' | 'revived';
}

/** Sends one report; `startFlag` is true until the first report was accepted. */
export type SendReport = (startFlag: boolean) => Promise<ReportAnswer>;

/**
 * Heartbeats (spec §4.9): `agent.report_state` every `intervalMs`, `startFlag` until the first one is
 * accepted. After that, an answer `revived` (the server had the agent dead) or `new` (the server forgot it)
 * asks for a full resync, since bindings may have moved meanwhile. One per reported agent type (the DHCP
 * role's `agent.report_state`, the L3 and L2 roles' `agent.report_role_state`).
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private accepted = false;
  private stopped = false;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly send: SendReport,
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
      const answer = await this.send(first);
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
