import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
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
