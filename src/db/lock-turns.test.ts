import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LockTurns } from './lock-turns.js';

test('turns are given one at a time, first come first served', async () => {
  const turns = new LockTurns();
  const order: number[] = [];
  const first = await turns.take();
  assert.ok(first);
  const waiting = [1, 2, 3].map((n) =>
    turns.take().then((end) => {
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
  const again = await turns.take();
  assert.ok(again, 'the turns were not free again after everybody finished');
});

test('refusing the waiting writers rejects each with its own error; the held turn stays held', async () => {
  const turns = new LockTurns();
  const holder = await turns.take();
  const waiting = [turns.take(), turns.take()];
  let made = 0;
  turns.refuseWaiting(() => new Error(`locked ${++made}`));
  const results = await Promise.allSettled(waiting);
  assert.deepEqual(
    results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'granted')),
    ['locked 1', 'locked 2'],
  );
  let granted = false;
  const next = turns.take().then((end) => {
    granted = true;
    return end;
  });
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(granted, false, 'a turn was given while the holder still held it');
  holder();
  (await next)();
  assert.ok(granted);
});
