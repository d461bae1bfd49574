import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoalescedRewrite } from './coalesced-rewrite.js';

/** A rewrite that records the value it saw and takes `ms` (a stand-in for writing files). */
function recorder(ms: number) {
  const state = { value: 0, seen: [] as number[], errors: [] as unknown[] };
  const rewrite = new CoalescedRewrite(
    async () => {
      const value = state.value;
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (value < 0) throw new Error('bad');
      state.seen.push(value);
    },
    (error) => state.errors.push(error),
  );
  return { state, rewrite };
}

test('a burst in one turn of the event loop costs one rewrite, which sees the last change', async () => {
  const { state, rewrite } = recorder(5);
  for (let i = 1; i <= 500; i++) {
    state.value = i;
    rewrite.request();
  }
  await rewrite.settled();
  assert.deepEqual(state.seen, [500]);
});

test('changes made while a rewrite runs cause exactly one more, with the latest model', async () => {
  const { state, rewrite } = recorder(30);
  state.value = 1;
  rewrite.request();
  await new Promise((resolve) => setTimeout(resolve, 10)); // the first rewrite is running now
  for (let i = 2; i <= 50; i++) {
    state.value = i;
    rewrite.request();
    await Promise.resolve();
  }
  await rewrite.settled();
  assert.deepEqual(state.seen, [1, 50]);
});

test('a lone change is written at once; a failure is reported and the next request runs again', async () => {
  const { state, rewrite } = recorder(1);
  state.value = -1;
  rewrite.request();
  await rewrite.settled();
  assert.equal(state.errors.length, 1);
  state.value = 7;
  rewrite.request();
  await rewrite.settled();
  assert.deepEqual(state.seen, [7]);
});

test('cancel: a pending rewrite does not run, later requests are ignored', async () => {
  const { state, rewrite } = recorder(1);
  state.value = 3;
  rewrite.request();
  await rewrite.cancel();
  rewrite.request();
  await rewrite.settled();
  assert.deepEqual(state.seen, []);
});
