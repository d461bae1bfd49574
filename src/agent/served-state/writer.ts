import { mkdir } from 'node:fs/promises';
import type { Logger } from '../../common/logger.js';
import type { ServedNetwork } from '../reconciler/reconciler-types.js';
import { replaceFilesDurably } from './durable-file.js';
import { encodeServedNetwork } from './format.js';
import { servedStateFileName } from './layout.js';

/** How long changes gather before they are written: a burst of port events becomes one write per network. */
export const SERVED_STATE_DEBOUNCE_MS = 200;

/**
 * Keeps the served-state directory (layout.ts) in step with what the reconciler serves (the reconciler's
 * `servedState` sink): `changed` only records the latest state of a network; a timer writes every network
 * changed since the last write as one durable batch (durable-file.ts). Encoding happens at write time, so
 * a network changed 100 times in a burst is encoded once. One write at a time; a failed write is logged
 * and its networks are tried again with the next one.
 */
export class ServedStateWriter {
  /** Network id → its state to write, or null: remove its file. */
  private pending = new Map<string, ServedNetwork | null>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private directoryReady = false;
  private failures = 0;

  constructor(
    private readonly directory: string,
    private readonly logger: Logger,
    private readonly delayMs = SERVED_STATE_DEBOUNCE_MS,
  ) {}

  /** The network is served as `served` now (undefined: not served any more). Returns at once. */
  changed(networkId: string, served: ServedNetwork | undefined): void {
    this.pending.set(networkId, served ?? null);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.delayMs);
  }

  /** Writes failed since the start (metrics, tests). */
  get failedWrites(): number {
    return this.failures;
  }

  /** Writes everything pending now and waits for it (shutdown, tests). */
  async flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.writing !== undefined) await this.writing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.writing = this.write(batch).finally(() => {
      this.writing = undefined;
    });
    await this.writing;
  }

  private async write(batch: ReadonlyMap<string, ServedNetwork | null>): Promise<void> {
    const savedAt = new Date();
    const writes = [];
    const removals = [];
    for (const [networkId, served] of batch) {
      if (served === null) removals.push(servedStateFileName(networkId));
      else
        writes.push({ name: servedStateFileName(networkId), content: encodeServedNetwork(served, savedAt) });
    }
    try {
      if (!this.directoryReady) await mkdir(this.directory, { recursive: true, mode: 0o700 });
      this.directoryReady = true;
      await replaceFilesDurably(this.directory, writes, removals);
    } catch (error) {
      this.failures += 1;
      this.logger.warn(
        {
          event: 'agent.served_state_write_failed',
          directory: this.directory,
          networks: batch.size,
          err: error,
        },
        'served state not written; trying again with the next change',
      );
      // Newer changes recorded meanwhile win over the failed batch's.
      for (const [networkId, served] of batch)
        if (!this.pending.has(networkId)) this.pending.set(networkId, served);
    }
  }
}
