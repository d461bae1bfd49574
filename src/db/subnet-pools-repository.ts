/**
 * Subnet pool rows (issue 12), and the subnets allocated from a pool.
 *
 * @module
 */

import { QdhcpError } from '../common/errors.js';
import type { Queryable } from './database.js';
import { type EqualsFilter, equalsConditions } from './filters.js';
import type { SubnetPoolRecord } from './records.js';
import { subnetPoolFromRow, subnetPoolToRow } from './row-mappers.js';

const FILTER_COLUMNS: Readonly<Record<string, string>> = {
  id: 'id',
  name: 'name',
  description: 'description',
  tenant_id: 'project_id',
  project_id: 'project_id',
  ip_version: 'ip_version',
  default_prefixlen: 'default_prefixlen',
  min_prefixlen: 'min_prefixlen',
  max_prefixlen: 'max_prefixlen',
  default_quota: 'default_quota',
  is_default: 'is_default',
  shared: 'shared',
  address_scope_id: 'address_scope_id',
  revision_number: 'revision_number',
  created_at: 'created_at',
  updated_at: 'updated_at',
};

/** Which subnet pool rows a list returns. */
export interface SubnetPoolListFilter {
  readonly equals: EqualsFilter;
  /** Only pools this project owns, and shared ones. */
  readonly visibleToProject?: string;
}

export const subnetPoolsRepository = {
  async insert(tx: Queryable, record: SubnetPoolRecord): Promise<void> {
    await tx.insertInto('subnetpools').values(subnetPoolToRow(record)).execute();
  },

  async update(tx: Queryable, record: SubnetPoolRecord): Promise<void> {
    const { id, ...row } = subnetPoolToRow(record);
    await tx.updateTable('subnetpools').set(row).where('id', '=', id).execute();
  },

  async delete(tx: Queryable, id: string): Promise<void> {
    await tx.deleteFrom('subnetpools').where('id', '=', id).execute();
  },

  /**
   * Reads the pool; with `forUpdate` (PostgreSQL) its row stays locked until the transaction ends, so
   * two subnets allocated from one pool at once are chosen one after the other (Neutron's pool "hash"
   * update does the same job; SQLite writers already hold the database lock).
   */
  async get(db: Queryable, id: string, forUpdate = false): Promise<SubnetPoolRecord | undefined> {
    let query = db.selectFrom('subnetpools').selectAll().where('id', '=', id);
    if (forUpdate) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row && subnetPoolFromRow(row);
  },

  async list(db: Queryable, filter: SubnetPoolListFilter): Promise<SubnetPoolRecord[]> {
    const { conditions, unmapped } = equalsConditions(filter.equals, FILTER_COLUMNS);
    if (unmapped.length > 0)
      throw new QdhcpError('DB_FILTER_UNSUPPORTED', { resource: 'subnetpool', names: unmapped.join(', ') });
    let query = db.selectFrom('subnetpools').selectAll();
    for (const condition of conditions) query = query.where(condition);
    const project = filter.visibleToProject;
    if (project !== undefined) {
      query = query.where((eb) => eb.or([eb('project_id', '=', project), eb('shared', '=', 1)]));
    }
    return (await query.orderBy('id').execute()).map(subnetPoolFromRow);
  },

  /** The pools of an address scope. */
  async listByScope(db: Queryable, addressScopeId: string): Promise<SubnetPoolRecord[]> {
    const rows = await db
      .selectFrom('subnetpools')
      .selectAll()
      .where('address_scope_id', '=', addressScopeId)
      .orderBy('id')
      .execute();
    return rows.map(subnetPoolFromRow);
  },

  /** The default pool of an IP version, if one is set. */
  async findDefault(db: Queryable, ipVersion: 4 | 6): Promise<SubnetPoolRecord | undefined> {
    const row = await db
      .selectFrom('subnetpools')
      .selectAll()
      .where('is_default', '=', 1)
      .where('ip_version', '=', ipVersion)
      .orderBy('created_at')
      .executeTakeFirst();
    return row && subnetPoolFromRow(row);
  },
};
