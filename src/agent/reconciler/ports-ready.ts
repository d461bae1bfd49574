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
 * {@link PORTS_READY_BATCH} per call, one flush every `intervalMs` while any are pending, and never more than
 * one call in flight — under Neutron each call is a queued RPC on `q-plugin`, and calls sent side by side
 * (one per network served by a start-up sync) queued ahead of the new process's own `get_network_info` calls
 * after a restart: 20 networks × 200 ports took 68 s to be served again (docs/performance.md, issue 16).
 * Ports a port event made ready (`addPriority`: a new instance waits for them) go before the backlog a full
 * sync adds, as neutron-dhcp-agent's `dhcp_prio_ready_ports` do. A failed call puts its ids back for the next
 * flush, which then waits twice as long each time (up to 10 s). `start()`/`stop()` are explicit (no timer
 * in the constructor).
 */
export class PortsReadyReporter {
  /** Ports of port events: sent first. */
  private readonly priority = new Set<string>();
  /** Ports of networks a sync (re)applied. */
  private readonly backlog = new Set<string>();
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

  /** Marks ports of a (re)applied network ready; they are sent after any priority ports. */
  add(portIds: Iterable<string>): void {
    for (const id of portIds) if (!this.priority.has(id)) this.backlog.add(id);
    this.arm();
  }

  /** Marks ports of a port event ready: sent in the next flush, ahead of the backlog. */
  addPriority(portIds: Iterable<string>): void {
    for (const id of portIds) {
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
        if (batch.length === PORTS_READY_BATCH) break;
        batch.push(id);
        if (lane === this.priority) prioritized.add(id);
      }
    for (const id of batch) {
      this.priority.delete(id);
      this.backlog.delete(id);
    }
    try {
      await this.rpc.call('dhcp.ports_ready', { host: this.host, portIds: batch });
      this.failures = 0;
    } catch (error) {
      this.failures = Math.min(this.failures + 1, 9);
      for (const id of batch) {
        if (prioritized.has(id)) this.priority.add(id);
        else if (!this.priority.has(id)) this.backlog.add(id);
      }
      this.logger.warn({ event: 'agent.ports_ready_failed', err: error, ports: batch.length }, 'retrying');
    }
  }
}
