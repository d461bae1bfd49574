/** Why the agent (re)converges: every resync records one (STYLE 7.2 #7, Neutron's `schedule_resync`). */
export type SyncScope = 'full' | 'network';

/**
 * What the reconciler reports for metrics; every method is optional to implement (a no-op observer is
 * {@link NO_OBSERVER}). Kept apart from the metrics library so the reconciler stays testable without it.
 */
export interface ReconcilerObserver {
  /** An event was dropped (`stale`, `invalid`, `unknown-network`). */
  eventDropped(reason: string): void;
  /** An event was applied; `latencyMs` from its `occurredAt` to now. */
  eventApplied(resource: string, latencyMs: number): void;
  /** A resync finished (or failed). */
  syncFinished(scope: SyncScope, seconds: number, ok: boolean): void;
}

export const NO_OBSERVER: ReconcilerObserver = Object.freeze({
  eventDropped: () => undefined,
  eventApplied: () => undefined,
  syncFinished: () => undefined,
});
