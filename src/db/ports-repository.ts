/**
 * Port rows and their IP allocations (the `ip_allocations` table is only written through here).
 *
 * @module
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { QdhcpError } from '../common/errors.js';
import type { Queryable } from './database.js';
import { chunks, columnIn, type EqualsFilter, equalsConditions } from './filters.js';
import type { FixedIp, PortRecord } from './records.js';
import { portFromRow, portToRow } from './row-mappers.js';
import { securityGroupsRepository } from './security-groups-repository.js';

const FILTER_COLUMNS: Readonly<Record<string, string>> = {
  id: 'id',
  name: 'name',
  description: 'description',
  network_id: 'network_id',
  admin_state_up: 'admin_state_up',
  mac_address: 'mac_address',
  device_id: 'device_id',
  device_owner: 'device_owner',
  status: 'status',
  tenant_id: 'project_id',
  project_id: 'project_id',
  'binding:host_id': 'binding_host_id',
  'binding:vnic_type': 'binding_vnic_type',
  dns_name: 'dns_name',
  ip_allocation: 'ip_allocation',
  port_security_enabled: 'port_security_enabled',
  revision_number: 'revision_number',
};

/** `fixed_ips=` filter forms (spec 1.2): a port matches if any of its addresses matches. */
export interface FixedIpsFilter {
  readonly ipAddresses: readonly string[];
  readonly subnetIds: readonly string[];
  readonly ipSubstrings: readonly string[];
}

/** Which port rows a list returns. */
export interface PortListFilter {
  readonly equals: EqualsFilter;
  readonly fixedIps?: FixedIpsFilter;
  /** Only ports this project owns or that sit on its networks. */
  readonly visibleToProject?: string;
}

function fixedIpsCondition(filter: FixedIpsFilter): RawBuilder<SqlBool> {
  const parts: RawBuilder<SqlBool>[] = [];
  if (filter.ipAddresses.length > 0) parts.push(columnIn('ip_address', filter.ipAddresses));
  if (filter.subnetIds.length > 0) parts.push(columnIn('subnet_id', filter.subnetIds));
  for (const substring of filter.ipSubstrings) {
    parts.push(
      sql<SqlBool>`ip_address like ${`%${substring.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} escape '\\'`,
    );
  }
  return sql<SqlBool>`id in (select port_id from ip_allocations where ${sql.join(parts, sql` and `)})`;
}

export const portsRepository = {
  filterableAttributes: Object.keys(FILTER_COLUMNS),

  /** Inserts the port and its fixed IPs; a taken address or MAC fails on the unique keys. */
  async insert(tx: Queryable, record: PortRecord): Promise<void> {
    await tx.insertInto('ports').values(portToRow(record)).execute();
    await portsRepository.replaceFixedIps(tx, record);
    await securityGroupsRepository.bindPort(tx, record.id, record.securityGroups);
  },

  async update(tx: Queryable, record: PortRecord): Promise<void> {
    const { id, ...row } = portToRow(record);
    await tx.updateTable('ports').set(row).where('id', '=', id).execute();
  },

  /** Makes the stored addresses of the port exactly `record.fixedIps`, in order. */
  async replaceFixedIps(tx: Queryable, record: PortRecord): Promise<void> {
    await tx.deleteFrom('ip_allocations').where('port_id', '=', record.id).execute();
    if (record.fixedIps.length === 0) return;
    await tx
      .insertInto('ip_allocations')
      .values(
        record.fixedIps.map((ip, position) => ({
          subnet_id: ip.subnetId,
          ip_address: ip.ipAddress,
          port_id: record.id,
          network_id: record.networkId,
          position,
        })),
      )
      .execute();
  },

  async delete(tx: Queryable, id: string): Promise<void> {
    await tx.deleteFrom('securitygroupportbindings').where('port_id', '=', id).execute();
    await tx.deleteFrom('port_provisioning').where('port_id', '=', id).execute();
    await tx.deleteFrom('ip_allocations').where('port_id', '=', id).execute();
    await tx.deleteFrom('ports').where('id', '=', id).execute();
  },

  async get(db: Queryable, id: string): Promise<PortRecord | undefined> {
    const row = await db.selectFrom('ports').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const ips = await portsRepository.fixedIpsOf(db, [id]);
    const groups = await securityGroupsRepository.groupsOfPorts(db, [id]);
    return portFromRow(row, ips.get(id) ?? [], groups.get(id) ?? []);
  },

  /**
   * The ports whose id starts with `prefix` (a tap device's `tap<id[0:11]>`, src/bus/l2-agent-rpc.ts); the
   * caller checks the prefix is hex and dashes only, so it holds no LIKE wildcard.
   */
  async listByIdPrefix(db: Queryable, prefix: string): Promise<PortRecord[]> {
    const rows = await db
      .selectFrom('ports')
      .selectAll()
      .where('id', 'like', `${prefix}%`)
      .limit(2)
      .execute();
    const ips = await portsRepository.fixedIpsOf(
      db,
      rows.map((r) => r.id),
    );
    return rows.map((row) => portFromRow(row, ips.get(row.id) ?? []));
  },

  async fixedIpsOf(db: Queryable, portIds: readonly string[]): Promise<Map<string, FixedIp[]>> {
    const result = new Map<string, FixedIp[]>();
    for (const chunk of chunks(portIds)) {
      const rows = await db
        .selectFrom('ip_allocations')
        .select(['port_id', 'subnet_id', 'ip_address'])
        .where(columnIn('port_id', chunk))
        .orderBy('port_id')
        .orderBy('position')
        .execute();
      for (const row of rows) {
        const list = result.get(row.port_id) ?? [];
        list.push({ subnetId: row.subnet_id, ipAddress: row.ip_address });
        result.set(row.port_id, list);
      }
    }
    return result;
  },

  async list(db: Queryable, filter: PortListFilter): Promise<PortRecord[]> {
    const { conditions, unmapped } = equalsConditions(filter.equals, FILTER_COLUMNS);
    if (unmapped.length > 0)
      throw new QdhcpError('DB_FILTER_UNSUPPORTED', { resource: 'port', names: unmapped.join(', ') });
    let query = db.selectFrom('ports').selectAll();
    for (const condition of conditions) query = query.where(condition);
    if (filter.fixedIps) query = query.where(fixedIpsCondition(filter.fixedIps));
    const project = filter.visibleToProject;
    if (project !== undefined) {
      query = query.where((eb) =>
        eb.or([
          eb('project_id', '=', project),
          eb('network_id', 'in', eb.selectFrom('networks').select('id').where('project_id', '=', project)),
        ]),
      );
    }
    const rows = await query.orderBy('id').execute();
    const ids = rows.map((r) => r.id);
    const ips = await portsRepository.fixedIpsOf(db, ids);
    const groups = await securityGroupsRepository.groupsOfPorts(db, ids);
    return rows.map((row) => portFromRow(row, ips.get(row.id) ?? [], groups.get(row.id) ?? []));
  },

  /** The ports of one network (with addresses). */
  async listByNetwork(db: Queryable, networkId: string): Promise<PortRecord[]> {
    return portsRepository.list(db, { equals: { network_id: [networkId] } });
  },

  /** Every allocated address of the subnets, as text, by subnet id. */
  async allocatedBySubnet(db: Queryable, subnetIds: readonly string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(subnetIds.map((id) => [id, []]));
    if (subnetIds.length === 0) return result;
    const rows = await db
      .selectFrom('ip_allocations')
      .select(['subnet_id', 'ip_address'])
      .where(columnIn('subnet_id', subnetIds))
      .execute();
    for (const row of rows) result.get(row.subnet_id)?.push(row.ip_address);
    return result;
  },

  /** Ports holding an address on the subnet, with their owners. */
  async holdersOfSubnet(db: Queryable, subnetId: string): Promise<{ portId: string; deviceOwner: string }[]> {
    const rows = await db
      .selectFrom('ip_allocations')
      .innerJoin('ports', 'ports.id', 'ip_allocations.port_id')
      .select(['ports.id as portId', 'ports.device_owner as deviceOwner'])
      .where('ip_allocations.subnet_id', '=', subnetId)
      .execute();
    return rows;
  },

  async macInUse(db: Queryable, networkId: string, mac: string): Promise<boolean> {
    const row = await db
      .selectFrom('ports')
      .select('id')
      .where('network_id', '=', networkId)
      .where('mac_address', '=', mac)
      .executeTakeFirst();
    return row !== undefined;
  },

  /** Removes every allocation on a subnet (its remaining DHCP ports lose that address). */
  async deleteAllocationsOfSubnet(tx: Queryable, subnetId: string): Promise<string[]> {
    const rows = await tx
      .selectFrom('ip_allocations')
      .select('port_id')
      .where('subnet_id', '=', subnetId)
      .execute();
    await tx.deleteFrom('ip_allocations').where('subnet_id', '=', subnetId).execute();
    return [...new Set(rows.map((r) => r.port_id))];
  },
};
