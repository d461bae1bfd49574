import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeAction, planCleanup, qdhcpNetworkId } from './cleanup-plan.js';

const NET_A = '4b7dfef7-36f4-4346-82b8-f3c10e9b0149';
const NET_B = '2a58e67d-0000-4000-8000-000000000000';

test('only namespaces under the prefix are ours', () => {
  assert.equal(qdhcpNetworkId(`qdhcp-${NET_A}`, ''), NET_A);
  assert.equal(qdhcpNetworkId(`t1-qdhcp-${NET_A}`, 't1-'), NET_A);
  assert.equal(qdhcpNetworkId(`t1-qdhcp-${NET_A}`, ''), undefined);
  assert.equal(qdhcpNetworkId(`qrouter-${NET_A}`, ''), undefined);
  assert.equal(qdhcpNetworkId('qdhcp-not-a-uuid', ''), undefined);
  assert.equal(qdhcpNetworkId(`a.b-qdhcp-${NET_A}`, 'a.b-'), NET_A);
  assert.equal(qdhcpNetworkId(`axb-qdhcp-${NET_A}`, 'a.b-'), undefined);
});

test('stale (only lo) vs all; processes are killed first; host devices only with all, never physical NICs', () => {
  const namespaces = [
    { name: `qdhcp-${NET_A}`, devices: ['lo'], pids: [] },
    { name: `qdhcp-${NET_B}`, devices: ['lo', 'ns-12345678-9a'], pids: [4242] },
    { name: 'other', devices: ['lo'], pids: [1] },
  ];
  const host = [
    { name: 'eth1', kind: undefined, master: 'brq4b7dfef7-36' },
    { name: 'eth1.42', kind: 'vlan', master: 'brq4b7dfef7-36' },
    { name: 'vxlan-77', kind: 'vxlan', master: 'brq2a58e67d-00' },
    { name: 'brq4b7dfef7-36', kind: 'bridge', master: undefined },
    { name: 'docker0', kind: 'bridge', master: undefined },
  ];
  assert.deepEqual(planCleanup(namespaces, host, { namespacePrefix: '', all: false }).map(describeAction), [
    `delete namespace qdhcp-${NET_A}`,
  ]);
  assert.deepEqual(planCleanup(namespaces, host, { namespacePrefix: '', all: true }).map(describeAction), [
    `delete namespace qdhcp-${NET_A}`,
    `kill process 4242 in namespace qdhcp-${NET_B}`,
    `delete namespace qdhcp-${NET_B}`,
    'delete vlan eth1.42',
    'delete vxlan vxlan-77',
    'delete bridge brq4b7dfef7-36',
  ]);
});
