/**
 * Address scope rows (issue 12).
 *
 * @module
 */

import { QdhcpError } from '../common/errors.js';
import type { Queryable } from './database.js';
import { type EqualsFilter, equalsConditions } from './filters.js';
import type { AddressScopeRecord } from './records.js';
import { addressScopeFromRow, addressScopeToRow } from './row-mappers.js';

const FILTER_COLUMNS: Readonly<Record<string, string>> = {
  id: 'id',
  name: 'name',
  tenant_id: 'project_id',
  project_id: 'project_id',
  shared: 'shared',
  ip_version: 'ip_version',
};

/** Which address scope rows a list returns. */
export interface AddressScopeListFilter {
  readonly equals: EqualsFilter;
  /** Only scopes this project owns, and shared ones. */
  readonly visibleToProject?: string;
}

export const addressScopesRepository = {
  async insert(tx: Queryable, record: AddressScopeRecord): Promise<void> {
    await tx.insertInto('address_scopes').values(addressScopeToRow(record)).execute();
  },

  async update(tx: Queryable, record: AddressScopeRecord): Promise<void> {
    const { id, ...row } = addressScopeToRow(record);
    await tx.updateTable('address_scopes').set(row).where('id', '=', id).execute();
  },

  async delete(tx: Queryable, id: string): Promise<void> {
    await tx.deleteFrom('address_scopes').where('id', '=', id).execute();
  },

  /** Reads the scope; with `forUpdate` (PostgreSQL) its row stays locked until the transaction ends. */
  async get(db: Queryable, id: string, forUpdate = false): Promise<AddressScopeRecord | undefined> {
    let query = db.selectFrom('address_scopes').selectAll().where('id', '=', id);
    if (forUpdate) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row && addressScopeFromRow(row);
  },

  async list(db: Queryable, filter: AddressScopeListFilter): Promise<AddressScopeRecord[]> {
    const { conditions, unmapped } = equalsConditions(filter.equals, FILTER_COLUMNS);
    if (unmapped.length > 0)
      throw new QdhcpError('DB_FILTER_UNSUPPORTED', {
        resource: 'address_scope',
        names: unmapped.join(', '),
      });
    let query = db.selectFrom('address_scopes').selectAll();
    for (const condition of conditions) query = query.where(condition);
    const project = filter.visibleToProject;
    if (project !== undefined) {
      query = query.where((eb) => eb.or([eb('project_id', '=', project), eb('shared', '=', 1)]));
    }
    return (await query.orderBy('id').execute()).map(addressScopeFromRow);
  },
};
