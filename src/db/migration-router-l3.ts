/**
 * Migration 0009 (its own file: migrations.ts is at the size limit).
 *
 * @module
 */
import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Router scheduling (issue 13, Neutron's `routerl3agentbindings`): one row per router the L3 side has
 * seen, with its L3 revision (grows with every change the L3 agent must apply: router, interfaces,
 * floating IPs, binding) and its agent, null while unscheduled. The row goes with its router; an agent's
 * deletion leaves its routers unscheduled.
 */
export const routerL3AgentBindings: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('router_l3_agent_bindings')
      .addColumn('router_id', 'varchar(36)', (c) =>
        c.primaryKey().references('routers.id').onDelete('cascade'),
      )
      .addColumn('agent_id', 'varchar(36)', (c) => c.references('agents.id').onDelete('set null'))
      .addColumn('revision', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('router_l3_agent_bindings_agent')
      .on('router_l3_agent_bindings')
      .column('agent_id')
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop table if exists router_l3_agent_bindings`.execute(db);
  },
};
