/**
 * Migration 0008 (issue 14): security groups, their rules, the one `default` group per project and the
 * port ↔ group bindings — Neutron's `securitygroups`, `securitygrouprules`, `default_security_group` and
 * `securitygroupportbindings` (neutron/db/models/securitygroup.py). In its own file because
 * `migrations.ts` is near the file size limit; listed there in order like every other migration.
 *
 * @module
 */
import { type Kysely, type Migration, sql } from 'kysely';

export const securityGroups: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('securitygroups')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('description', 'varchar(255)', (c) => c.notNull())
      .addColumn('stateful', 'integer', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('created_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('revision_number', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('securitygroups_project').on('securitygroups').column('project_id').execute();
    // The primary key turns two concurrent "create the default group" into a conflict (re-run: found).
    await db.schema
      .createTable('default_security_groups')
      .addColumn('project_id', 'varchar(255)', (c) => c.primaryKey())
      .addColumn('security_group_id', 'varchar(36)', (c) =>
        c.notNull().unique().references('securitygroups.id').onDelete('cascade'),
      )
      .execute();
    await db.schema
      .createTable('securitygrouprules')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('security_group_id', 'varchar(36)', (c) =>
        c.notNull().references('securitygroups.id').onDelete('cascade'),
      )
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('direction', 'varchar(16)', (c) => c.notNull())
      .addColumn('ethertype', 'varchar(8)', (c) => c.notNull())
      .addColumn('protocol', 'varchar(40)')
      .addColumn('port_range_min', 'integer')
      .addColumn('port_range_max', 'integer')
      .addColumn('remote_ip_prefix', 'varchar(64)')
      .addColumn('remote_group_id', 'varchar(36)', (c) =>
        c.references('securitygroups.id').onDelete('cascade'),
      )
      .addColumn('description', 'varchar(255)', (c) => c.notNull())
      .addColumn('created_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('revision_number', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('securitygrouprules_group')
      .on('securitygrouprules')
      .column('security_group_id')
      .execute();
    await db.schema
      .createIndex('securitygrouprules_remote_group')
      .on('securitygrouprules')
      .column('remote_group_id')
      .execute();
    await db.schema
      .createIndex('securitygrouprules_project')
      .on('securitygrouprules')
      .column('project_id')
      .execute();
    await db.schema
      .createTable('securitygroupportbindings')
      .addColumn('port_id', 'varchar(36)', (c) => c.notNull().references('ports.id').onDelete('cascade'))
      .addColumn('security_group_id', 'varchar(36)', (c) => c.notNull().references('securitygroups.id'))
      .addPrimaryKeyConstraint('securitygroupportbindings_pk', ['port_id', 'security_group_id'])
      .execute();
    await db.schema
      .createIndex('securitygroupportbindings_group')
      .on('securitygroupportbindings')
      .column('security_group_id')
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop table if exists securitygroupportbindings`.execute(db);
    await sql`drop table if exists securitygrouprules`.execute(db);
    await sql`drop table if exists default_security_groups`.execute(db);
    await sql`drop table if exists securitygroups`.execute(db);
  },
};
