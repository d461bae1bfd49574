/**
 * Opening the database (embedded SQLite by default, PostgreSQL by URL), running migrations, and the
 * one transaction helper every mutation goes through. SQLite writes start with `BEGIN IMMEDIATE`, so a
 * writer takes the lock before reading what it will decide on; PostgreSQL runs read-committed
 * transactions whose first statement locks the network row (see the repositories).
 *
 * SQLite never waits synchronously (issue 17): better-sqlite3's busy handler would sleep on the one event
 * loop that also answers DHCP, DNS and metadata in all-in-one. Writes ask for the lock with
 * `busy_timeout = 0` and retry asynchronously until a deadline (0.5 s without a commit from another
 * connection while a foreign program holds the lock, 5 s in all), then fail with DATABASE_LOCKED (503);
 * reads go to a second, query-only connection, which in WAL mode never waits for a writer.
 *
 * @module
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { QdhcpError } from '../common/errors.js';
import { LockTurns } from './lock-turns.js';
import { migrateToLatest } from './migrations.js';
import type { Schema } from './schema.js';
import { withStatementCache } from './statement-cache.js';
import { writeLockOwner } from './write-lock-owner.js';
import { YieldingSqliteDialect } from './yielding-sqlite.js';

/** A query context: the pool outside a transaction, or the transaction's connection inside one. */
export type Queryable = Kysely<Schema>;

/** An open database. `write` is the only way to change data. */
export interface Database {
  readonly kind: 'sqlite' | 'postgres';
  /** For reads outside a transaction (SQLite: its own query-only connection, never waiting for a writer). */
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

/**
 * How long a SQLite write, once it is this process's turn, waits for a write lock that a foreign program
 * holds without committing (an `sqlite3` shell, a backup) before it fails with DATABASE_LOCKED, and the
 * writers queued behind it with it (`lock-turns.ts`): well inside the 1 s in which the API answers while
 * another process keeps the database locked (issue 17).
 */
const SQLITE_LOCK_WAIT_MS = 500;
/**
 * How long it waits in all while the lock changes hands between other connections, or a peer holds it
 * (another `qdhcp server` on the same file, whose transaction may be slow on a loaded machine): the
 * database is busy, not stuck, so the write waits as long as the synchronous busy timeout used to.
 */
const SQLITE_BUSY_WAIT_MS = 5000;
/** Pauses between two tries at the lock: short, growing, jittered so colliding writers spread out. */
const SQLITE_RETRY_MIN_MS = 2;
const SQLITE_RETRY_MAX_MS = 10;
/**
 * The synchronous busy wait at start-up only (migrations run before anything is served), and of the
 * read connection: in WAL mode a reader waits only while another connection recovers the WAL after a
 * crash, never for a writer.
 */
const SQLITE_STARTUP_BUSY_TIMEOUT_MS = 5000;
const SQLITE_READ_BUSY_TIMEOUT_MS = 100;

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

/** The write lock is another connection's (SQLITE_BUSY and its extended codes). */
function isBusy(error: unknown): boolean {
  return errorCode(error)?.startsWith('SQLITE_BUSY') === true;
}

/** Changes whenever another connection commits (SQLite's `PRAGMA data_version`; needs no lock). */
async function dataVersion(conn: Queryable): Promise<number> {
  const { rows } = await sql<{ data_version: number }>`PRAGMA data_version`.execute(conn);
  return rows[0]?.data_version ?? 0;
}

/**
 * `BEGIN IMMEDIATE` on the connection to `path`, tried again after a short pause while another connection
 * holds the lock: until SQLITE_LOCK_WAIT_MS have passed without a commit seen from another connection
 * while a foreign program holds the lock (`write-lock-owner.ts`), SQLITE_BUSY_WAIT_MS in all.
 */
async function beginImmediate(conn: Queryable, path: string): Promise<void> {
  const started = performance.now();
  let progressAt = started;
  let version: number | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      await sql`BEGIN IMMEDIATE`.execute(conn);
      return;
    } catch (error) {
      if (!isBusy(error)) throw unavailable(error);
      const seen = await dataVersion(conn);
      if (version !== undefined && seen !== version) progressAt = performance.now();
      version = seen;
      const pause =
        SQLITE_RETRY_MIN_MS +
        Math.random() * Math.min(SQLITE_RETRY_MAX_MS - SQLITE_RETRY_MIN_MS, 2 * attempt);
      const resumeAt = performance.now() + pause;
      if (resumeAt - progressAt > SQLITE_LOCK_WAIT_MS) {
        // A foreign program's lock is a stall; a peer's transaction may just be slow on a loaded machine.
        // Nobody listed: the lock was given back a moment ago (or /proc is unreadable: 5 s in all then).
        const owner = await writeLockOwner(path);
        if (owner === 'foreign') throw databaseLocked(SQLITE_LOCK_WAIT_MS, error);
        if (owner === 'peer') progressAt = performance.now();
      }
      if (resumeAt - started > SQLITE_BUSY_WAIT_MS) throw databaseLocked(SQLITE_BUSY_WAIT_MS, error);
      await sleep(pause);
    }
  }
}

function databaseLocked(waitedMs: number, cause: unknown): QdhcpError {
  return new QdhcpError('DATABASE_LOCKED', { timeout_ms: waitedMs }, { cause });
}

function sqliteKysely(connection: SQLite.Database): Kysely<Schema> {
  // Queries let the loop turn every few ms (yielding-sqlite.ts): all-in-one answers DHCP on this loop.
  return new Kysely<Schema>({
    dialect: new YieldingSqliteDialect({ database: withStatementCache(connection) }),
  });
}

async function openSqlite(path: string): Promise<Database> {
  const inMemory = path === ':memory:';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const connection = new SQLite(path, { timeout: SQLITE_STARTUP_BUSY_TIMEOUT_MS });
  connection.pragma('journal_mode = WAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma('synchronous = NORMAL');
  const writer = sqliteKysely(connection);
  await migrateToLatest(writer as Kysely<unknown>);
  connection.pragma('busy_timeout = 0');
  // A second connection to ':memory:' would be another, empty database: there reads share the writer.
  let reader = writer;
  if (!inMemory) {
    const readConnection = new SQLite(path, { timeout: SQLITE_READ_BUSY_TIMEOUT_MS });
    readConnection.pragma('query_only = ON');
    reader = sqliteKysely(readConnection);
  }
  // This process's transactions take turns at the one write connection (Kysely would queue them too,
  // but could not refuse the queue when the database stays locked); BEGIN IMMEDIATE serialises them
  // against other processes.
  const turns = new LockTurns();
  return {
    kind: 'sqlite',
    db: reader,
    write: async (work) => {
      const endTurn = await turns.take();
      try {
        return await writer.connection().execute(async (conn) => {
          try {
            await beginImmediate(conn, path);
          } catch (error) {
            if (error instanceof QdhcpError && error.code === 'DATABASE_LOCKED')
              turns.refuseWaiting(
                () => new QdhcpError('DATABASE_LOCKED', error.params, { cause: error.cause }),
              );
            throw error;
          }
          try {
            const result = await work(conn);
            await sql`COMMIT`.execute(conn);
            return result;
          } catch (error) {
            await sql`ROLLBACK`.execute(conn).catch(() => undefined);
            throw unavailable(error);
          }
        });
      } finally {
        endTurn();
      }
    },
    isRetriable: (error) => SQLITE_RETRIABLE.has(errorCode(error) ?? ''),
    close: async () => {
      if (reader !== writer) await reader.destroy();
      await writer.destroy();
    },
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
