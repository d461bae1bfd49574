/**
 * Issue 17: SQLite locked by another process never blocks this process's event loop. The lock is held by
 * a real second process (test/support/sqlite-lock-holder.ts); the bounds are generous for a loaded
 * machine but each one fails with a synchronous busy wait (5 s before issue 17).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { sql } from 'kysely';
import { holdSqliteWriteLock } from '../../test/support/sqlite-lock-holder.js';
import { QdhcpError } from '../common/errors.js';
import { type Database, openDatabase } from './database.js';

/** A migrated database in a fresh temp dir with one table `probe(n)` holding one row. */
async function freshDatabase(t: TestContext): Promise<{ database: Database; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'qdhcp-dblock-'));
  const path = join(dir, 'qdhcp.sqlite');
  const database = await openDatabase(`sqlite:${path}`, dir);
  t.after(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await database.write(async (tx) => {
    await sql`CREATE TABLE probe (n INTEGER NOT NULL)`.execute(tx);
    await sql`INSERT INTO probe (n) VALUES (1)`.execute(tx);
  });
  return { database, path };
}

async function countRows(database: Database): Promise<number> {
  const { rows } = await sql<{ c: number }>`SELECT count(*) AS c FROM probe`.execute(database.db);
  return rows[0]?.c ?? -1;
}

function insertRow(database: Database): Promise<void> {
  return database.write(async (tx) => {
    await sql`INSERT INTO probe (n) VALUES (2)`.execute(tx);
  });
}

/** The longest pause of the event loop while `work` runs, seen by a 5 ms ticker. */
async function longestStall<T>(
  work: () => Promise<T>,
): Promise<{ stallMs: number; result: PromiseSettledResult<T> }> {
  let last = performance.now();
  let stallMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 5);
  try {
    const [result] = await Promise.allSettled([work()]);
    return { stallMs, result: result as PromiseSettledResult<T> };
  } finally {
    clearInterval(ticker);
  }
}

function assertLocked(result: PromiseSettledResult<unknown>): void {
  assert.equal(result.status, 'rejected', 'the write committed under a foreign lock');
  const error = (result as PromiseRejectedResult).reason as unknown;
  assert.ok(error instanceof QdhcpError, `not a coded error: ${String(error)}`);
  assert.equal(error.code, 'DATABASE_LOCKED');
  assert.equal(error.status, 503);
  assert.equal(error.type, 'ServiceUnavailable');
}

test('a write under a foreign lock fails with DATABASE_LOCKED (503) after ~0.5 s, without stalling the event loop', async (t) => {
  const { database, path } = await freshDatabase(t);
  const holder = await holdSqliteWriteLock(path, 10_000);
  t.after(() => holder.stop());
  const started = performance.now();
  const { stallMs, result } = await longestStall(() => insertRow(database));
  const elapsed = performance.now() - started;
  assertLocked(result);
  assert.ok(elapsed >= 400 && elapsed < 1000, `gave up after ${elapsed.toFixed(0)} ms, not ~500 ms`);
  assert.ok(stallMs < 150, `the event loop stalled ${stallMs.toFixed(0)} ms`);
});

test('reads answer while this process waits for a foreign lock: they do not queue behind the write', async (t) => {
  const { database, path } = await freshDatabase(t);
  const holder = await holdSqliteWriteLock(path, 10_000);
  t.after(() => holder.stop());
  let writeSettled = false;
  const write = insertRow(database).finally(() => {
    writeSettled = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const started = performance.now();
  assert.equal(await countRows(database), 1);
  assert.ok(performance.now() - started < 100, 'the read waited');
  assert.equal(writeSettled, false, 'the read was answered only after the write gave up');
  assertLocked((await Promise.allSettled([write]))[0] as PromiseSettledResult<void>);
});

test('ten writes queued under a foreign lock all settle within one lock wait, not ten', async (t) => {
  const { database, path } = await freshDatabase(t);
  const holder = await holdSqliteWriteLock(path, 10_000);
  t.after(() => holder.stop());
  const started = performance.now();
  const results = await Promise.allSettled(Array.from({ length: 10 }, () => insertRow(database)));
  const elapsed = performance.now() - started;
  for (const result of results) assertLocked(result);
  assert.ok(elapsed < 1000, `the last write answered after ${elapsed.toFixed(0)} ms`);
});

test('writes queued behind a long transaction of this process wait as long as it takes: no foreign lock, no 503', async (t) => {
  const { database } = await freshDatabase(t);
  const long = database.write(async (tx) => {
    await sql`INSERT INTO probe (n) VALUES (2)`.execute(tx);
    await new Promise((resolve) => setTimeout(resolve, 1200));
  });
  const queued = Array.from({ length: 5 }, () => insertRow(database));
  await Promise.all([long, ...queued]);
  assert.equal(await countRows(database), 7);
});

test('a write started during a short foreign lock commits once the lock is given back', async (t) => {
  const { database, path } = await freshDatabase(t);
  const holder = await holdSqliteWriteLock(path, 200);
  t.after(() => holder.stop());
  await insertRow(database);
  await holder.released(1000);
  assert.equal(await countRows(database), 2);
  // The database is usable as before afterwards: further writes do not wait.
  const started = performance.now();
  await insertRow(database);
  assert.ok(performance.now() - started < 100);
  assert.equal(await countRows(database), 3);
});

test('an in-memory database reads what it wrote (one connection: a second would be another database)', async (t) => {
  const database = await openDatabase('sqlite::memory:', tmpdir());
  t.after(() => database.close());
  await database.write(async (tx) => {
    await sql`CREATE TABLE probe (n INTEGER NOT NULL)`.execute(tx);
    await sql`INSERT INTO probe (n) VALUES (1)`.execute(tx);
  });
  assert.equal(await countRows(database), 1);
});

test('the read connection refuses writes (query_only), so no write escapes the lock discipline', async (t) => {
  const { database } = await freshDatabase(t);
  await assert.rejects(sql`INSERT INTO probe (n) VALUES (3)`.execute(database.db), /readonly|query_only/i);
  assert.equal(await countRows(database), 1);
});
