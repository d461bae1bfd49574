import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../../test/support/seeded-random.js';
import { PersistentMap } from './persistent-map.js';

test('PersistentMap agrees with a Map over random sets and deletes, and old versions never change', () => {
  const random = seededRandom(11);
  let map = PersistentMap.empty<number>();
  const model = new Map<string, number>();
  const versions: Array<{ map: PersistentMap<number>; model: Map<string, number> }> = [];
  for (let step = 0; step < 4000; step++) {
    const key = `k${Math.floor(random() * 600)}`;
    if (random() < 0.3) {
      map = map.delete(key);
      model.delete(key);
    } else {
      map = map.set(key, step);
      model.set(key, step);
    }
    if (step % 500 === 0) versions.push({ map, model: new Map(model) });
  }
  assert.equal(map.size, model.size);
  for (const [key, value] of model) assert.equal(map.get(key), value);
  assert.deepEqual(map.values(), [...model.values()], 'insertion order, as a Map');
  for (const version of versions) {
    assert.equal(version.map.size, version.model.size);
    for (const [key, value] of version.model) assert.equal(version.map.get(key), value);
  }
});

test('PersistentMap.from builds the same map as repeated sets (last duplicate wins)', () => {
  const entries = Array.from({ length: 1000 }, (_, i) => [`port-${i % 900}`, i] as const);
  const built = PersistentMap.from(entries);
  assert.equal(built.size, 900);
  assert.equal(built.get('port-5'), 905);
  assert.equal(built.get('port-899'), 899);
  assert.equal(built.delete('absent'), built);
  assert.equal(PersistentMap.from([]).size, 0);
});
