/**
 * An in-memory `RouterDataPlane` for unit tests of the router reconciler (never a production default:
 * without a real data plane the agent does not start its L3 role, src/main/agent.ts). It records every
 * call, keeps the routers "installed", and can be told to fail the next calls.
 *
 * @module
 */
import type { RouterDataPlane, RouterSpec } from '../router-spec.js';

/** One call the reconciler made. */
export type DataPlaneCall =
  | { readonly op: 'apply'; readonly routerId: string; readonly revision: number }
  | { readonly op: 'remove'; readonly routerId: string }
  | { readonly op: 'list' };

export class RecordingRouterDataPlane implements RouterDataPlane {
  readonly calls: DataPlaneCall[] = [];
  /** Routers as installed now, by id. */
  readonly installed = new Map<string, RouterSpec>();
  /** How many of the next `apply` calls fail. */
  failNextApplies = 0;
  /** Resolved before each apply completes (to hold an apply in flight). */
  applyGate: Promise<void> | undefined;

  constructor(initial: readonly string[] = []) {
    for (const id of initial) this.installed.set(id, stubSpec(id));
  }

  async apply(spec: RouterSpec): Promise<void> {
    this.calls.push({ op: 'apply', routerId: spec.id, revision: spec.revision });
    await this.applyGate;
    if (this.failNextApplies > 0) {
      this.failNextApplies--;
      throw new Error(`recorded failure applying ${spec.id}`);
    }
    this.installed.set(spec.id, spec);
  }

  async remove(routerId: string): Promise<void> {
    this.calls.push({ op: 'remove', routerId });
    this.installed.delete(routerId);
  }

  async list(): Promise<readonly string[]> {
    this.calls.push({ op: 'list' });
    return [...this.installed.keys()];
  }

  /** The calls of one kind, as `op:router[@revision]` strings (compact assertions). */
  trace(): string[] {
    return this.calls.map((c) =>
      c.op === 'list'
        ? 'list'
        : c.op === 'apply'
          ? `apply:${c.routerId}@${c.revision}`
          : `remove:${c.routerId}`,
    );
  }
}

/** A router left by an earlier run (only its id matters to `list`). */
function stubSpec(id: string): RouterSpec {
  return {
    id,
    projectId: '',
    adminStateUp: true,
    gateway: null,
    interfaces: [],
    floatingIps: [],
    routes: [],
    revision: 0,
  };
}
