import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LockTurns } from './lock-turns.js';

test('turns are given one at a time, first come first served', async () => {
  const turns = new LockTurns();
  const far = performance.now() + 10_000;
  const order: number[] = [];
  const first = await turns.take(far);
  assert.ok(first);
  const waiting = [1, 2, 3].map((n) =>
    turns.take(far).then((end) => {
      order.push(n);
      assert.ok(end);
      return end;
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(order, [], 'a turn was given while the first was held');
  first();
  first(); // ending twice must not give away a second turn
  const second = await waiting[0];
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(order, [1]);
  second?.();
  (await waiting[1])?.();
  (await waiting[2])?.();
  assert.deepEqual(order, [1, 2, 3]);
  const again = await turns.take(far);
  assert.ok(again, 'the turns were not free again after everybody finished');
});

test('a writer whose deadline passes leaves the queue; the next one still gets its turn', async () => {
  const turns = new LockTurns();
  const holder = await turns.take(performance.now() + 10_000);
  assert.ok(holder);
  const started = performance.now();
  const late = await turns.take(performance.now() + 30);
  assert.equal(late, undefined);
  assert.ok(performance.now() - started >= 25);
  const patient = turns.take(performance.now() + 10_000);
  holder?.();
  const next = await patient;
  assert.ok(next, 'the turn went to the writer that had given up');
});
