/**
 * One job at a time; what is requested while it runs coalesces into one more run after it, with the
 * latest request's argument. The reconciler's full sync: startup, periodic, reconnect and heartbeat
 * reasons often arrive together, and one more sync after the current one covers all of them.
 */
export class CoalescedRun<A> {
  private running: Promise<void> | undefined;
  private again: { readonly arg: A } | undefined;

  constructor(private readonly job: (arg: A) => Promise<void>) {}

  /** Runs now, or once more after the current run; settles with the current (or this) run. */
  request(arg: A): Promise<void> {
    if (this.running !== undefined) {
      this.again = { arg };
      return this.running;
    }
    this.running = this.job(arg).finally(() => {
      this.running = undefined;
      const again = this.again;
      this.again = undefined;
      if (again !== undefined) void this.request(again.arg);
    });
    return this.running;
  }

  /** Waits for the run in progress, if any. */
  async idle(): Promise<void> {
    await this.running;
  }
}
