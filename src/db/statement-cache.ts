import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Statements kept: every query shape the server runs fits many times over; IN lists of other lengths evict. */
const DEFAULT_CAPACITY = 256;

/**
 * The SQLite connection as Kysely's dialect sees it, with `prepare` reusing compiled statements by SQL
 * text (least recently used go first). Kysely's SQLite driver prepares every query afresh, which was 10 %
 * of all-in-one's busy CPU while creating ports one by one (docs/performance.md, "Issue 11: old vs new"),
 * all of it on the event loop the DHCP answers share. A statement is safe to reuse here: the driver runs
 * each one to completion (`all`/`run`, never a held `iterate`), and SQLite recompiles a statement
 * itself when a migration changes the schema under it.
 */
export function withStatementCache(connection: SQLite.Database, capacity = DEFAULT_CAPACITY): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => {
      statements.clear();
      connection.close();
    },
    prepare: (sql) => {
      const cached = statements.get(sql);
      if (cached !== undefined) {
        // Map order is insertion order: moving the hit to the end keeps the oldest first for eviction.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = connection.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > capacity) {
        const oldest = statements.keys().next().value;
        if (oldest !== undefined) statements.delete(oldest);
      }
      return statement;
    },
  };
}
