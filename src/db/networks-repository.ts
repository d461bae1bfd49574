/**
 * Network rows: insert, read, update, delete, list with filters, and the per-network change lock.
 *
 * @module
 */
import { sql } from 'kysely';
import { QdhcpError } from '../common/errors.js';
import type { Queryable } from './database.js';
import { type EqualsFilter, equalsConditions } from './filters.js';
import type { NetworkRecord } from './records.js';
import { networkFromRow, networkToRow } from './row-mappers.js';

/** API attribute → column, for filters. */
const FILTER_COLUMNS: Readonly<Record<string, string>> = {
  id: 'id',
  name: 'name',
  description: 'description',
  admin_state_up: 'admin_state_up',
  status: 'status',
  shared: 'shared',
  mtu: 'mtu',
  dns_domain: 'dns_domain',
  port_security_enabled: 'port_security_enabled',
  'router:external': 'router_external',
  tenant_id: 'project_id',
  project_id: 'project_id',
  'provider:network_type': 'network_type',
  'provider:physical_network': 'physical_network',
  'provider:segmentation_id': 'segmentation_id',
  revision_number: 'revision_number',
};

/** Which network rows a list returns. */
export interface NetworkListFilter {
  readonly equals: EqualsFilter;
  /** Only networks this project owns, shared networks and external networks (`router:external`). */
  readonly visibleToProject?: string;
}

export const networksRepository = {
  filterableAttributes: Object.keys(FILTER_COLUMNS),

  async insert(tx: Queryable, record: NetworkRecord): Promise<void> {
    await tx.insertInto('networks').values(networkToRow(record)).execute();
  },

  async update(tx: Queryable, record: NetworkRecord): Promise<void> {
    const { id, ...row } = networkToRow(record);
    await tx.updateTable('networks').set(row).where('id', '=', id).execute();
  },

  async delete(tx: Queryable, id: string): Promise<void> {
    await tx.deleteFrom('networks').where('id', '=', id).execute();
  },

  async get(db: Queryable, id: string): Promise<NetworkRecord | undefined> {
    const row = await db.selectFrom('networks').selectAll().where('id', '=', id).executeTakeFirst();
    return row && networkFromRow(row);
  },

  /**
   * Reads the network row and, with `forUpdate` (PostgreSQL), locks it until the transaction ends so
   * that concurrent changes to one network (IP and MAC choice above all) run one after the other.
   * Returns the network's change counter, or undefined when there is no such network.
   */
  async lock(tx: Queryable, id: string, forUpdate: boolean): Promise<number | undefined> {
    let query = tx.selectFrom('networks').select('sync_revision').where('id', '=', id);
    if (forUpdate) query = query.forUpdate();
    return (await query.executeTakeFirst())?.sync_revision;
  },

  /**
   * Bumps the network's change counter and returns the new value (undefined: no such network).
   */
  async bumpSyncRevision(tx: Queryable, id: string): Promise<number | undefined> {
    const row = await tx
      .updateTable('networks')
      .set({ sync_revision: sql`sync_revision + 1` })
      .where('id', '=', id)
      .returning('sync_revision')
      .executeTakeFirst();
    return row?.sync_revision;
  },

  /**
   * Adds one to the network's `revision_number` (the API's, not the agents' change counter): Neutron
   * revises a network when one of its subnets is created, changed or deleted.
   */
  async bumpRevision(tx: Queryable, id: string): Promise<void> {
    await tx
      .updateTable('networks')
      .set({ revision_number: sql`revision_number + 1` })
      .where('id', '=', id)
      .execute();
  },

  async list(db: Queryable, filter: NetworkListFilter): Promise<NetworkRecord[]> {
    const { conditions, unmapped } = equalsConditions(filter.equals, FILTER_COLUMNS);
    if (unmapped.length > 0)
      throw new QdhcpError('DB_FILTER_UNSUPPORTED', { resource: 'network', names: unmapped.join(', ') });
    let query = db.selectFrom('networks').selectAll();
    for (const condition of conditions) query = query.where(condition);
    const project = filter.visibleToProject;
    if (project !== undefined)
      query = query.where((eb) =>
        eb.or([eb('project_id', '=', project), eb('shared', '=', 1), eb('router_external', '=', 1)]),
      );
    const rows = await query.orderBy('id').execute();
    return rows.map(networkFromRow);
  },

  /** Segments in use of one network type, to pick a free VLAN id or VNI. */
  async usedSegmentationIds(
    db: Queryable,
    networkType: string,
    physicalNetwork: string | null,
  ): Promise<Set<number>> {
    let query = db.selectFrom('networks').select('segmentation_id').where('network_type', '=', networkType);
    if (physicalNetwork !== null) query = query.where('physical_network', '=', physicalNetwork);
    const rows = await query.execute();
    return new Set(rows.flatMap((r) => (r.segmentation_id === null ? [] : [r.segmentation_id])));
  },

  async flatPhysicalNetworkInUse(db: Queryable, physicalNetwork: string): Promise<boolean> {
    const row = await db
      .selectFrom('networks')
      .select('id')
      .where('network_type', '=', 'flat')
      .where('physical_network', '=', physicalNetwork)
      .executeTakeFirst();
    return row !== undefined;
  },
};
