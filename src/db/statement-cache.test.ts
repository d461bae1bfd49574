import assert from 'node:assert/strict';
import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import { withStatementCache } from './statement-cache.js';

test('statements are reused by SQL text, least recently used evicted first, and stay correct', () => {
  const connection = new SQLite(':memory:');
  const prepared: string[] = [];
  const original = connection.prepare.bind(connection);
  connection.prepare = ((sql: string) => {
    prepared.push(sql);
    return original(sql);
  }) as typeof connection.prepare;
  const cached = withStatementCache(connection, 2);
  cached.prepare('CREATE TABLE t (n INTEGER)').run([]);
  const insert = cached.prepare('INSERT INTO t VALUES (?)');
  insert.run([1]);
  assert.equal(cached.prepare('INSERT INTO t VALUES (?)'), insert, 'same text, same statement');
  cached.prepare('INSERT INTO t VALUES (?)').run([2]);
  const count = 'SELECT count(*) AS n FROM t';
  assert.deepEqual(cached.prepare(count).all([]), [{ n: 2 }]);
  // Capacity 2: the CREATE went first; INSERT and SELECT stay.
  cached.prepare('INSERT INTO t VALUES (?)');
  cached.prepare(count);
  assert.deepEqual(prepared, ['CREATE TABLE t (n INTEGER)', 'INSERT INTO t VALUES (?)', count]);
  // A third text evicts the least recently used (the INSERT), not the most recent (the SELECT).
  cached.prepare('SELECT 1 AS one');
  cached.prepare(count);
  cached.prepare('INSERT INTO t VALUES (?)').run([3]);
  assert.deepEqual(prepared.slice(3), ['SELECT 1 AS one', 'INSERT INTO t VALUES (?)']);
  // A schema change under a cached statement: SQLite recompiles it.
  cached.prepare('ALTER TABLE t ADD COLUMN m INTEGER').run([]);
  assert.deepEqual(cached.prepare(count).all([]), [{ n: 3 }]);
  cached.close();
  assert.equal(connection.open, false);
});
