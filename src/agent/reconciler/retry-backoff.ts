/** Longest wait between retries of one key. */
export const MAX_RETRY_DELAY_MS = 60_000;

/**
 * At most one pending retry per key (a network id, or `*` for the full sync), after `baseDelayMs` doubled
 * with each consecutive failure up to {@link MAX_RETRY_DELAY_MS}: a server that is down is not hammered.
 * `succeeded` resets a key; `stop` cancels everything (no timer survives the agent).
 */
export class RetryBackoff {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  private stopped = false;

  constructor(private readonly baseDelayMs: number) {}

  /** Schedules `retry` for `key` unless one is pending already; returns the delay, or undefined. */
  failed(key: string, retry: () => void): number | undefined {
    if (this.stopped || this.timers.has(key)) return undefined;
    const count = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, count);
    const delay = Math.min(this.baseDelayMs * 2 ** (count - 1), MAX_RETRY_DELAY_MS);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      retry();
    }, delay);
    timer.unref();
    this.timers.set(key, timer);
    return delay;
  }

  /** The key works again: forget its failures and cancel its pending retry. */
  succeeded(key: string): void {
    this.failures.delete(key);
    const timer = this.timers.get(key);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(key);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
