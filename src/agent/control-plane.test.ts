/**
 * The control-plane contract (testing/control-plane-contract.ts) against qdhcp's own server: the real
 * server (SQLite in a temporary directory, its API on 127.0.0.1) on an in-process bus, reached through
 * `busControlPlane`. The same suite runs against a real neutron-server in test/e2e/neutron-control-plane.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { TEST_CONFIG } from '../api/testing/test-harness.js';
import { createInProcessBus } from '../bus/in-process-bus.js';
import { defaultConfig } from '../common/config.js';
import { buildControlPlane, type ControlPlane as ServerPlane } from '../main/server.js';
import { type AgentControlPlane, busControlPlane } from './control-plane.js';
import { type ControlPlaneHarness, controlPlaneContract } from './testing/control-plane-contract.js';

describe('qdhcp server as the control plane', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'qdhcp-cp-contract-'));
  let server: ServerPlane | undefined;
  let harness: ControlPlaneHarness | undefined;
  let controlPlane: AgentControlPlane | undefined;

  before(async () => {
    const bus = createInProcessBus();
    server = await buildControlPlane(defaultConfig({ ...TEST_CONFIG, state_dir: stateDir }), { bus });
    const address = await server.api.listen({ host: '127.0.0.1', port: 0 });
    controlPlane = busControlPlane(bus);
    harness = {
      host: 'contract-host',
      apiUrl: address,
      networkBody: {
        name: 'contract',
        'provider:network_type': 'flat',
        'provider:physical_network': 'physnet1',
      },
      controlPlane,
    };
  });

  after(async () => {
    await controlPlane?.close();
    await server?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  controlPlaneContract('qdhcp server', () => {
    if (harness === undefined) throw new Error('harness not built');
    return harness;
  });
});
