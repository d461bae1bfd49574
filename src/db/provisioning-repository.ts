/**
 * Which entities reported a port ready (`port_provisioning`, migration 0010; the rules that read it:
 * src/service/provisioning-blocks.ts).
 *
 * @module
 */
import type { Queryable } from './database.js';
import { chunks, columnIn } from './filters.js';

/** An entity whose readiness a port's status waits for (Neutron's `DHCP_ENTITY`, `L2_AGENT_ENTITY`). */
export type ProvisioningEntity = 'dhcp' | 'l2';

export const provisioningRepository = {
  /** The entities that reported each port ready (ports with none are absent). */
  async readyOf(db: Queryable, portIds: readonly string[]): Promise<Map<string, Set<ProvisioningEntity>>> {
    const result = new Map<string, Set<ProvisioningEntity>>();
    for (const chunk of chunks(portIds)) {
      const rows = await db
        .selectFrom('port_provisioning')
        .select(['port_id', 'entity'])
        .where(columnIn('port_id', chunk))
        .execute();
      for (const row of rows) {
        const entities = result.get(row.port_id) ?? new Set<ProvisioningEntity>();
        entities.add(row.entity as ProvisioningEntity);
        result.set(row.port_id, entities);
      }
    }
    return result;
  },

  /** Records the entity's readiness (nothing when it is already recorded). */
  async markReady(tx: Queryable, portId: string, entity: ProvisioningEntity): Promise<void> {
    await tx
      .insertInto('port_provisioning')
      .values({ port_id: portId, entity })
      .onConflict((c) => c.columns(['port_id', 'entity']).doNothing())
      .execute();
  },

  /** Forgets the entity's readiness (an unplugged tap: the L2 block is back). */
  async clearReady(tx: Queryable, portId: string, entity: ProvisioningEntity): Promise<void> {
    await tx
      .deleteFrom('port_provisioning')
      .where('port_id', '=', portId)
      .where('entity', '=', entity)
      .execute();
  },
};
