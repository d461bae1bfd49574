/**
 * Throw-away databases for tests: a SQLite file in a fresh temp dir, and a uniquely named PostgreSQL
 * database on 127.0.0.1:5432 (user postgres, trust auth) that `drop()` removes again. Test support,
 * not used by the server.
 *
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** A database a test may use, and how to get rid of it. */
export interface TestDatabase {
  readonly backend: 'sqlite' | 'postgres';
  /** The `--db` URL. */
  readonly url: string;
  /** State dir for the server (SQLite lives there). */
  readonly stateDir: string;
  drop(): Promise<void>;
}

/** The PostgreSQL server tests use. */
export const TEST_POSTGRES_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh SQLite database in its own temp directory. */
export function createSqliteTestDatabase(): TestDatabase {
  const stateDir = mkdtempSync(join(tmpdir(), 'qdhcp-api-'));
  return {
    backend: 'sqlite',
    url: `sqlite:${join(stateDir, 'qdhcp.sqlite')}`,
    stateDir,
    async drop() {
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** A fresh, uniquely named PostgreSQL database. */
export async function createPostgresTestDatabase(): Promise<TestDatabase> {
  const name = `qdhcp_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const stateDir = mkdtempSync(join(tmpdir(), 'qdhcp-api-pg-'));
  return {
    backend: 'postgres',
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    stateDir,
    async drop() {
      rmSync(stateDir, { recursive: true, force: true });
      const client = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Creates a test database of the given backend. */
export function createTestDatabase(backend: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  return backend === 'sqlite' ? Promise.resolve(createSqliteTestDatabase()) : createPostgresTestDatabase();
}
