/**
 * Per-server counters: messages received by type, replies sent by type, drops by reason, and transport
 * errors. One instance per server (no module state); read as a plain object for logs.
 */
export class Counters {
  private readonly values = new Map<string, number>();

  /** Adds 1 (or `by`) to `name`, e.g. `received.DISCOVER`, `dropped.unknown-client`. */
  increment(name: string, by = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.values.get(name) ?? 0;
  }

  /** A sorted snapshot, e.g. for the periodic summary and the SIGUSR1 dump. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.values.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Sum of all counters: lets the periodic summary skip logging when nothing happened. */
  total(): number {
    let sum = 0;
    for (const value of this.values.values()) sum += value;
    return sum;
  }
}

/**
 * Allows one event per key per interval (OVN's VLOG_WARN_RL idea): used so that an unknown MAC retrying
 * every second, or a flood of garbage packets, produces one log line per minute, not one per packet.
 * The key map is bounded: when full it is cleared, which at worst logs a key again early.
 */
export class RateLimiter {
  private readonly last = new Map<string, number>();
  private readonly suppressed = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** True when the event may be logged now; otherwise counts it as suppressed. `now` is injected. */
  allow(key: string, now: number): boolean {
    const previous = this.last.get(key);
    if (previous !== undefined && now - previous < this.intervalMs) {
      this.suppressed.set(key, (this.suppressed.get(key) ?? 0) + 1);
      return false;
    }
    if (this.last.size >= this.maxKeys) {
      this.last.clear();
      this.suppressed.clear();
    }
    this.last.set(key, now);
    return true;
  }

  /** How many events for `key` were suppressed since it was last allowed (and resets that count). */
  takeSuppressed(key: string): number {
    const count = this.suppressed.get(key) ?? 0;
    this.suppressed.delete(key);
    return count;
  }
}
