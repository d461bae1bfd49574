import type { Logger } from '../../common/logger.js';

/** What one kind of report sends: at most `batchSize` ids per `send`. */
export interface IdBatchSender {
  readonly batchSize: number;
  /** The log event of a failed call (e.g. `agent.ports_ready_failed`). */
  readonly failureEvent: string;
  send(ids: readonly string[]): Promise<void>;
}

/**
 * Collects ids and reports them to the server in batches (`dhcp.ports_ready`: ports-ready.ts;
 * `dhcp.networks_served`: networks-served.ts): one flush every `intervalMs` while any are pending; a
 * failed call puts its ids back for the next flush, which then waits twice as long each time (up to
 * 10 s). `start()`/`stop()` are explicit (no timer in the constructor).
 */
export class IdBatchReporter {
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private running = false;
  /** Consecutive failed calls: the next flush waits longer (up to 10 s) while the server is away. */
  private failures = 0;

  constructor(
    private readonly sender: IdBatchSender,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.running = true;
  }

  /** Queues ids; they are sent within `intervalMs`. */
  add(ids: Iterable<string>): void {
    for (const id of ids) this.pending.add(id);
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
    const batch = [...this.pending].slice(0, this.sender.batchSize);
    for (const id of batch) this.pending.delete(id);
    try {
      await this.sender.send(batch);
      this.failures = 0;
    } catch (error) {
      this.failures = Math.min(this.failures + 1, 9);
      for (const id of batch) this.pending.add(id);
      this.logger.warn({ event: this.sender.failureEvent, err: error, ids: batch.length }, 'retrying');
    }
  }
}
