/**
 * Instance records of the builtin metadata service, and the two port look-ups metadata needs: which
 * ports an instance has (`ports.device_id`) and which port holds an address on a network.
 *
 * @module
 */

import { QdhcpError } from '../common/errors.js';
import type { Queryable } from './database.js';
import { chunks, columnIn, type EqualsFilter, equalsConditions } from './filters.js';
import { EC2_INSTANCE_COUNTER } from './migrations.js';
import type { InstanceRecord } from './records.js';
import { instanceFromRow, instanceToRow } from './row-mappers.js';

/** The port holding an address, and who it belongs to. */
export interface AddressHolder {
  readonly portId: string;
  readonly deviceId: string;
  readonly projectId: string;
}

const FILTER_COLUMNS: Readonly<Record<string, string>> = {
  id: 'id',
  name: 'name',
  hostname: 'hostname',
  availability_zone: 'availability_zone',
  tenant_id: 'project_id',
  project_id: 'project_id',
  launch_index: 'launch_index',
  revision_number: 'revision_number',
  created_at: 'created_at',
  updated_at: 'updated_at',
};

/** Which instance rows a list returns. */
export interface InstanceListFilter {
  readonly equals: EqualsFilter;
  /** Only this project's instances. */
  readonly project?: string;
}

export const instancesRepository = {
  filterableAttributes: Object.keys(FILTER_COLUMNS),

  async insert(tx: Queryable, record: InstanceRecord): Promise<void> {
    await tx.insertInto('instances').values(instanceToRow(record)).execute();
  },

  /**
   * The next EC2 instance number, inside the caller's write transaction: the counter row's UPDATE locks it
   * (PostgreSQL) or runs under the database lock (SQLite), so concurrent creators get distinct numbers and
   * a rolled-back transaction gives its number back. Numbers are never reused after a delete.
   */
  async nextEc2Id(tx: Queryable): Promise<number> {
    await tx
      .updateTable('id_counters')
      .set((eb) => ({ value: eb('value', '+', 1) }))
      .where('name', '=', EC2_INSTANCE_COUNTER)
      .execute();
    const row = await tx
      .selectFrom('id_counters')
      .select('value')
      .where('name', '=', EC2_INSTANCE_COUNTER)
      .executeTakeFirst();
    // The row is written by migration 0004; without it the schema is not the one this code needs.
    if (row === undefined)
      throw new QdhcpError('DB_MIGRATION_FAILED', {
        reason: `id_counters has no ${EC2_INSTANCE_COUNTER} row`,
      });
    return Number(row.value);
  },

  async update(tx: Queryable, record: InstanceRecord): Promise<void> {
    const { id, ...row } = instanceToRow(record);
    await tx.updateTable('instances').set(row).where('id', '=', id).execute();
  },

  async delete(tx: Queryable, id: string): Promise<void> {
    await tx.deleteFrom('instances').where('id', '=', id).execute();
  },

  async get(db: Queryable, id: string): Promise<InstanceRecord | undefined> {
    const row = await db.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirst();
    return row && instanceFromRow(row);
  },

  /**
   * Reads the instance and, with `forUpdate` (PostgreSQL), locks its row until the transaction ends, so
   * concurrent updates of one instance run one after the other (SQLite writers already hold the lock).
   */
  async lock(tx: Queryable, id: string, forUpdate: boolean): Promise<InstanceRecord | undefined> {
    let query = tx.selectFrom('instances').selectAll().where('id', '=', id);
    if (forUpdate) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row && instanceFromRow(row);
  },

  async list(db: Queryable, filter: InstanceListFilter): Promise<InstanceRecord[]> {
    const { conditions, unmapped } = equalsConditions(filter.equals, FILTER_COLUMNS);
    if (unmapped.length > 0)
      throw new QdhcpError('DB_FILTER_UNSUPPORTED', { resource: 'instance', names: unmapped.join(', ') });
    let query = db.selectFrom('instances').selectAll();
    for (const condition of conditions) query = query.where(condition);
    if (filter.project !== undefined) query = query.where('project_id', '=', filter.project);
    return (await query.orderBy('id').execute()).map(instanceFromRow);
  },

  /**
   * The ids of the ports of each instance (`device_id` = instance id, same project as the instance),
   * oldest port first; instances without ports map to [].
   */
  async portIdsOf(
    db: Queryable,
    instances: readonly Pick<InstanceRecord, 'id' | 'projectId'>[],
  ): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(instances.map((i) => [i.id, []]));
    const projectOf = new Map(instances.map((i) => [i.id, i.projectId]));
    for (const chunk of chunks(instances.map((i) => i.id))) {
      const rows = await db
        .selectFrom('ports')
        .select(['id', 'device_id', 'project_id'])
        .where(columnIn('device_id', chunk))
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      for (const row of rows) {
        if (projectOf.get(row.device_id) === row.project_id) result.get(row.device_id)?.push(row.id);
      }
    }
    return result;
  },

  /**
   * The ports of `networkId` holding `ipAddress` (canonical text), by the (network_id, ip_address)
   * index. At most two are returned: more than one means the answer is ambiguous.
   */
  async holdersOfAddress(db: Queryable, networkId: string, ipAddress: string): Promise<AddressHolder[]> {
    return db
      .selectFrom('ip_allocations')
      .innerJoin('ports', 'ports.id', 'ip_allocations.port_id')
      .select(['ports.id as portId', 'ports.device_id as deviceId', 'ports.project_id as projectId'])
      .where('ip_allocations.network_id', '=', networkId)
      .where('ip_allocations.ip_address', '=', ipAddress)
      .limit(2)
      .execute();
  },
};
