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
 * `dhcp.networks_served`: networks-served.ts): one flush every `intervalMs` while any are pending, and never
 * more than one call in flight — under Neutron each call is a queued RPC on `q-plugin`, and calls sent side
 * by side (one per network served by a start-up sync) queued ahead of the new process's own
 * `get_network_info` calls after a restart: 20 networks × 200 ports took 68 s to be served again
 * (docs/performance.md, issue 16). Ids of port events (`addPriority`: a new instance waits for them) go
 * before the backlog a full sync adds, as neutron-dhcp-agent's `dhcp_prio_ready_ports` do. A failed call
 * puts its ids back for the next flush, which then waits twice as long each time (up to 10 s).
 * `start()`/`stop()` are explicit (no timer in the constructor).
 */
export class IdBatchReporter {
  /** Ids of events a client waits for: sent first. */
  private readonly priority = new Set<string>();
  /** Ids a full sync (re)applied. */
  private readonly backlog = new Set<string>();
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

  /** Queues ids of a (re)applied network; they are sent after any priority ids. */
  add(ids: Iterable<string>): void {
    for (const id of ids) if (!this.priority.has(id)) this.backlog.add(id);
    this.arm();
  }

  /** Queues ids of an event: sent in the next flush, ahead of the backlog. */
  addPriority(ids: Iterable<string>): void {
    for (const id of ids) {
      this.backlog.delete(id);
      this.priority.add(id);
    }
    this.arm();
  }

  /** Ids waiting to be sent (tests, status). */
  pendingCount(): number {
    return this.priority.size + this.backlog.size;
  }

  /** Stops the timer and waits for a flush in progress. Safe to call twice. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
  }

  private arm(): void {
    // A flush in progress re-arms when it ends: one call in flight at most.
    if (!this.running || this.timer !== undefined || this.flushing !== undefined || this.pendingCount() === 0)
      return;
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
    const batch: string[] = [];
    const prioritized = new Set<string>();
    for (const lane of [this.priority, this.backlog])
      for (const id of lane) {
        if (batch.length === this.sender.batchSize) break;
        batch.push(id);
        if (lane === this.priority) prioritized.add(id);
      }
    for (const id of batch) {
      this.priority.delete(id);
      this.backlog.delete(id);
    }
    try {
      await this.sender.send(batch);
      this.failures = 0;
    } catch (error) {
      this.failures = Math.min(this.failures + 1, 9);
      for (const id of batch) {
        if (prioritized.has(id)) this.priority.add(id);
        else if (!this.priority.has(id)) this.backlog.add(id);
      }
      this.logger.warn({ event: this.sender.failureEvent, err: error, ids: batch.length }, 'retrying');
    }
  }
}
