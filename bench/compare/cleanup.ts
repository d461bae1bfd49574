import { writeFileSync } from 'node:fs';

export interface Teardown {
  teardown(): Promise<void>;
}

/**
 * What the compare has running, so an interrupt stops it: all-in-one runs in the root namespace (only its
 * DHCP namespaces are ours), so the shell wrapper's sweep of our namespace prefixes would miss it. The
 * prefixes go to the wrapper's file as they are made; the wrapper removes what is left after a kill.
 */
export class Cleanup {
  private readonly live = new Set<Teardown>();

  constructor(private readonly prefixFile: string | undefined) {}

  /** Records a namespace prefix for bench/run-node-bench.sh. */
  prefix(prefix: string): void {
    if (this.prefixFile !== undefined) writeFileSync(this.prefixFile, `${prefix}\n`, { flag: 'a' });
  }

  track(item: Teardown): void {
    this.live.add(item);
  }

  /** Stops tracking `item` (something else now owns its teardown). */
  forget(item: Teardown): void {
    this.live.delete(item);
  }

  /** Tears `item` down and forgets it. */
  async release(item: Teardown): Promise<void> {
    this.live.delete(item);
    await item.teardown();
  }

  /** On SIGINT/TERM: everything still running, each torn down once, failures ignored. */
  async all(): Promise<void> {
    const items = [...this.live];
    this.live.clear();
    for (const item of items) await item.teardown().catch(() => undefined);
  }
}
