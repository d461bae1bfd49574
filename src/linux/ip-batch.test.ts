import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitJsonArrays } from './ip-batch.js';

test('concatenated ip -j outputs are split per command, strings with brackets included', () => {
  assert.deepEqual(splitJsonArrays('[{"a":"]["}][]\n[{"b":[1,2]}]', 3), [[{ a: '][' }], [], [{ b: [1, 2] }]]);
  assert.deepEqual(splitJsonArrays('', 2), [[], []]);
});
