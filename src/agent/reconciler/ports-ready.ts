import type { Logger } from '../../common/logger.js';
import type { AgentRpc } from './agent-rpc.js';

/**
 * Most port ids per `dhcp.ports_ready` call. Small on purpose: the server marks each port ACTIVE in its own
 * transaction, and in all-in-one that work shares the agent's event loop — 64 at once held DHCP answers
 * back by 100+ ms after a bulk create; 16 every 25 ms keeps the same 640 ports/s in short slices.
 */
export const PORTS_READY_BATCH = 16;

/** Default pause between `dhcp.ports_ready` calls while ports are pending. */
export const PORTS_READY_INTERVAL_MS = 25;

/**
 * Collects ports that became servable and reports them with `dhcp.ports_ready` (spec §1.9, §4.8): at most
 * {@link PORTS_READY_BATCH} per call, one flush every `intervalMs` while any are pending; a failed call
 * puts its ids back for the next flush, which then waits twice as long each time (up to 10 s). `start()`/`stop()` are explicit (no timer in the constructor).
 */
export class PortsReadyReporter {
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private running = false;
  /** Consecutive failed calls: the next flush waits longer (up to 10 s) while the server is away. */
  private failures = 0;

  constructor(
    private readonly rpc: AgentRpc,
    private readonly host: string,
    private readonly logger: Logger,
    private readonly intervalMs = PORTS_READY_INTERVAL_MS,
  ) {}

  start(): void {
    this.running = true;
  }

  /** Marks ports ready; they are sent within `intervalMs`. */
  add(portIds: Iterable<string>): void {
    for (const id of portIds) this.pending.add(id);
    this.arm();
  }

  /** Ids waiting to be sent (tests, status). */
  pendingCount(): number {
    return this.pending.size;
  }

  /** Stops the timer and waits for a flush in progress. Safe to call twice. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
  }

  private arm(): void {
    if (!this.running || this.timer !== undefined || this.pending.size === 0) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.flushing = this.flush().finally(() => {
          this.flushing = undefined;
          this.arm();
        });
      },
      Math.min(this.intervalMs * 2 ** this.failures, 10_000),
    );
  }

  private async flush(): Promise<void> {
    const batch = [...this.pending].slice(0, PORTS_READY_BATCH);
    for (const id of batch) this.pending.delete(id);
    try {
      await this.rpc.call('dhcp.ports_ready', { host: this.host, portIds: batch });
      this.failures = 0;
    } catch (error) {
      this.failures = Math.min(this.failures + 1, 9);
      for (const id of batch) this.pending.add(id);
      this.logger.warn({ event: 'agent.ports_ready_failed', err: error, ports: batch.length }, 'retrying');
    }
  }
}
