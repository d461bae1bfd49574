import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SqliteDialect,
} from 'kysely';

/** Longest run of queries between two turns of the event loop (a query running alone can still take longer). */
export const QUERY_RUN_BUDGET_MS = 8;

/**
 * Kysely's SQLite dialect whose queries let the event loop turn at least every {@link QUERY_RUN_BUDGET_MS}
 * of query work (issue 17, "the data plane never waits for the database"). better-sqlite3 runs each query
 * synchronously and Kysely settles its promise at once, so a chain of awaited queries — the startup sync's
 * `dhcp.get_active_networks` over 1,000 networks, a burst of L2 lookups, a bulk create — never reaches
 * the poll phase: in all-in-one the DHCP, DNS and metadata sockets on the same loop were not read for
 * seconds after a restart (docs/performance.md). Before a query, once queries have run for the budget without
 * the loop turning, the query waits for `setImmediate` (after one poll for I/O). Shared by every connection
 * of the process: the budget is the loop's, not a connection's.
 */
export class YieldingSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    return new YieldingDriver(super.createDriver());
  }
}

/** When the current stretch of queries without a turn of the loop began (undefined: none since the last turn). */
let stretchStart: number | undefined;

/**
 * Undefined while the budget lasts (the query runs at once), else a promise of the next turn (after one poll
 * for I/O). The first query of a stretch leaves a marker immediate that ends the stretch when the loop next
 * turns for any reason, so an isolated query (an API request after a quiet moment) never waits.
 */
export function queryTurn(): Promise<unknown> | undefined {
  const now = performance.now();
  if (stretchStart === undefined) {
    stretchStart = now;
    setImmediate(() => {
      stretchStart = undefined;
    });
    return undefined;
  }
  if (now - stretchStart < QUERY_RUN_BUDGET_MS) return undefined;
  // Queued after the marker: when it resolves, the marker has ended the stretch.
  return nextTurn();
}

class YieldingConnection implements DatabaseConnection {
  constructor(private readonly inner: DatabaseConnection) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const turn = queryTurn();
    if (turn !== undefined) await turn;
    return this.inner.executeQuery<R>(query);
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

/**
 * The SQLite driver with each connection it hands out wrapped (the same wrapper for the same connection).
 * No savepoints (nothing here nests transactions): Kysely refuses them on this driver.
 */
class YieldingDriver implements Driver {
  private readonly wrapped = new WeakMap<DatabaseConnection, YieldingConnection>();

  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.inner.acquireConnection();
    let yielding = this.wrapped.get(connection);
    if (yielding === undefined) {
      yielding = new YieldingConnection(connection);
      this.wrapped.set(connection, yielding);
    }
    return yielding;
  }

  // Transaction statements go through the wrapper too (the SQLite driver runs them on the connection given).
  beginTransaction(...args: Parameters<Driver['beginTransaction']>): Promise<void> {
    return this.inner.beginTransaction(...args);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
