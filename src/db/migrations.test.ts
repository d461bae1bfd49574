import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { agentsRepository } from './agents-repository.js';
import { openDatabase } from './database.js';
import { instancesRepository } from './instances-repository.js';
import { MIGRATIONS } from './migrations.js';

/** An instances row as migration 0003 made them (no ec2_id yet). */
function oldInstance(id: string, createdAt: string) {
  return {
    id,
    project_id: 'p1',
    name: id,
    hostname: id,
    availability_zone: 'nova',
    public_keys: '{}',
    user_data: null,
    metadata: '{}',
    launch_index: 0,
    created_at: createdAt,
    updated_at: createdAt,
    revision_number: 1,
  };
}

test('0004 numbers existing instances in creation order; new ones continue the count; stable on reopen', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qdhcp-migrate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'qdhcp.sqlite');
  const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SQLite(path) }) });
  const upTo0003 = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < '0004'));
  const migrator = new Migrator({
    db: old,
    provider: { getMigrations: async () => upTo0003 },
    migrationTableName: 'qdhcp_migrations',
    migrationLockTableName: 'qdhcp_migrations_lock',
  });
  assert.equal((await migrator.migrateToLatest()).error, undefined);
  const rows = [
    oldInstance('c-newest', '2026-01-03T00:00:00Z'),
    oldInstance('a-oldest', '2026-01-01T00:00:00Z'),
    oldInstance('b-middle', '2026-01-02T00:00:00Z'),
  ];
  // The 0003 schema, written as that version wrote it.
  await (old as Kysely<{ instances: (typeof rows)[number] }>).insertInto('instances').values(rows).execute();
  await old.destroy();

  const database = await openDatabase(`sqlite:${path}`, dir);
  const numbered = async () =>
    Object.fromEntries(
      (await instancesRepository.list(database.db, { equals: {} })).map((r) => [r.id, r.ec2Id]),
    );
  assert.deepEqual(await numbered(), { 'a-oldest': 1, 'b-middle': 2, 'c-newest': 3 });
  assert.equal(await database.write((tx) => instancesRepository.nextEc2Id(tx)), 4);
  await database.close();

  const reopened = await openDatabase(`sqlite:${path}`, dir);
  t.after(() => reopened.close());
  assert.deepEqual(
    Object.fromEntries(
      (await instancesRepository.list(reopened.db, { equals: {} })).map((r) => [r.id, r.ec2Id]),
    ),
    { 'a-oldest': 1, 'b-middle': 2, 'c-newest': 3 },
  );
  assert.equal(await reopened.write((tx) => instancesRepository.nextEc2Id(tx)), 5);
});

test('0006 keeps existing bindings as served and not draining (new ones: service/agent-drain.test.ts)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qdhcp-migrate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'qdhcp.sqlite');
  const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SQLite(path) }) });
  const upTo0005 = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < '0006'));
  const migrator = new Migrator({
    db: old,
    provider: { getMigrations: async () => upTo0005 },
    migrationTableName: 'qdhcp_migrations',
    migrationLockTableName: 'qdhcp_migrations_lock',
  });
  assert.equal((await migrator.migrateToLatest()).error, undefined);
  // A 0005 binding and the rows it refers to, written as that version wrote them.
  const stamp = '2026-01-01T00:00:00Z';
  await sql`insert into networks (id, project_id, name, description, admin_state_up, status, shared, mtu,
    dns_domain, port_security_enabled, router_external, network_type, availability_zone_hints, tags,
    created_at, updated_at, revision_number, sync_revision)
    values ('n1', 'p1', '', '', 1, 'ACTIVE', 0, 1500, '', 1, 0, 'local', '[]', '[]', ${stamp}, ${stamp}, 1, 1)`.execute(
    old,
  );
  await sql`insert into agents (id, agent_type, binary, host, topic, admin_state_up, configurations, load,
    created_at, started_at, heartbeat_timestamp)
    values ('a1', 'DHCP agent', 'qdhcp-agent', 'h1', 'dhcp_agent', 1, '{}', 0, ${stamp}, ${stamp}, ${stamp})`.execute(
    old,
  );
  await sql`insert into network_dhcp_agent_bindings (network_id, agent_id, binding_index)
    values ('n1', 'a1', 1)`.execute(old);
  await old.destroy();

  const database = await openDatabase(`sqlite:${path}`, dir);
  t.after(() => database.close());
  const [kept] = await agentsRepository.bindingsOfNetwork(database.db, 'n1');
  assert.equal(kept?.draining, false);
  assert.notEqual(kept?.servedAt, null, 'an agent of an older version was serving its bindings');
});
