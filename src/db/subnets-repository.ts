/**
 * Subnet rows.
 *
 * @module
 */

import { QdhcpError } from '../common/errors.js';
import type { Queryable } from './database.js';
import { chunks, columnIn, type EqualsFilter, equalsConditions } from './filters.js';
import type { SubnetRecord } from './records.js';
import { subnetFromRow, subnetToRow } from './row-mappers.js';

const FILTER_COLUMNS: Readonly<Record<string, string>> = {
  id: 'subnets.id',
  name: 'subnets.name',
  description: 'subnets.description',
  network_id: 'subnets.network_id',
  ip_version: 'subnets.ip_version',
  cidr: 'subnets.cidr',
  gateway_ip: 'subnets.gateway_ip',
  enable_dhcp: 'subnets.enable_dhcp',
  ipv6_ra_mode: 'subnets.ipv6_ra_mode',
  ipv6_address_mode: 'subnets.ipv6_address_mode',
  tenant_id: 'subnets.project_id',
  project_id: 'subnets.project_id',
  segment_id: 'subnets.segment_id',
  subnetpool_id: 'subnets.subnetpool_id',
  dns_publish_fixed_ip: 'subnets.dns_publish_fixed_ip',
  revision_number: 'subnets.revision_number',
  /** Subnets mirror their network's sharing. */
  shared: 'networks.shared',
};

/** Which subnet rows a list returns. */
export interface SubnetListFilter {
  readonly equals: EqualsFilter;
  /** Only subnets this project owns or that sit on a shared network. */
  readonly visibleToProject?: string;
}

export const subnetsRepository = {
  filterableAttributes: Object.keys(FILTER_COLUMNS),

  async insert(tx: Queryable, record: SubnetRecord): Promise<void> {
    await tx.insertInto('subnets').values(subnetToRow(record)).execute();
  },

  async update(tx: Queryable, record: SubnetRecord): Promise<void> {
    const { id, ...row } = subnetToRow(record);
    await tx.updateTable('subnets').set(row).where('id', '=', id).execute();
  },

  async delete(tx: Queryable, id: string): Promise<void> {
    await tx.deleteFrom('subnets').where('id', '=', id).execute();
  },

  async get(db: Queryable, id: string): Promise<SubnetRecord | undefined> {
    const row = await db.selectFrom('subnets').selectAll().where('id', '=', id).executeTakeFirst();
    return row && subnetFromRow(row);
  },

  /** The subnets of one network, oldest first (the candidate order of spec 3.3). */
  async listByNetwork(db: Queryable, networkId: string): Promise<SubnetRecord[]> {
    const rows = await db
      .selectFrom('subnets')
      .selectAll()
      .where('network_id', '=', networkId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(subnetFromRow);
  },

  async list(db: Queryable, filter: SubnetListFilter): Promise<SubnetRecord[]> {
    const { conditions, unmapped } = equalsConditions(filter.equals, FILTER_COLUMNS);
    if (unmapped.length > 0)
      throw new QdhcpError('DB_FILTER_UNSUPPORTED', { resource: 'subnet', names: unmapped.join(', ') });
    let query = db
      .selectFrom('subnets')
      .innerJoin('networks', 'networks.id', 'subnets.network_id')
      .selectAll('subnets');
    for (const condition of conditions) query = query.where(condition);
    const project = filter.visibleToProject;
    if (project !== undefined) {
      query = query.where((eb) =>
        eb.or([eb('subnets.project_id', '=', project), eb('networks.shared', '=', 1)]),
      );
    }
    const rows = await query.orderBy('subnets.id').execute();
    return rows.map(subnetFromRow);
  },

  /** The subnets allocated from a pool, oldest first. */
  async listByPool(db: Queryable, subnetpoolId: string): Promise<SubnetRecord[]> {
    const rows = await db
      .selectFrom('subnets')
      .selectAll()
      .where('subnetpool_id', '=', subnetpoolId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(subnetFromRow);
  },

  /**
   * The address scopes of the given networks by family (Neutron's `ipv4_address_scope` /
   * `ipv6_address_scope`): the scope of the pool their subnets of that family came from.
   */
  async addressScopesByNetwork(
    db: Queryable,
    networkIds: readonly string[],
  ): Promise<Map<string, { readonly 4?: string; readonly 6?: string }>> {
    const result = new Map<string, { 4?: string; 6?: string }>();
    for (const chunk of chunks(networkIds)) {
      const rows = await db
        .selectFrom('subnets')
        .innerJoin('subnetpools', 'subnetpools.id', 'subnets.subnetpool_id')
        .select([
          'subnets.network_id as networkId',
          'subnetpools.ip_version as ipVersion',
          'subnetpools.address_scope_id as scopeId',
        ])
        .where(columnIn('subnets.network_id', chunk))
        .where('subnetpools.address_scope_id', 'is not', null)
        .execute();
      for (const row of rows) {
        const scopes = result.get(row.networkId) ?? {};
        if (row.scopeId !== null) scopes[row.ipVersion === 6 ? 6 : 4] = row.scopeId;
        result.set(row.networkId, scopes);
      }
    }
    return result;
  },

  /** Ids of the subnets of the given networks, by network. */
  async idsByNetwork(db: Queryable, networkIds: readonly string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(networkIds.map((id) => [id, []]));
    if (networkIds.length === 0) return result;
    const rows: { id: string; network_id: string }[] = [];
    for (const chunk of chunks(networkIds)) {
      rows.push(
        ...(await db
          .selectFrom('subnets')
          .select(['id', 'network_id'])
          .where(columnIn('network_id', chunk))
          .orderBy('created_at')
          .orderBy('id')
          .execute()),
      );
    }
    for (const row of rows) result.get(row.network_id)?.push(row.id);
    return result;
  },
};
