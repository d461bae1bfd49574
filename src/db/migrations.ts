/**
 * Schema migrations, in order. Each is written with Kysely's schema builder so the same code creates
 * the SQLite and the PostgreSQL schema. Never edit a released migration: add a new one.
 *
 * @module
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { errorText, QdhcpError } from '../common/errors.js';
import { portProvisioning } from './migration-provisioning.js';
import { routerL3AgentBindings } from './migration-router-l3.js';
import { securityGroups } from './migration-security-groups.js';

const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('networks')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('description', 'varchar(255)', (c) => c.notNull())
      .addColumn('admin_state_up', 'integer', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('shared', 'integer', (c) => c.notNull())
      .addColumn('mtu', 'integer', (c) => c.notNull())
      .addColumn('dns_domain', 'varchar(255)', (c) => c.notNull())
      .addColumn('port_security_enabled', 'integer', (c) => c.notNull())
      .addColumn('router_external', 'integer', (c) => c.notNull())
      .addColumn('network_type', 'varchar(16)', (c) => c.notNull())
      .addColumn('physical_network', 'varchar(64)')
      .addColumn('segmentation_id', 'integer')
      .addColumn('segment_key', 'varchar(128)', (c) => c.unique())
      .addColumn('availability_zone_hints', 'text', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('created_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('revision_number', 'integer', (c) => c.notNull())
      .addColumn('sync_revision', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('networks_project').on('networks').column('project_id').execute();

    await db.schema
      .createTable('subnets')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('network_id', 'varchar(36)', (c) => c.notNull().references('networks.id'))
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('description', 'varchar(255)', (c) => c.notNull())
      .addColumn('ip_version', 'integer', (c) => c.notNull())
      .addColumn('cidr', 'varchar(64)', (c) => c.notNull())
      .addColumn('gateway_ip', 'varchar(64)')
      .addColumn('enable_dhcp', 'integer', (c) => c.notNull())
      .addColumn('ipv6_ra_mode', 'varchar(32)')
      .addColumn('ipv6_address_mode', 'varchar(32)')
      .addColumn('allocation_pools', 'text', (c) => c.notNull())
      .addColumn('dns_nameservers', 'text', (c) => c.notNull())
      .addColumn('host_routes', 'text', (c) => c.notNull())
      .addColumn('service_types', 'text', (c) => c.notNull())
      .addColumn('dns_publish_fixed_ip', 'integer', (c) => c.notNull())
      .addColumn('segment_id', 'varchar(36)')
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('created_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('revision_number', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('subnets_network').on('subnets').column('network_id').execute();

    await db.schema
      .createTable('ports')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('network_id', 'varchar(36)', (c) => c.notNull().references('networks.id'))
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('description', 'varchar(255)', (c) => c.notNull())
      .addColumn('admin_state_up', 'integer', (c) => c.notNull())
      .addColumn('mac_address', 'varchar(17)', (c) => c.notNull())
      .addColumn('device_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('device_owner', 'varchar(255)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('binding_host_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('binding_vnic_type', 'varchar(64)', (c) => c.notNull())
      .addColumn('binding_profile', 'text', (c) => c.notNull())
      .addColumn('binding_vif_type', 'varchar(64)', (c) => c.notNull())
      .addColumn('dns_name', 'varchar(255)', (c) => c.notNull())
      .addColumn('dns_domain', 'varchar(255)', (c) => c.notNull())
      .addColumn('port_security_enabled', 'integer', (c) => c.notNull())
      .addColumn('extra_dhcp_opts', 'text', (c) => c.notNull())
      .addColumn('allowed_address_pairs', 'text', (c) => c.notNull())
      .addColumn('ip_allocation', 'varchar(16)', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('created_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('revision_number', 'integer', (c) => c.notNull())
      .addUniqueConstraint('ports_network_mac', ['network_id', 'mac_address'])
      .execute();
    await db.schema.createIndex('ports_network').on('ports').column('network_id').execute();
    await db.schema.createIndex('ports_device').on('ports').column('device_id').execute();

    await db.schema
      .createTable('ip_allocations')
      .addColumn('subnet_id', 'varchar(36)', (c) => c.notNull().references('subnets.id'))
      .addColumn('ip_address', 'varchar(64)', (c) => c.notNull())
      .addColumn('port_id', 'varchar(36)', (c) => c.notNull().references('ports.id'))
      .addColumn('network_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('ip_allocations_pk', ['subnet_id', 'ip_address'])
      .execute();
    await db.schema.createIndex('ip_allocations_port').on('ip_allocations').column('port_id').execute();
    await db.schema.createIndex('ip_allocations_ip').on('ip_allocations').column('ip_address').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['ip_allocations', 'ports', 'subnets', 'networks']) {
      await sql`drop table if exists ${sql.table(table)}`.execute(db);
    }
  },
};

/** DHCP agents (spec §4.9) and their network bindings (spec §4.12). */
const agents: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('agents')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('agent_type', 'varchar(255)', (c) => c.notNull())
      .addColumn('binary', 'varchar(255)', (c) => c.notNull())
      .addColumn('host', 'varchar(255)', (c) => c.notNull())
      .addColumn('topic', 'varchar(255)', (c) => c.notNull())
      .addColumn('availability_zone', 'varchar(255)')
      .addColumn('admin_state_up', 'integer', (c) => c.notNull())
      .addColumn('configurations', 'text', (c) => c.notNull())
      .addColumn('load', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('started_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('heartbeat_timestamp', 'varchar(20)', (c) => c.notNull())
      .addColumn('description', 'varchar(255)')
      .addUniqueConstraint('agents_type_host', ['agent_type', 'host'])
      .execute();
    await db.schema
      .createTable('network_dhcp_agent_bindings')
      .addColumn('network_id', 'varchar(36)', (c) =>
        c.notNull().references('networks.id').onDelete('cascade'),
      )
      .addColumn('agent_id', 'varchar(36)', (c) => c.notNull().references('agents.id').onDelete('cascade'))
      .addColumn('binding_index', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('network_dhcp_agent_bindings_pk', ['network_id', 'agent_id'])
      .addUniqueConstraint('network_dhcp_agent_bindings_index', ['network_id', 'binding_index'])
      .execute();
    await db.schema
      .createIndex('network_dhcp_agent_bindings_agent')
      .on('network_dhcp_agent_bindings')
      .column('agent_id')
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop table if exists network_dhcp_agent_bindings`.execute(db);
    await sql`drop table if exists agents`.execute(db);
  },
};

/** Instance records of the builtin metadata service (issue 5). */
const instances: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('instances')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('hostname', 'varchar(63)', (c) => c.notNull())
      .addColumn('availability_zone', 'varchar(255)', (c) => c.notNull())
      .addColumn('public_keys', 'text', (c) => c.notNull())
      .addColumn('user_data', 'text')
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('launch_index', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('revision_number', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('instances_project').on('instances').column('project_id').execute();
    // metadata.get_instance looks a caller up by (network, address): one index probe, no scan.
    await db.schema
      .createIndex('ip_allocations_network_ip')
      .on('ip_allocations')
      .columns(['network_id', 'ip_address'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop index if exists ip_allocations_network_ip`.execute(db);
    await sql`drop table if exists instances`.execute(db);
  },
};

/** The `id_counters` row that numbers instances for their EC2 ids (used by the migration and the repository). */
export const EC2_INSTANCE_COUNTER = 'instance_ec2_id';

/**
 * EC2 instance ids (issue 12): Nova serves `meta-data/instance-id` as `i-%08x` of an integer it keeps per
 * instance (nova/objects/ec2.py `EC2InstanceMapping`, an auto-increment row id, never reused), and CirrOS
 * retries until the id starts with `i-`. Each instance gets `ec2_id` from the counter row of `id_counters`
 * (one row per counter; an UPDATE of it serialises concurrent creators on both databases, and unlike
 * `max + 1` a deleted instance's number is never handed out again). Existing instances are numbered in
 * creation order.
 */
const instanceEc2Ids: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('id_counters')
      .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('value', 'integer', (c) => c.notNull())
      .execute();
    // Nullable only because SQLite cannot add a NOT NULL column without a default; every row gets one.
    await db.schema.alterTable('instances').addColumn('ec2_id', 'integer').execute();
    const rows = await sql<{ id: string }>`select id from instances order by created_at, id`.execute(db);
    let value = 0;
    for (const row of rows.rows) {
      value += 1;
      await sql`update instances set ec2_id = ${value} where id = ${row.id}`.execute(db);
    }
    await sql`insert into id_counters (name, value) values (${EC2_INSTANCE_COUNTER}, ${value})`.execute(db);
    await db.schema.createIndex('instances_ec2_id').on('instances').column('ec2_id').unique().execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop index if exists instances_ec2_id`.execute(db);
    await db.schema.alterTable('instances').dropColumn('ec2_id').execute();
    await sql`drop table if exists id_counters`.execute(db);
  },
};

/**
 * Address scopes and subnet pools (issue 12): a pool's prefixes are its compacted CIDRs as a JSON list;
 * a subnet remembers the pool it was allocated from.
 */
const subnetPools: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('address_scopes')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('shared', 'integer', (c) => c.notNull())
      .addColumn('ip_version', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('subnetpools')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('description', 'varchar(255)', (c) => c.notNull())
      .addColumn('ip_version', 'integer', (c) => c.notNull())
      .addColumn('prefixes', 'text', (c) => c.notNull())
      .addColumn('default_prefixlen', 'integer', (c) => c.notNull())
      .addColumn('min_prefixlen', 'integer', (c) => c.notNull())
      .addColumn('max_prefixlen', 'integer', (c) => c.notNull())
      .addColumn('default_quota', 'integer')
      .addColumn('is_default', 'integer', (c) => c.notNull())
      .addColumn('shared', 'integer', (c) => c.notNull())
      .addColumn('address_scope_id', 'varchar(36)', (c) => c.references('address_scopes.id'))
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('created_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('revision_number', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('subnetpools_scope').on('subnetpools').column('address_scope_id').execute();
    await db.schema
      .alterTable('subnets')
      .addColumn('subnetpool_id', 'varchar(36)', (c) => c.references('subnetpools.id'))
      .execute();
    await db.schema.createIndex('subnets_subnetpool').on('subnets').column('subnetpool_id').execute();
  },
  // SQLite cannot drop a column that a foreign key uses, so this down step works on PostgreSQL only
  // (nothing runs migrations down; they are kept for completeness).
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop index if exists subnets_subnetpool`.execute(db);
    await db.schema.alterTable('subnets').dropColumn('subnetpool_id').execute();
    await sql`drop table if exists subnetpools`.execute(db);
    await sql`drop table if exists address_scopes`.execute(db);
  },
};

/**
 * Admin-down is a drain (issue 17): a binding of an admin-down agent is kept, `draining`, until another
 * agent's binding of the network has `served_at` (the time that agent first reported it answers for the
 * network, `dhcp.networks_served`). Existing bindings are not draining and count as served: their agents
 * were serving before this version.
 */
const bindingDrain: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('network_dhcp_agent_bindings')
      .addColumn('draining', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('network_dhcp_agent_bindings').addColumn('served_at', 'varchar(20)').execute();
    await sql`update network_dhcp_agent_bindings set served_at = ${'1970-01-01T00:00:00Z'}`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('network_dhcp_agent_bindings').dropColumn('served_at').execute();
    await db.schema.alterTable('network_dhcp_agent_bindings').dropColumn('draining').execute();
  },
};

/**
 * Routers and floating IPs (issue 13). A router's gateway and interfaces are ports whose `device_id` is
 * the router; a floating IP's address is its `network:floatingip` port's.
 */
const routers: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('routers')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('description', 'varchar(255)', (c) => c.notNull())
      .addColumn('admin_state_up', 'integer', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('gw_network_id', 'varchar(36)', (c) => c.references('networks.id'))
      .addColumn('enable_snat', 'integer', (c) => c.notNull())
      .addColumn('routes', 'text', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('created_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('revision_number', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('routers_project').on('routers').column('project_id').execute();
    await db.schema
      .createTable('floatingips')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('description', 'varchar(255)', (c) => c.notNull())
      .addColumn('floating_network_id', 'varchar(36)', (c) => c.notNull().references('networks.id'))
      .addColumn('floating_ip_address', 'varchar(64)', (c) => c.notNull())
      .addColumn('floating_port_id', 'varchar(36)', (c) => c.notNull().unique())
      .addColumn('fixed_port_id', 'varchar(36)')
      .addColumn('fixed_ip_address', 'varchar(64)')
      .addColumn('router_id', 'varchar(36)', (c) => c.references('routers.id'))
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('created_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(20)', (c) => c.notNull())
      .addColumn('revision_number', 'integer', (c) => c.notNull())
      .execute();
    // One floating IP per fixed IP (per external network, as Neutron's unique key on the three).
    await db.schema
      .createIndex('floatingips_fixed')
      .on('floatingips')
      .columns(['floating_network_id', 'fixed_port_id', 'fixed_ip_address'])
      .unique()
      .execute();
    await db.schema.createIndex('floatingips_router').on('floatingips').column('router_id').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop table if exists floatingips`.execute(db);
    await sql`drop table if exists routers`.execute(db);
  },
};

/**
 * Migrations by name; names sort in the order they must run.
 *
 * @internal exported for the test that migrates an older schema with data in it (migrations.test.ts).
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_agents': agents,
  '0003_instances': instances,
  '0004_instance_ec2_ids': instanceEc2Ids,
  '0005_subnet_pools': subnetPools,
  '0006_binding_drain': bindingDrain,
  '0007_routers': routers,
  '0008_security_groups': securityGroups,
  '0009_router_l3_agent_bindings': routerL3AgentBindings,
  '0010_port_provisioning': portProvisioning,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/**
 * Brings the schema up to date. Safe to run from several processes at once on PostgreSQL (Kysely's
 * migrator takes a lock table) and on SQLite (the write lock serialises them).
 */
export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'qdhcp_migrations',
    migrationLockTableName: 'qdhcp_migrations_lock',
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw new QdhcpError('DB_MIGRATION_FAILED', { reason: errorText(error) }, { cause: error });
}
