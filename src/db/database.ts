/**
 * Opening the database (embedded SQLite by default, PostgreSQL by URL), running migrations, and the
 * one transaction helper every mutation goes through. SQLite writes start with `BEGIN IMMEDIATE`, so a
 * writer takes the lock before reading what it will decide on; PostgreSQL runs read-committed
 * transactions whose first statement locks the network row (see the repositories).
 *
 * @module
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { QdhcpError } from '../common/errors.js';
import { migrateToLatest } from './migrations.js';
import type { Schema } from './schema.js';
import { withStatementCache } from './statement-cache.js';

/** A query context: the pool outside a transaction, or the transaction's connection inside one. */
export type Queryable = Kysely<Schema>;

/** An open database. `write` is the only way to change data. */
export interface Database {
  readonly kind: 'sqlite' | 'postgres';
  /** For reads outside a transaction. */
  readonly db: Queryable;
  /** Runs `work` in one write transaction: all of it commits, or none of it. */
  write<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** True when `error` is a conflict that re-running the whole operation may resolve (spec 3.5). */
  isRetriable(error: unknown): boolean;
  close(): Promise<void>;
}

/** Where the data lives: `sqlite:PATH`, `sqlite::memory:`, `postgres://...`, or '' for the state dir file. */
export function describeDatabaseUrl(
  url: string,
  stateDir: string,
): { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string } {
  if (url === '') return { kind: 'sqlite', path: join(stateDir, 'qdhcp.sqlite') };
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { kind: 'postgres', url };
  if (url.startsWith('sqlite:')) {
    const rest = url.slice('sqlite:'.length).replace(/^\/\//, '');
    return { kind: 'sqlite', path: rest === '' ? ':memory:' : rest };
  }
  throw new QdhcpError('CONFIG_INVALID', { message: `unsupported database URL ${url}` });
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** How long a SQLite writer waits for another connection's lock before giving up (SQLITE_BUSY). */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

const SQLITE_RETRIABLE = new Set([
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
]);
/** unique_violation, serialization_failure, deadlock_detected, lock_not_available. */
const POSTGRES_RETRIABLE = new Set(['23505', '40001', '40P01', '55P03']);
/** The disk is full: SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100), a file write's ENOSPC. */
const STORAGE_FULL_CODES = new Set(['SQLITE_FULL', '53100', 'ENOSPC']);

/**
 * A write the database could not do for a reason of the host, not of the request: a coded 503 the API
 * answers as such (docs/errors.md), with the driver's error as cause. Anything else is returned as is.
 */
function unavailable(error: unknown): unknown {
  const code = errorCode(error);
  if (code !== undefined && STORAGE_FULL_CODES.has(code))
    return new QdhcpError('STORAGE_FULL', {}, { cause: error });
  return error;
}

async function openSqlite(path: string): Promise<Database> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const connection = new SQLite(path);
  connection.pragma('journal_mode = WAL');
  connection.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  connection.pragma('foreign_keys = ON');
  connection.pragma('synchronous = NORMAL');
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(connection) }) });
  await migrateToLatest(db as Kysely<unknown>);
  return {
    kind: 'sqlite',
    db,
    // Kysely holds the single SQLite connection for the whole callback, so transactions of this
    // process are serialised; BEGIN IMMEDIATE serialises them against other processes too.
    write: (work) =>
      db.connection().execute(async (conn) => {
        const waiting = performance.now();
        try {
          await sql`BEGIN IMMEDIATE`.execute(conn);
        } catch (error) {
          // SQLITE_BUSY after the busy handler waited the whole timeout: another connection holds the
          // lock and keeps it; re-running (up to 25 times) would hold the request for minutes. A quick
          // SQLITE_BUSY (WAL recovery, a snapshot) stays retriable.
          if (
            errorCode(error) === 'SQLITE_BUSY' &&
            performance.now() - waiting >= SQLITE_BUSY_TIMEOUT_MS * 0.9
          )
            throw new QdhcpError('DATABASE_LOCKED', { timeout_ms: SQLITE_BUSY_TIMEOUT_MS }, { cause: error });
          throw unavailable(error);
        }
        try {
          const result = await work(conn);
          await sql`COMMIT`.execute(conn);
          return result;
        } catch (error) {
          await sql`ROLLBACK`.execute(conn).catch(() => undefined);
          throw unavailable(error);
        }
      }),
    isRetriable: (error) => SQLITE_RETRIABLE.has(errorCode(error) ?? ''),
    close: () => db.destroy(),
  };
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection the server terminates (restart, failover, DROP DATABASE … FORCE) is an 'error'
  // event on the pool; without a listener it would crash the process. The pool drops the connection and
  // opens a new one on demand; queries in flight fail and are retried or reported as usual.
  pool.on('error', () => undefined);
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  // Several servers may start at once on one database: migrate under an advisory lock.
  await db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(7420133)`.execute(conn);
    try {
      await migrateToLatest(conn as Kysely<unknown>);
    } finally {
      await sql`SELECT pg_advisory_unlock(7420133)`.execute(conn);
    }
  });
  return {
    kind: 'postgres',
    db,
    write: async (work) => {
      try {
        return await db.transaction().execute(work);
      } catch (error) {
        throw unavailable(error);
      }
    },
    isRetriable: (error) => POSTGRES_RETRIABLE.has(errorCode(error) ?? ''),
    close: () => db.destroy(),
  };
}

/** Opens (and migrates) the database named by `url`; '' means the SQLite file in `stateDir`. */
export async function openDatabase(url: string, stateDir: string): Promise<Database> {
  const target = describeDatabaseUrl(url, stateDir);
  return target.kind === 'sqlite' ? openSqlite(target.path) : openPostgres(target.url);
}
