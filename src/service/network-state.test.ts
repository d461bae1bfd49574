import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachAgentBackend } from '../api/testing/agents-harness.js';
import { networksRepository } from '../db/index.js';
import { readNetworkState } from './sync-service.js';

forEachAgentBackend('network state snapshot', (client) => {
  test('a network whose revision never stops moving is still read, consistently (under its lock)', async () => {
    const net = await client.request('POST', '/v2.0/networks', { network: { name: 'busy' } });
    const networkId = (net.body['network'] as { id: string }).id;
    const subnet = await client.request('POST', '/v2.0/subnets', {
      subnet: { network_id: networkId, cidr: '10.94.0.0/24', ip_version: 4 },
    });
    assert.equal(subnet.status, 201);
    for (let i = 0; i < 20; i++) {
      const port = await client.request('POST', '/v2.0/ports', { port: { network_id: networkId } });
      assert.equal(port.status, 201);
    }
    const { database, config } = client.plane();
    // A writer that bumps the revision between every two statements of a reader, as a flood of port
    // updates on a 10,000-port network does: optimistic reads alone never see the same revision twice.
    let stop = false;
    let bumps = 0;
    const writer = (async () => {
      while (!stop) {
        await database.write(async (tx) => {
          await networksRepository.lock(tx, networkId, database.kind === 'postgres');
          await networksRepository.bumpSyncRevision(tx, networkId);
        });
        bumps++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      for (let i = 0; i < 5; i++) {
        const state = await readNetworkState(database, config, networkId);
        assert.equal(state.ports.length, 20);
        assert.equal(state.subnets.length, 1);
        const now = await networksRepository.get(database.db, networkId);
        assert.ok(state.networkRevision <= now!.syncRevision);
      }
    } finally {
      stop = true;
      await writer;
    }
    assert.ok(bumps > 0, 'the writer ran');
  });
});
