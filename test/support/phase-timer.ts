/** Named durations of a test's phases, so a test can report where its time went. */
export class PhaseTimer {
  private readonly phases: { readonly name: string; readonly ms: number }[] = [];
  private readonly started = Date.now();

  /** Runs `work`, recording how long it took under `name` (also when it fails). */
  async time<T>(name: string, work: () => Promise<T>): Promise<T> {
    const start = Date.now();
    try {
      return await work();
    } finally {
      this.record(name, Date.now() - start);
    }
  }

  record(name: string, ms: number): void {
    this.phases.push({ name, ms });
  }

  /** `name 1.2 s, other 0.3 s (total 1.5 s)`: total is the time since this timer was made. */
  summary(): string {
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const parts = this.phases.map((phase) => `${phase.name} ${seconds(phase.ms)}`);
    return `${parts.join(', ')} (total ${seconds(Date.now() - this.started)})`;
  }
}
