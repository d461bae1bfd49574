import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convergeNetwork } from './converge.js';
import type { DhcpDriver, NetworkStatus } from './drivers/driver.js';
import type { Network } from './model.js';

/** A recording driver: the reconciler-facing behaviour only (the real drivers pass the e2e contract). */
function recordingDriver(): DhcpDriver & { calls: string[] } {
  const enabled = new Set<string>();
  const calls: string[] = [];
  return {
    name: 'recording',
    capabilities: { incrementalPortUpdates: true, processPerNetwork: false, servesDns: false },
    calls,
    async enable(network) {
      calls.push(`enable ${network.id}`);
      enabled.add(network.id);
    },
    async update() {},
    async disable(id, options) {
      calls.push(`disable ${id} retainPort=${options.retainPort}`);
      enabled.delete(id);
    },
    status(id): NetworkStatus | undefined {
      return enabled.has(id)
        ? {
            networkId: id,
            namespace: '',
            device: '',
            ports: 0,
            state: 'serving',
            detail: undefined,
            counters: {},
            pid: undefined,
          }
        : undefined;
    },
    enabledNetworks: () => [...enabled],
    async stop() {},
  };
}

const base: Network = {
  id: 'n1',
  admin_state_up: true,
  mtu: 1500,
  subnets: [
    {
      id: 's1',
      ip_version: 4,
      cidr: '10.0.0.0/24',
      gateway_ip: null,
      enable_dhcp: true,
      dns_nameservers: [],
      host_routes: [],
    },
  ],
  ports: [],
};

test('served when admin-up with a DHCP subnet; torn down when admin-down, DHCP off or gone; nothing for unknown', async () => {
  const driver = recordingDriver();
  const cases: ReadonlyArray<[Network | undefined, string]> = [
    [base, 'enabled'],
    [base, 'enabled'],
    [{ ...base, admin_state_up: false }, 'disabled'],
    [base, 'enabled'],
    [
      { ...base, subnets: [{ ...(base.subnets[0] as Network['subnets'][number]), enable_dhcp: false }] },
      'disabled',
    ],
    [undefined, 'absent'],
  ];
  for (const [network, outcome] of cases) assert.equal(await convergeNetwork(driver, 'n1', network), outcome);
  assert.deepEqual(driver.calls, [
    'enable n1',
    'enable n1',
    'disable n1 retainPort=false',
    'enable n1',
    'disable n1 retainPort=false',
  ]);
});
