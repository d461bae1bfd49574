/**
 * Migration 0010 (its own file: migrations.ts is at the size limit).
 *
 * @module
 */
import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Provisioning (issue 14, Neutron's `provisioningblocks` seen from the other side): one row per entity
 * that reported a port ready (`dhcp`: a DHCP agent serves it, `l2`: a host wired its tap). Which entities
 * a port needs is derived from the port (src/service/provisioning-blocks.ts); a needed entity without its
 * row is a block. The rows go with their port.
 */
export const portProvisioning: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('port_provisioning')
      .addColumn('port_id', 'varchar(36)', (c) => c.notNull().references('ports.id').onDelete('cascade'))
      .addColumn('entity', 'varchar(16)', (c) => c.notNull())
      .addPrimaryKeyConstraint('port_provisioning_pk', ['port_id', 'entity'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop table if exists port_provisioning`.execute(db);
  },
};
