/**
 * Security groups, their rules, each project's `default` group and the port ↔ group bindings (issue 14).
 * A group's rules and its default-group row go with it (`on delete cascade`); bindings keep a group in
 * use, so the service refuses to delete it first.
 *
 * @module
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { QdhcpError } from '../common/errors.js';
import type { Queryable } from './database.js';
import { chunks, columnIn, type EqualsFilter, equalsConditions } from './filters.js';
import type { SecurityGroupRecord, SecurityGroupRuleRecord } from './records.js';
import {
  ruleFromRow,
  ruleToRow,
  securityGroupFromRow,
  securityGroupToRow,
} from './security-group-row-mappers.js';

const GROUP_FILTER_COLUMNS: Readonly<Record<string, string>> = {
  id: 'id',
  name: 'name',
  description: 'description',
  tenant_id: 'project_id',
  project_id: 'project_id',
  stateful: 'stateful',
  revision_number: 'revision_number',
};

const RULE_FILTER_COLUMNS: Readonly<Record<string, string>> = {
  id: 'id',
  security_group_id: 'security_group_id',
  tenant_id: 'project_id',
  project_id: 'project_id',
  direction: 'direction',
  ethertype: 'ethertype',
  protocol: 'protocol',
  port_range_min: 'port_range_min',
  port_range_max: 'port_range_max',
  remote_ip_prefix: 'remote_ip_prefix',
  remote_group_id: 'remote_group_id',
  description: 'description',
  revision_number: 'revision_number',
};

/** Which rows a list returns: `equals` filters, and only what one project may see when set. */
export interface SecurityGroupListFilter {
  readonly equals: EqualsFilter;
  readonly visibleToProject?: string;
}

/** A rule is visible to its own project and to the project of its group (Neutron's rule listing). */
function ruleVisibleTo(project: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`(project_id = ${project} or security_group_id in (select id from securitygroups where project_id = ${project}))`;
}

/** The `id_counters` name of a group's members revision. */
const MEMBERS_COUNTER = 'sg_members:';
const membersCounter = (groupId: string): string => `${MEMBERS_COUNTER}${groupId}`;

export const securityGroupsRepository = {
  async insert(tx: Queryable, record: SecurityGroupRecord): Promise<void> {
    await tx.insertInto('securitygroups').values(securityGroupToRow(record)).execute();
  },

  async update(tx: Queryable, record: SecurityGroupRecord): Promise<void> {
    const { id, ...row } = securityGroupToRow(record);
    await tx.updateTable('securitygroups').set(row).where('id', '=', id).execute();
  },

  /** Deletes the group; its rules, rules naming it as remote group and its default row cascade. */
  async delete(tx: Queryable, id: string): Promise<void> {
    await tx.deleteFrom('securitygrouprules').where('remote_group_id', '=', id).execute();
    await tx.deleteFrom('securitygrouprules').where('security_group_id', '=', id).execute();
    await tx.deleteFrom('default_security_groups').where('security_group_id', '=', id).execute();
    await tx.deleteFrom('securitygroups').where('id', '=', id).execute();
    await tx.deleteFrom('id_counters').where('name', '=', membersCounter(id)).execute();
  },

  async get(db: Queryable, id: string): Promise<SecurityGroupRecord | undefined> {
    const row = await db.selectFrom('securitygroups').selectAll().where('id', '=', id).executeTakeFirst();
    return row && securityGroupFromRow(row);
  },

  async getMany(db: Queryable, ids: readonly string[]): Promise<SecurityGroupRecord[]> {
    const out: SecurityGroupRecord[] = [];
    for (const chunk of chunks(ids)) {
      const rows = await db.selectFrom('securitygroups').selectAll().where(columnIn('id', chunk)).execute();
      out.push(...rows.map(securityGroupFromRow));
    }
    return out;
  },

  async list(db: Queryable, filter: SecurityGroupListFilter): Promise<SecurityGroupRecord[]> {
    const { conditions, unmapped } = equalsConditions(filter.equals, GROUP_FILTER_COLUMNS);
    if (unmapped.length > 0) {
      throw new QdhcpError('DB_FILTER_UNSUPPORTED', {
        resource: 'security_group',
        names: unmapped.join(', '),
      });
    }
    let query = db.selectFrom('securitygroups').selectAll();
    for (const condition of conditions) query = query.where(condition);
    if (filter.visibleToProject !== undefined)
      query = query.where('project_id', '=', filter.visibleToProject);
    return (await query.orderBy('id').execute()).map(securityGroupFromRow);
  },

  async countOfProject(db: Queryable, projectId: string): Promise<number> {
    const row = await db
      .selectFrom('securitygroups')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', projectId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  /** The id of the project's `default` group, if it has one. */
  async defaultOf(db: Queryable, projectId: string): Promise<string | undefined> {
    const row = await db
      .selectFrom('default_security_groups')
      .select('security_group_id')
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    return row?.security_group_id;
  },

  /** The ids of every `default` group among `ids`. */
  async defaultsAmong(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const chunk of chunks(ids)) {
      const rows = await db
        .selectFrom('default_security_groups')
        .select('security_group_id')
        .where(columnIn('security_group_id', chunk))
        .execute();
      for (const row of rows) out.add(row.security_group_id);
    }
    return out;
  },

  async setDefault(tx: Queryable, projectId: string, securityGroupId: string): Promise<void> {
    await tx
      .insertInto('default_security_groups')
      .values({ project_id: projectId, security_group_id: securityGroupId })
      .execute();
  },

  /** The ids of the ports in the group. */
  async portsOf(db: Queryable, securityGroupId: string): Promise<string[]> {
    const rows = await db
      .selectFrom('securitygroupportbindings')
      .select('port_id')
      .where('security_group_id', '=', securityGroupId)
      .execute();
    return rows.map((r) => r.port_id);
  },

  /** The ids of the ports in each of `groupIds` (groups without ports are absent). */
  async portsOfGroups(db: Queryable, groupIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const chunk of chunks(groupIds)) {
      const rows = await db
        .selectFrom('securitygroupportbindings')
        .select(['port_id', 'security_group_id'])
        .where(columnIn('security_group_id', chunk))
        .execute();
      for (const row of rows) {
        const list = out.get(row.security_group_id) ?? [];
        list.push(row.port_id);
        out.set(row.security_group_id, list);
      }
    }
    return out;
  },

  /** The groups of each of `portIds` (ports in no group are absent). */
  async groupsOfPorts(db: Queryable, portIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const chunk of chunks(portIds)) {
      const rows = await db
        .selectFrom('securitygroupportbindings')
        .select(['port_id', 'security_group_id'])
        .where(columnIn('port_id', chunk))
        .orderBy('port_id')
        .orderBy('security_group_id')
        .execute();
      for (const row of rows) {
        const list = out.get(row.port_id) ?? [];
        list.push(row.security_group_id);
        out.set(row.port_id, list);
      }
    }
    return out;
  },

  /**
   * Bumps the members revision of each group (one `id_counters` row per group, made at 1 on its first
   * change; no row is revision 0), inside the caller's write transaction; returns the new revisions. The
   * hosts enforcing a group's members apply a members change only on top of the revision before it.
   */
  async bumpMembersRevisions(tx: Queryable, groupIds: readonly string[]): Promise<Map<string, number>> {
    for (const id of groupIds)
      await tx
        .insertInto('id_counters')
        .values({ name: membersCounter(id), value: 1 })
        .onConflict((oc) => oc.column('name').doUpdateSet({ value: sql<number>`id_counters.value + 1` }))
        .execute();
    return securityGroupsRepository.membersRevisions(tx, groupIds);
  },

  /** The members revision of each group (0 for a group whose members never changed). */
  async membersRevisions(db: Queryable, groupIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>(groupIds.map((id) => [id, 0]));
    for (const chunk of chunks(groupIds)) {
      const rows = await db
        .selectFrom('id_counters')
        .select(['name', 'value'])
        .where(columnIn('name', chunk.map(membersCounter)))
        .execute();
      for (const row of rows) out.set(row.name.slice(MEMBERS_COUNTER.length), Number(row.value));
    }
    return out;
  },

  /** Makes the port's groups exactly `securityGroupIds`. */
  async bindPort(tx: Queryable, portId: string, securityGroupIds: readonly string[]): Promise<void> {
    await tx.deleteFrom('securitygroupportbindings').where('port_id', '=', portId).execute();
    if (securityGroupIds.length === 0) return;
    await tx
      .insertInto('securitygroupportbindings')
      .values(securityGroupIds.map((id) => ({ port_id: portId, security_group_id: id })))
      .execute();
  },
};

export const securityGroupRulesRepository = {
  async insert(tx: Queryable, record: SecurityGroupRuleRecord): Promise<void> {
    await tx.insertInto('securitygrouprules').values(ruleToRow(record)).execute();
  },

  async update(tx: Queryable, record: SecurityGroupRuleRecord): Promise<void> {
    const { id, ...row } = ruleToRow(record);
    await tx.updateTable('securitygrouprules').set(row).where('id', '=', id).execute();
  },

  async delete(tx: Queryable, id: string): Promise<void> {
    await tx.deleteFrom('securitygrouprules').where('id', '=', id).execute();
  },

  async get(db: Queryable, id: string): Promise<SecurityGroupRuleRecord | undefined> {
    const row = await db.selectFrom('securitygrouprules').selectAll().where('id', '=', id).executeTakeFirst();
    return row && ruleFromRow(row);
  },

  async list(db: Queryable, filter: SecurityGroupListFilter): Promise<SecurityGroupRuleRecord[]> {
    const { conditions, unmapped } = equalsConditions(filter.equals, RULE_FILTER_COLUMNS);
    if (unmapped.length > 0) {
      throw new QdhcpError('DB_FILTER_UNSUPPORTED', {
        resource: 'security_group_rule',
        names: unmapped.join(', '),
      });
    }
    let query = db.selectFrom('securitygrouprules').selectAll();
    for (const condition of conditions) query = query.where(condition);
    if (filter.visibleToProject !== undefined) query = query.where(ruleVisibleTo(filter.visibleToProject));
    return (await query.orderBy('id').execute()).map(ruleFromRow);
  },

  /** The rules of each of `groupIds`, by group id (creation order). */
  async ofGroups(
    db: Queryable,
    groupIds: readonly string[],
  ): Promise<Map<string, SecurityGroupRuleRecord[]>> {
    const out = new Map<string, SecurityGroupRuleRecord[]>();
    for (const chunk of chunks(groupIds)) {
      const rows = await db
        .selectFrom('securitygrouprules')
        .selectAll()
        .where(columnIn('security_group_id', chunk))
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      for (const row of rows) {
        const list = out.get(row.security_group_id) ?? [];
        list.push(ruleFromRow(row));
        out.set(row.security_group_id, list);
      }
    }
    return out;
  },

  async countOfProject(db: Queryable, projectId: string): Promise<number> {
    const row = await db
      .selectFrom('securitygrouprules')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', projectId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },
};
