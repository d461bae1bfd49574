/**
 * Router and floating IP rows (issue 13). The ports of a router (gateway, interfaces) and of a floating
 * IP are ordinary port rows, read through `ports-repository.ts`.
 *
 * @module
 */
import { QdhcpError } from '../common/errors.js';
import type { Queryable } from './database.js';
import { type EqualsFilter, equalsConditions } from './filters.js';
import type { FloatingIpRecord, RouterRecord } from './records.js';
import { floatingIpFromRow, floatingIpToRow, routerFromRow, routerToRow } from './router-row-mappers.js';

const ROUTER_FILTER_COLUMNS: Readonly<Record<string, string>> = {
  id: 'id',
  name: 'name',
  description: 'description',
  tenant_id: 'project_id',
  project_id: 'project_id',
  admin_state_up: 'admin_state_up',
  status: 'status',
  revision_number: 'revision_number',
};

const FLOATINGIP_FILTER_COLUMNS: Readonly<Record<string, string>> = {
  id: 'id',
  description: 'description',
  tenant_id: 'project_id',
  project_id: 'project_id',
  floating_network_id: 'floating_network_id',
  floating_ip_address: 'floating_ip_address',
  port_id: 'fixed_port_id',
  fixed_ip_address: 'fixed_ip_address',
  router_id: 'router_id',
  status: 'status',
  revision_number: 'revision_number',
};

/** Which rows a list returns: `equals` filters, and only one project's rows when set. */
export interface OwnedListFilter {
  readonly equals: EqualsFilter;
  readonly visibleToProject?: string;
}

export const routersRepository = {
  async insert(tx: Queryable, record: RouterRecord): Promise<void> {
    await tx.insertInto('routers').values(routerToRow(record)).execute();
  },

  async update(tx: Queryable, record: RouterRecord): Promise<void> {
    const { id, ...row } = routerToRow(record);
    await tx.updateTable('routers').set(row).where('id', '=', id).execute();
  },

  async delete(tx: Queryable, id: string): Promise<void> {
    await tx.deleteFrom('routers').where('id', '=', id).execute();
  },

  /** With `forUpdate` (PostgreSQL) the row stays locked to the end of the transaction. */
  async get(db: Queryable, id: string, forUpdate = false): Promise<RouterRecord | undefined> {
    let query = db.selectFrom('routers').selectAll().where('id', '=', id);
    if (forUpdate) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row && routerFromRow(row);
  },

  async list(db: Queryable, filter: OwnedListFilter): Promise<RouterRecord[]> {
    const { conditions, unmapped } = equalsConditions(filter.equals, ROUTER_FILTER_COLUMNS);
    if (unmapped.length > 0)
      throw new QdhcpError('DB_FILTER_UNSUPPORTED', { resource: 'router', names: unmapped.join(', ') });
    let query = db.selectFrom('routers').selectAll();
    for (const condition of conditions) query = query.where(condition);
    if (filter.visibleToProject !== undefined)
      query = query.where('project_id', '=', filter.visibleToProject);
    return (await query.orderBy('id').execute()).map(routerFromRow);
  },
};

export const floatingIpsRepository = {
  async insert(tx: Queryable, record: FloatingIpRecord): Promise<void> {
    await tx.insertInto('floatingips').values(floatingIpToRow(record)).execute();
  },

  async update(tx: Queryable, record: FloatingIpRecord): Promise<void> {
    const { id, ...row } = floatingIpToRow(record);
    await tx.updateTable('floatingips').set(row).where('id', '=', id).execute();
  },

  async delete(tx: Queryable, id: string): Promise<void> {
    await tx.deleteFrom('floatingips').where('id', '=', id).execute();
  },

  async get(db: Queryable, id: string): Promise<FloatingIpRecord | undefined> {
    const row = await db.selectFrom('floatingips').selectAll().where('id', '=', id).executeTakeFirst();
    return row && floatingIpFromRow(row);
  },

  async list(db: Queryable, filter: OwnedListFilter): Promise<FloatingIpRecord[]> {
    const { conditions, unmapped } = equalsConditions(filter.equals, FLOATINGIP_FILTER_COLUMNS);
    if (unmapped.length > 0)
      throw new QdhcpError('DB_FILTER_UNSUPPORTED', { resource: 'floatingip', names: unmapped.join(', ') });
    let query = db.selectFrom('floatingips').selectAll();
    for (const condition of conditions) query = query.where(condition);
    if (filter.visibleToProject !== undefined)
      query = query.where('project_id', '=', filter.visibleToProject);
    return (await query.orderBy('id').execute()).map(floatingIpFromRow);
  },

  /** The floating IPs associated through `routerId`. */
  async listByRouter(db: Queryable, routerId: string): Promise<FloatingIpRecord[]> {
    const rows = await db.selectFrom('floatingips').selectAll().where('router_id', '=', routerId).execute();
    return rows.map(floatingIpFromRow);
  },

  /** The floating IP associated with `portId`'s `fixedIp` on `networkId`, if any. */
  async findByFixed(
    db: Queryable,
    networkId: string,
    portId: string,
    fixedIp: string,
  ): Promise<FloatingIpRecord | undefined> {
    const row = await db
      .selectFrom('floatingips')
      .selectAll()
      .where('floating_network_id', '=', networkId)
      .where('fixed_port_id', '=', portId)
      .where('fixed_ip_address', '=', fixedIp)
      .executeTakeFirst();
    return row && floatingIpFromRow(row);
  },

  /** The floating IPs associated with `portId`. */
  async listByFixedPort(db: Queryable, portId: string): Promise<FloatingIpRecord[]> {
    const rows = await db.selectFrom('floatingips').selectAll().where('fixed_port_id', '=', portId).execute();
    return rows.map(floatingIpFromRow);
  },
};
