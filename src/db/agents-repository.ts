/**
 * Agent rows (heartbeats, spec §4.9) and network↔DHCP-agent bindings (spec §4.12). Bindings go away
 * with their network or agent (foreign keys with cascade).
 *
 * @module
 */
import { type Selectable, sql } from 'kysely';
import type { Queryable } from './database.js';
import { columnIn, type EqualsFilter, equalsConditions } from './filters.js';
import type { AgentRecord } from './records.js';
import { agentFromRow, agentToRow } from './row-mappers.js';
import type { NetworkDhcpAgentBindingsTable } from './schema.js';

/** A new network↔agent binding: not draining, not served yet. */
export interface NewBinding {
  readonly networkId: string;
  readonly agentId: string;
  readonly bindingIndex: number;
}

/** One network↔agent binding and its drain state (src/service/agent-drain.ts). */
export interface BindingRecord extends NewBinding {
  /** The agent is admin-down; the binding goes once another agent serves the network. */
  readonly draining: boolean;
  /** When the agent first reported serving the network (`dhcp.networks_served`), else null. */
  readonly servedAt: string | null;
}

type BindingRow = Selectable<NetworkDhcpAgentBindingsTable>;

const bindingFromRow = (r: BindingRow): BindingRecord => ({
  networkId: r.network_id,
  agentId: r.agent_id,
  bindingIndex: r.binding_index,
  draining: r.draining === 1,
  servedAt: r.served_at,
});

const FILTER_COLUMNS: Readonly<Record<string, string>> = {
  id: 'id',
  agent_type: 'agent_type',
  binary: 'binary',
  host: 'host',
  topic: 'topic',
  availability_zone: 'availability_zone',
  admin_state_up: 'admin_state_up',
  description: 'description',
};

export const agentsRepository = {
  filterableAttributes: Object.keys(FILTER_COLUMNS),

  async get(db: Queryable, id: string): Promise<AgentRecord | undefined> {
    const row = await db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
    return row && agentFromRow(row);
  },

  async getByTypeAndHost(db: Queryable, agentType: string, host: string): Promise<AgentRecord | undefined> {
    const row = await db
      .selectFrom('agents')
      .selectAll()
      .where('agent_type', '=', agentType)
      .where('host', '=', host)
      .executeTakeFirst();
    return row && agentFromRow(row);
  },

  /** Agents matching every attribute of `equals` (unknown attributes were rejected at the edge). */
  async list(db: Queryable, equals: EqualsFilter = {}): Promise<AgentRecord[]> {
    const { conditions } = equalsConditions(equals, FILTER_COLUMNS);
    let query = db.selectFrom('agents').selectAll();
    for (const condition of conditions) query = query.where(condition);
    const rows = await query.orderBy('host').orderBy('id').execute();
    return rows.map(agentFromRow);
  },

  async listByIds(db: Queryable, ids: readonly string[]): Promise<AgentRecord[]> {
    if (ids.length === 0) return [];
    const rows = await db.selectFrom('agents').selectAll().where(columnIn('id', ids)).orderBy('id').execute();
    return rows.map(agentFromRow);
  },

  async insert(tx: Queryable, record: AgentRecord): Promise<void> {
    await tx.insertInto('agents').values(agentToRow(record)).execute();
  },

  async update(tx: Queryable, record: AgentRecord): Promise<void> {
    const { id, ...row } = agentToRow(record);
    await tx.updateTable('agents').set(row).where('id', '=', id).execute();
  },

  /** Deletes the agent and (cascade) its bindings. */
  async delete(tx: Queryable, id: string): Promise<void> {
    await tx.deleteFrom('network_dhcp_agent_bindings').where('agent_id', '=', id).execute();
    await tx.deleteFrom('agents').where('id', '=', id).execute();
  },

  async bindingsOfNetwork(db: Queryable, networkId: string): Promise<BindingRecord[]> {
    const rows = await db
      .selectFrom('network_dhcp_agent_bindings')
      .selectAll()
      .where('network_id', '=', networkId)
      .orderBy('binding_index')
      .execute();
    return rows.map(bindingFromRow);
  },

  async networkIdsOfAgent(db: Queryable, agentId: string): Promise<string[]> {
    const rows = await db
      .selectFrom('network_dhcp_agent_bindings')
      .select('network_id')
      .where('agent_id', '=', agentId)
      .orderBy('network_id')
      .execute();
    return rows.map((r) => r.network_id);
  },

  /** Number of networks bound to each agent (agents without bindings are absent). */
  async bindingCounts(db: Queryable): Promise<Map<string, number>> {
    const rows = await db
      .selectFrom('network_dhcp_agent_bindings')
      .select(['agent_id', sql<number>`count(*)`.as('count')])
      .groupBy('agent_id')
      .execute();
    return new Map(rows.map((r) => [r.agent_id, Number(r.count)]));
  },

  async insertBinding(tx: Queryable, binding: NewBinding): Promise<void> {
    await tx
      .insertInto('network_dhcp_agent_bindings')
      .values({
        network_id: binding.networkId,
        agent_id: binding.agentId,
        binding_index: binding.bindingIndex,
        draining: 0,
        served_at: null,
      })
      .execute();
  },

  /** Marks every binding of the agent draining (admin-down) or not (admin-up again). */
  async setDraining(tx: Queryable, agentId: string, draining: boolean): Promise<void> {
    await tx
      .updateTable('network_dhcp_agent_bindings')
      .set({ draining: draining ? 1 : 0 })
      .where('agent_id', '=', agentId)
      .execute();
  },

  /** Records that the agent serves these networks (the first report's time is kept). */
  async markServed(tx: Queryable, agentId: string, networkIds: readonly string[], at: string): Promise<void> {
    if (networkIds.length === 0) return;
    await tx
      .updateTable('network_dhcp_agent_bindings')
      .set({ served_at: at })
      .where('agent_id', '=', agentId)
      .where('served_at', 'is', null)
      .where(columnIn('network_id', networkIds))
      .execute();
  },

  /** Draining bindings on any of these networks. */
  async drainingBindingsOf(db: Queryable, networkIds: readonly string[]): Promise<BindingRecord[]> {
    if (networkIds.length === 0) return [];
    const rows = await db
      .selectFrom('network_dhcp_agent_bindings')
      .selectAll()
      .where('draining', '=', 1)
      .where(columnIn('network_id', networkIds))
      .orderBy('network_id')
      .execute();
    return rows.map(bindingFromRow);
  },

  async deleteBinding(tx: Queryable, networkId: string, agentId: string): Promise<boolean> {
    const result = await tx
      .deleteFrom('network_dhcp_agent_bindings')
      .where('network_id', '=', networkId)
      .where('agent_id', '=', agentId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  },

  /** Bindings whose agent's heartbeat is at or before `cutoff` (same text format: text order is time order). */
  async bindingsOfAgentsSilentSince(db: Queryable, cutoff: string): Promise<BindingRecord[]> {
    const rows = await db
      .selectFrom('network_dhcp_agent_bindings as b')
      .innerJoin('agents as a', 'a.id', 'b.agent_id')
      .selectAll('b')
      .where('a.heartbeat_timestamp', '<=', cutoff)
      .orderBy('b.network_id')
      .execute();
    return rows.map(bindingFromRow);
  },

  /**
   * Networks with at least one DHCP-enabled subnet and fewer than `wanted` bindings that are not draining,
   * not bound to `agentId` (auto-scheduling on agent sync, spec §4.12; a drain waits for such an agent).
   */
  async underHostedNetworkIds(db: Queryable, wanted: number, agentId: string): Promise<string[]> {
    const rows = await db
      .selectFrom('networks as n')
      .select('n.id')
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('subnets as s')
            .select('s.id')
            .whereRef('s.network_id', '=', 'n.id')
            .where('s.enable_dhcp', '=', 1),
        ),
      )
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('network_dhcp_agent_bindings as mine')
              .select('mine.agent_id')
              .whereRef('mine.network_id', '=', 'n.id')
              .where('mine.agent_id', '=', agentId),
          ),
        ),
      )
      .where(
        (eb) =>
          eb
            .selectFrom('network_dhcp_agent_bindings as b')
            .select(sql<number>`count(*)`.as('c'))
            .whereRef('b.network_id', '=', 'n.id')
            .where('b.draining', '=', 0),
        '<',
        wanted,
      )
      .orderBy('n.id')
      .execute();
    return rows.map((r) => r.id);
  },
};
