/**
 * The agent's L3 role (issue 13): keeps the host's routers on the data plane (`RouterDataPlane`,
 * router-spec.ts) equal to what the control plane binds to this host (`l3.sync_routers`,
 * src/bus/l3-agent-rpc.ts).
 *
 * - Full sync on start, after a reconnect and when the server says the agent was dead or unknown: apply
 *   every bound router, remove every other router this agent serves, and, after the first sync, the
 *   routers an earlier run left (`dataPlane.list()`): a restart converges without flushing.
 * - Events (`qdhcp.router-event`): `updated` → fetch that router and apply it (missing from the answer:
 *   no longer ours → remove); `unbound` → remove. An `updated` that carries a floating-IP-only change from
 *   the revision this agent applied last is applied to the router kept from then, without the fetch.
 * - Work is serialised per router; a revision not newer than the one applied is dropped (events and
 *   fetched specs alike); a failed apply/remove/fetch is retried with capped backoff.
 *
 * @module
 */
import { Value } from '@sinclair/typebox/value';
import { type L3Router, RouterEventV1, type RouterFloatingIpChange } from '../../bus/l3-agent-rpc.js';
import type { Logger } from '../../common/logger.js';
import { CoalescedRun } from '../reconciler/coalesced-run.js';
import { KeyedSerialQueue } from '../reconciler/keyed-queue.js';
import { RetryBackoff } from '../reconciler/retry-backoff.js';
import type { L3Rpc } from './l3-rpc.js';
import type { RouterDataPlane, RouterSpec } from './router-spec.js';

/** The contract's router is the data plane's spec (a compile-time check that the two do not drift). */
const asSpec = (router: L3Router): RouterSpec => router;

/** What the reconciler needs. */
export interface RouterReconcilerOptions {
  readonly host: string;
  readonly rpc: L3Rpc;
  readonly dataPlane: RouterDataPlane;
  readonly logger: Logger;
  /** First retry delay of a failed router or sync (doubled per failure, capped at 60 s); default 1 s. */
  readonly retryDelayMs?: number;
  /** Routers applied at once; default 4. */
  readonly parallelism?: number;
}

/** One router as the agent serves it (status socket, tests). */
export interface RouterReport {
  readonly routerId: string;
  /** The newest revision applied (or removed at); -1 when only seen on the host at start-up. */
  readonly revision: number;
  readonly installed: boolean;
}

/**
 * `spec` with a floating-IP-only change applied, at `revision`: the control plane's answer for that revision
 * (its floating IPs are listed by id, router-l3-sync.ts). Pure.
 */
function withFloatingIpChange(
  spec: RouterSpec,
  change: RouterFloatingIpChange,
  revision: number,
): RouterSpec {
  const replaced = new Set([...change.removed, ...change.upserted.map((f) => f.id)]);
  const floatingIps = [...spec.floatingIps.filter((f) => !replaced.has(f.id)), ...change.upserted].sort(
    (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return { ...spec, floatingIps, revision };
}

/** When an event's work happened (epoch ms; `occurredAt` is the server's commit, ISO). */
interface EventTiming {
  readonly occurredAt: string;
  readonly receivedAt: number;
  readonly startedAt: number;
  readonly fetchedAt?: number;
}

/** Why a message was not acted on (tests and logs). */
export type RouterMessageOutcome = 'not-a-router-event' | 'other-host' | 'stale' | 'handled';

export class RouterReconciler {
  private readonly applied = new Map<string, number>();
  /** The spec each installed router was last applied with (what an event's floating IP change applies to). */
  private readonly specs = new Map<string, RouterSpec>();
  private readonly installed = new Set<string>();
  /** When each router was last applied or removed (a counter): a full sync does not undo newer work. */
  private readonly touched = new Map<string, number>();
  private clock = 0;
  private firstSyncDone = false;
  private stopped = false;
  private readonly queue: KeyedSerialQueue;
  private readonly backoff: RetryBackoff;
  private readonly fullSyncRun: CoalescedRun<string>;

  constructor(private readonly options: RouterReconcilerOptions) {
    this.queue = new KeyedSerialQueue(options.parallelism ?? 4);
    this.backoff = new RetryBackoff(options.retryDelayMs ?? 1000);
    this.fullSyncRun = new CoalescedRun((reason) => this.runFullSync(reason));
  }

  /** Syncs every router of the host (coalesced with a sync in progress). */
  fullSync(reason: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return this.fullSyncRun.request(reason);
  }

  /** Acts on a bus message if it is a router event for this host; everything else is left alone. */
  async handleMessage(message: unknown): Promise<RouterMessageOutcome> {
    if (!Value.Check(RouterEventV1, message)) return 'not-a-router-event';
    if (message.host !== this.options.host) return 'other-host';
    const { routerId, revision, action } = message;
    const receivedAt = Date.now();
    return this.queue.run(routerId, async () => {
      if (revision <= (this.applied.get(routerId) ?? -1)) {
        this.options.logger.debug(
          { event: 'l3.event_stale', routerId, revision },
          'stale router event dropped',
        );
        return 'stale' as const;
      }
      const change = message.floatingIps;
      const base = this.specs.get(routerId);
      const timing = { occurredAt: message.occurredAt, receivedAt, startedAt: Date.now() };
      if (action === 'unbound') await this.removeRouter(routerId, revision);
      else if (
        change !== undefined &&
        base !== undefined &&
        change.baseRevision === this.applied.get(routerId)
      )
        await this.applySpec(withFloatingIpChange(base, change, revision), timing);
      else await this.fetchAndApply(routerId, `router event (revision ${revision})`, timing);
      return 'handled' as const;
    });
  }

  /** What the agent serves now. */
  report(): RouterReport[] {
    const ids = new Set([...this.applied.keys(), ...this.installed]);
    return [...ids].sort().map((routerId) => ({
      routerId,
      revision: this.applied.get(routerId) ?? -1,
      installed: this.installed.has(routerId),
    }));
  }

  /** Resolves when queued work and a running sync are done (tests). */
  async idle(): Promise<void> {
    await this.fullSyncRun.idle();
    await this.queue.idle();
  }

  /** Stops retries and waits for work in progress; routers stay on the data plane for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.backoff.stop();
    await this.idle();
  }

  private async runFullSync(reason: string): Promise<void> {
    const startedAt = this.clock;
    let routers: readonly L3Router[];
    try {
      ({ routers } = await this.options.rpc.call('l3.sync_routers', { host: this.options.host }));
    } catch (error) {
      const delay = this.backoff.failed('*', () => void this.fullSync('retry after a failed sync'));
      this.options.logger.warn(
        { event: 'l3.sync_failed', reason, err: error, retryInMs: delay },
        'router sync failed',
      );
      return;
    }
    this.backoff.succeeded('*');
    const bound = new Set(routers.map((r) => r.id));
    const work = routers.map((router) => this.queue.run(router.id, () => this.applySpec(asSpec(router))));
    const stale = new Set(this.installed);
    if (!this.firstSyncDone) {
      try {
        for (const id of await this.options.dataPlane.list()) stale.add(id);
        this.firstSyncDone = true;
      } catch (error) {
        this.options.logger.warn({ event: 'l3.list_failed', err: error }, 'routers on the host not listed');
      }
    }
    for (const id of stale) {
      if (bound.has(id)) continue;
      work.push(
        this.queue.run(id, async () => {
          // Applied or removed by an event after this sync's answer was read: that is newer.
          if ((this.touched.get(id) ?? -1) > startedAt) return;
          await this.removeRouter(id, undefined);
        }),
      );
    }
    await Promise.all(work);
    this.options.logger.info(
      { event: 'l3.synced', reason, routers: routers.length },
      'routers synced with the control plane',
    );
  }

  /** Fetches one router; applies it, or removes it when the server no longer binds it here. */
  private async fetchAndApply(routerId: string, reason: string, timing?: EventTiming): Promise<void> {
    let routers: readonly L3Router[];
    try {
      ({ routers } = await this.options.rpc.call('l3.sync_routers', {
        host: this.options.host,
        router_ids: [routerId],
      }));
    } catch (error) {
      this.retry(routerId, 'fetch', error);
      return;
    }
    const router = routers.find((r) => r.id === routerId);
    if (router === undefined) await this.removeRouter(routerId, undefined);
    else await this.applySpec(asSpec(router), timing && { ...timing, fetchedAt: Date.now() });
    this.options.logger.debug({ event: 'l3.router_fetched', routerId, reason }, 'router fetched');
  }

  private async applySpec(spec: RouterSpec, timing?: EventTiming): Promise<void> {
    if (spec.revision <= (this.applied.get(spec.id) ?? -1) && this.installed.has(spec.id)) return;
    try {
      await this.options.dataPlane.apply(spec);
    } catch (error) {
      this.specs.delete(spec.id);
      this.retry(spec.id, 'apply', error);
      return;
    }
    if (timing !== undefined)
      // The path of an event (bench/routers/run.ts --profile reads it): commit → received → fetched → applied.
      this.options.logger.debug(
        {
          event: 'l3.router_applied',
          routerId: spec.id,
          revision: spec.revision,
          fetched: timing.fetchedAt !== undefined,
          ...timing,
          appliedAt: Date.now(),
        },
        'router event applied',
      );
    if (spec.revision >= (this.applied.get(spec.id) ?? -1)) this.specs.set(spec.id, spec);
    this.applied.set(spec.id, Math.max(spec.revision, this.applied.get(spec.id) ?? -1));
    this.installed.add(spec.id);
    this.touched.set(spec.id, ++this.clock);
    this.backoff.succeeded(spec.id);
  }

  /** Removes the router; `revision` (an `unbound` event's) makes older events of it stale. */
  private async removeRouter(routerId: string, revision: number | undefined): Promise<void> {
    try {
      await this.options.dataPlane.remove(routerId);
    } catch (error) {
      this.retry(routerId, 'remove', error);
      return;
    }
    if (revision !== undefined)
      this.applied.set(routerId, Math.max(revision, this.applied.get(routerId) ?? -1));
    this.specs.delete(routerId);
    this.installed.delete(routerId);
    this.touched.set(routerId, ++this.clock);
    this.backoff.succeeded(routerId);
  }

  /** A failed step: fetch the router again after a backoff (it may have changed meanwhile). */
  private retry(routerId: string, step: string, error: unknown): void {
    const delay = this.backoff.failed(routerId, () => {
      if (!this.stopped)
        void this.queue.run(routerId, () => this.fetchAndApply(routerId, `retry after ${step}`));
    });
    this.options.logger.warn(
      { event: 'l3.router_failed', routerId, step, err: error, retryInMs: delay },
      'router not converged',
    );
  }
}
