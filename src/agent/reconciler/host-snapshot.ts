import type { ObservedLink } from '../../linux/observed-links.js';
import type { ApplyOptions } from '../drivers/driver.js';

/**
 * One read of the host namespace's devices, shared by every network of a full sync (ApplyOptions.hostLinks):
 * after a restart with 1,000 networks the host holds thousands of devices, and reading them once per
 * network made the resync quadratic. The snapshot stays valid for a network until something else converges
 * or tears it down (its devices are its own, so other networks' work does not change what it needs); such a
 * network is marked touched and reads the host afresh.
 */
export class HostSnapshot {
  private links: ReadonlyMap<string, ObservedLink> | undefined;
  private readonly touched = new Set<string>();

  constructor(private readonly read: (() => Promise<ReadonlyMap<string, ObservedLink>>) | undefined) {}

  /** Reads the host now (a failed read just means every network reads for itself). */
  async take(): Promise<void> {
    this.touched.clear();
    this.links = undefined;
    this.links = await this.read?.().catch(() => undefined);
  }

  /** The network's devices may have changed since the read: it must not use the snapshot. */
  touch(networkId: string): void {
    if (this.links !== undefined) this.touched.add(networkId);
  }

  /** Options for enabling `networkId` from the full sync. */
  optionsFor(networkId: string): ApplyOptions {
    return this.links === undefined || this.touched.has(networkId) ? {} : { hostLinks: this.links };
  }

  /** Drops the snapshot (the full sync is over). */
  release(): void {
    this.links = undefined;
    this.touched.clear();
  }
}
