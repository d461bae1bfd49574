/**
 * Gratuitous ARPs of a router's new gateway addresses (floating IPs), as Neutron's L3 agent sends them
 * (`send_ip_addr_adv_notif`, `send_arp_for_ha` = 3): three rounds 2 s apart, each an unsolicited ARP
 * request and an unsolicited ARP reply (some peers honour only one of them). Never on the path of an apply:
 * the first round is queued when the rule is in and the apply returns; later rounds wait on timers, so a
 * new floating IP's first round is never stuck behind another's wait. Per router, at most
 * {@link GARP_PARALLEL} sends at a time, first rounds ahead of later ones; `cancel` drops what is pending
 * for addresses that went (or the whole router). docs/routers.md.
 *
 * @module
 */
import type { GratuitousArpKind } from '../../linux/gratuitous-arp.js';

/** Rounds per address (Neutron's `send_arp_for_ha` default). */
export const GARP_ROUNDS = 3;
/** Between rounds (Neutron sleeps 2 s: "hopefully enough for kernel to get out of locktime loop"). */
export const GARP_INTERVAL_MS = 2000;
/** Sends running at once per router (each a few system calls on a raw socket: linux/gratuitous-arp.ts). */
export const GARP_PARALLEL = 4;

/** Sends one gratuitous ARP; resolves (never rejects) with whether it went and why not. */
export type GarpSender = (
  namespace: string,
  device: string,
  address: string,
  kind: GratuitousArpKind,
) => Promise<{ readonly sent: boolean; readonly detail: string }>;

interface Job {
  readonly namespace: string;
  readonly device: string;
  readonly address: string;
  readonly round: number;
  readonly generation: number;
}

interface RouterAnnouncements {
  readonly queue: Job[];
  running: number;
  readonly timers: Set<NodeJS.Timeout>;
  /** The announcement each address is at: a job of an older one (cancelled, announced again) is dropped. */
  readonly generations: Map<string, number>;
  readonly idleWaiters: Array<() => void>;
}

export class GarpAnnouncer {
  private readonly routers = new Map<string, RouterAnnouncements>();
  private generation = 0;

  constructor(
    private readonly send: GarpSender,
    private readonly onFailure: (routerId: string, address: string, detail: string) => void,
    private readonly intervalMs = GARP_INTERVAL_MS,
  ) {}

  /** Queues the first round for each address now; the later rounds follow every `intervalMs`. */
  announce(routerId: string, namespace: string, device: string, addresses: readonly string[]): void {
    if (addresses.length === 0) return;
    const state = this.state(routerId);
    for (const address of addresses) {
      const generation = ++this.generation;
      state.generations.set(address, generation);
      this.enqueue(routerId, state, { namespace, device, address, round: 1, generation });
    }
  }

  /** Drops the pending rounds of `addresses` (all of the router's when undefined); a send running finishes. */
  cancel(routerId: string, addresses?: readonly string[]): void {
    const state = this.routers.get(routerId);
    if (state === undefined) return;
    if (addresses === undefined) {
      state.generations.clear();
      for (const timer of state.timers) clearTimeout(timer);
      state.timers.clear();
    } else {
      for (const address of addresses) state.generations.delete(address);
    }
    const kept = state.queue.filter((job) => state.generations.get(job.address) === job.generation);
    state.queue.splice(0, state.queue.length, ...kept);
    this.settle(routerId, state);
  }

  /** Resolves when nothing is queued, waiting or being sent for the router (tests, removal). */
  idle(routerId: string): Promise<void> {
    const state = this.routers.get(routerId);
    if (state === undefined) return Promise.resolve();
    return new Promise((resolve) => state.idleWaiters.push(resolve));
  }

  private state(routerId: string): RouterAnnouncements {
    let state = this.routers.get(routerId);
    if (state === undefined) {
      state = { queue: [], running: 0, timers: new Set(), generations: new Map(), idleWaiters: [] };
      this.routers.set(routerId, state);
    }
    return state;
  }

  private enqueue(routerId: string, state: RouterAnnouncements, job: Job): void {
    // First rounds ahead of later ones: a new floating IP's neighbours learn it before old ones are repeated.
    const at = job.round === 1 ? state.queue.findIndex((queued) => queued.round > 1) : -1;
    if (at < 0) state.queue.push(job);
    else state.queue.splice(at, 0, job);
    this.pump(routerId, state);
  }

  private pump(routerId: string, state: RouterAnnouncements): void {
    while (state.running < GARP_PARALLEL && state.queue.length > 0) {
      const job = state.queue.shift() as Job;
      if (state.generations.get(job.address) !== job.generation) continue;
      state.running++;
      void this.run(routerId, job).finally(() => {
        state.running--;
        this.pump(routerId, state);
        this.settle(routerId, state);
      });
    }
  }

  private async run(routerId: string, job: Job): Promise<void> {
    for (const kind of ['request', 'reply'] as const) {
      const result = await this.send(job.namespace, job.device, job.address, kind);
      if (!result.sent) this.onFailure(routerId, job.address, result.detail);
    }
    const state = this.routers.get(routerId);
    if (job.round >= GARP_ROUNDS || state?.generations.get(job.address) !== job.generation) {
      if (state?.generations.get(job.address) === job.generation) state.generations.delete(job.address);
      return;
    }
    const timer = setTimeout(() => {
      state.timers.delete(timer);
      if (state.generations.get(job.address) === job.generation)
        this.enqueue(routerId, state, { ...job, round: job.round + 1 });
      this.settle(routerId, state);
    }, this.intervalMs);
    state.timers.add(timer);
  }

  /** Forgets an idle router and wakes who waited for it. */
  private settle(routerId: string, state: RouterAnnouncements): void {
    if (state.running > 0 || state.queue.length > 0 || state.timers.size > 0) return;
    if (this.routers.get(routerId) === state) this.routers.delete(routerId);
    for (const wake of state.idleWaiters.splice(0)) wake();
  }
}
