/**
 * Router ↔ L3 agent bindings and routers' L3 revisions (issue 13, migration 0009): one row per router,
 * created on the router's first L3-relevant change. All SQL of router scheduling lives here.
 *
 * @module
 */
import { sql } from 'kysely';
import type { Queryable } from './database.js';
import { columnIn } from './filters.js';

/** One router's L3 row. */
export interface RouterL3Binding {
  readonly routerId: string;
  /** The L3 agent hosting the router, null while unscheduled. */
  readonly agentId: string | null;
  readonly revision: number;
}

const fromRow = (r: { router_id: string; agent_id: string | null; revision: number }): RouterL3Binding => ({
  routerId: r.router_id,
  agentId: r.agent_id,
  revision: Number(r.revision),
});

export const routerL3Repository = {
  async get(db: Queryable, routerId: string): Promise<RouterL3Binding | undefined> {
    const row = await db
      .selectFrom('router_l3_agent_bindings')
      .selectAll()
      .where('router_id', '=', routerId)
      .executeTakeFirst();
    return row && fromRow(row);
  },

  /**
   * Raises the router's L3 revision by one (creating its row at 1) and returns the row after it. The
   * caller holds the write transaction, so concurrent bumps serialise.
   */
  async bumpRevision(tx: Queryable, routerId: string): Promise<RouterL3Binding> {
    const current = await routerL3Repository.get(tx, routerId);
    if (current === undefined) {
      await tx
        .insertInto('router_l3_agent_bindings')
        .values({ router_id: routerId, agent_id: null, revision: 1 })
        .execute();
      return { routerId, agentId: null, revision: 1 };
    }
    await tx
      .updateTable('router_l3_agent_bindings')
      .set({ revision: current.revision + 1 })
      .where('router_id', '=', routerId)
      .execute();
    return { ...current, revision: current.revision + 1 };
  },

  /** Binds (agent id) or unbinds (null) the router; its row must exist (bumpRevision first). */
  async setAgent(tx: Queryable, routerId: string, agentId: string | null): Promise<void> {
    await tx
      .updateTable('router_l3_agent_bindings')
      .set({ agent_id: agentId })
      .where('router_id', '=', routerId)
      .execute();
  },

  /** The routers bound to `agentId`, by id. */
  async routerIdsOfAgent(db: Queryable, agentId: string): Promise<string[]> {
    const rows = await db
      .selectFrom('router_l3_agent_bindings')
      .select('router_id')
      .where('agent_id', '=', agentId)
      .orderBy('router_id')
      .execute();
    return rows.map((r) => r.router_id);
  },

  /** The rows of these routers. */
  async listByRouters(db: Queryable, routerIds: readonly string[]): Promise<RouterL3Binding[]> {
    if (routerIds.length === 0) return [];
    const rows = await db
      .selectFrom('router_l3_agent_bindings')
      .selectAll()
      .where(columnIn('router_id', routerIds))
      .orderBy('router_id')
      .execute();
    return rows.map(fromRow);
  },

  /** Number of routers bound to each agent (agents without routers are absent). */
  async routerCounts(db: Queryable): Promise<Map<string, number>> {
    const rows = await db
      .selectFrom('router_l3_agent_bindings')
      .select(['agent_id', sql<number>`count(*)`.as('count')])
      .where('agent_id', 'is not', null)
      .groupBy('agent_id')
      .execute();
    return new Map(rows.flatMap((r) => (r.agent_id === null ? [] : [[r.agent_id, Number(r.count)]])));
  },

  /** Routers bound to agents whose heartbeat is at or before `cutoff` (same text format as stored). */
  async bindingsOfAgentsSilentSince(db: Queryable, cutoff: string): Promise<RouterL3Binding[]> {
    const rows = await db
      .selectFrom('router_l3_agent_bindings as b')
      .innerJoin('agents as a', 'a.id', 'b.agent_id')
      .selectAll('b')
      .where('a.heartbeat_timestamp', '<=', cutoff)
      .orderBy('b.router_id')
      .execute();
    return rows.map(fromRow);
  },

  /** Routers that have a row but no agent (to schedule when an L3 agent appears). */
  async unscheduledRouterIds(db: Queryable): Promise<string[]> {
    const rows = await db
      .selectFrom('router_l3_agent_bindings')
      .select('router_id')
      .where('agent_id', 'is', null)
      .orderBy('router_id')
      .execute();
    return rows.map((r) => r.router_id);
  },
};
