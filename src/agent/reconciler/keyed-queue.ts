/**
 * Work serialised per key (network id) with a bound on how many keys run at once (STYLE 7.2 #7): two tasks
 * of one network never overlap and run in submission order; different networks run in parallel, at most
 * `limit` at a time. A task must not wait for another task of the same queue (it would deadlock).
 */
import { QdhcpError } from '../../common/errors.js';
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly waiting: Array<() => void> = [];
  private running = 0;

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new QdhcpError('INVARIANT_VIOLATED', { reason: `queue limit must be ≥ 1, got ${limit}` });
  }

  /** Runs `task` after every task already queued for `key`; resolves or rejects with its result. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(() => this.withSlot(task));
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with queued or running work. */
  busyKeys(): readonly string[] {
    return [...this.tails.keys()];
  }

  /** Resolves when everything queued so far has finished. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }

  private async withSlot<T>(task: () => Promise<T>): Promise<T> {
    while (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
