/**
 * "One pending rewrite" for a dnsmasq network (Neutron gets the same effect from its per-network lock):
 * a request starts the rewrite on the next turn of the event loop, so every change made in this turn joins
 * it; requests made while it runs cause exactly one more run after it. A burst of N port events therefore
 * costs one or two rewrites of the network's files, not N, and a lone event is written at once.
 */
export class CoalescedRewrite {
  private running: Promise<void> | undefined;
  private again = false;
  private cancelled = false;

  constructor(
    private readonly rewrite: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Asks for a rewrite that sees every change made before it starts. */
  request(): void {
    if (this.cancelled) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.loop();
  }

  /** Resolves when no rewrite is pending or running. */
  async settled(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  /** No further rewrites (the network is going); resolves when the one running, if any, ends. */
  async cancel(): Promise<void> {
    this.cancelled = true;
    await this.settled();
  }

  private async loop(): Promise<void> {
    try {
      do {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.cancelled) return;
        // Requests made until now are covered by this run (it reads the model as it is now).
        this.again = false;
        await this.rewrite().catch(this.onError);
      } while (this.again && !this.cancelled);
    } finally {
      this.running = undefined;
    }
  }
}
