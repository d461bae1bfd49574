import assert from 'node:assert/strict';
import { test } from 'node:test';
import { probeBridge } from './probe.js';

const ID = '4b7dfef7-36f4-4346-82b8-f3c10e9b0149';

test('a probe goes on the bridge the agent uses: the mapped bridge of a flat physnet, else brq…', () => {
  const mappings = new Map([['flat', 'br100']]);
  const flat = { id: ID, mtu: 1500, 'provider:network_type': 'flat', 'provider:physical_network': 'flat' };
  assert.equal(probeBridge(flat, mappings), 'br100');
  assert.equal(probeBridge(flat), 'brq4b7dfef7-36', 'without the mappings: brq…');
  assert.equal(probeBridge({ ...flat, 'provider:physical_network': 'other' }, mappings), 'brq4b7dfef7-36');
  assert.equal(probeBridge({ ...flat, 'provider:network_type': 'vxlan' }, mappings), 'brq4b7dfef7-36');
  assert.equal(probeBridge({ id: ID, mtu: 1500 }, mappings), 'brq4b7dfef7-36', 'no provider attributes');
});
