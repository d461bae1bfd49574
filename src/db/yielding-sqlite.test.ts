import assert from 'node:assert/strict';
import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { QUERY_RUN_BUDGET_MS, YieldingSqliteDialect } from './yielding-sqlite.js';

test('a long chain of awaited queries lets the event loop turn every few ms, in and out of a transaction', async () => {
  const db = new Kysely<unknown>({
    dialect: new YieldingSqliteDialect({ database: new SQLite(':memory:') }),
  });
  await sql`CREATE TABLE t (n INTEGER)`.execute(db);
  // Each query is synchronous in better-sqlite3: without the dialect's turns this chain settles entirely
  // in microtasks and the immediate below runs only after it (the event loop held for its whole length:
  // 0 turns). With them, about one turn per budget; the bound is low because a loaded host deschedules us.
  const chain = async (queries: (q: number) => Promise<unknown>): Promise<number> => {
    let turns = 0;
    let done = false;
    const count = () => {
      if (done) return;
      turns++;
      setImmediate(count);
    };
    setImmediate(count);
    const started = performance.now();
    let q = 0;
    while (performance.now() - started < 20 * QUERY_RUN_BUDGET_MS) await queries(q++);
    done = true;
    return turns;
  };
  const outside = await chain((n) => sql`INSERT INTO t VALUES (${n})`.execute(db));
  assert.ok(
    outside >= 2,
    `the loop turned ${outside} times during ${20 * QUERY_RUN_BUDGET_MS} ms of queries`,
  );
  const inside = await db.transaction().execute((tx) => chain(() => sql`SELECT count(*) FROM t`.execute(tx)));
  assert.ok(inside >= 2, `the loop turned ${inside} times inside the transaction`);
  const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM t`.execute(db);
  assert.ok((rows[0]?.n ?? 0) > 0, 'the queries ran');
  await db.destroy();
});
