import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { readHostLinks } from '../../src/agent/drivers/prepare-network.js';
import { BuiltinHarness } from '../../src/agent/drivers/testing/data-plane-harness.js';
import type { AgentNetwork, AgentPort } from '../../src/agent/model.js';
import { dhcpPortDeviceId } from '../../src/agent/naming.js';
import { AgentTestbed } from '../support/agent/testbed.js';
import { canUseNamespaces } from '../support/netns.js';

/**
 * Scale measurement, off by default (minutes of namespace churn): QDHCP_AGENT_SCALE=N converges N local
 * networks × 20 ports with the builtin driver (8 at a time), then again as after an agent restart, and
 * prints the times and RSS. Everything lives under this test's host namespace and prefix.
 */
const count = Number(process.env['QDHCP_AGENT_SCALE'] ?? 0);
const skip = !canUseNamespaces()
  ? 'needs root'
  : count > 0
    ? undefined
    : 'set QDHCP_AGENT_SCALE=N to measure';
const HOST = 'scale-host';

function makeNetwork(index: number): AgentNetwork {
  const id = randomUUID();
  const subnet = randomUUID();
  const third = index % 250;
  const second = 100 + Math.floor(index / 250);
  const ports: AgentPort[] = [
    {
      id: randomUUID(),
      mac_address: `fa:16:3e:aa:${(index >> 8).toString(16).padStart(2, '0')}:${(index & 255).toString(16).padStart(2, '0')}`,
      fixed_ips: [{ subnet_id: subnet, ip_address: `10.${second}.${third}.2` }],
      device_owner: 'network:dhcp',
      device_id: dhcpPortDeviceId(HOST, id),
    },
  ];
  for (let p = 0; p < 20; p++) {
    ports.push({
      id: randomUUID(),
      mac_address: `fa:16:3e:bb:${(p + 16).toString(16)}:${(index & 255).toString(16).padStart(2, '0')}`,
      fixed_ips: [{ subnet_id: subnet, ip_address: `10.${second}.${third}.${10 + p}` }],
      device_owner: 'compute:nova',
    });
  }
  return {
    id,
    admin_state_up: true,
    mtu: 1500,
    'provider:network_type': 'local',
    subnets: [
      {
        id: subnet,
        ip_version: 4,
        cidr: `10.${second}.${third}.0/24`,
        gateway_ip: `10.${second}.${third}.1`,
        enable_dhcp: true,
        dns_nameservers: [],
        host_routes: [],
      },
    ],
    ports,
  };
}

async function inParallel<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const item = items[next++];
        if (item !== undefined) await work(item);
      }
    }),
  );
}

let bed: AgentTestbed;
before(async () => {
  if (skip === undefined) bed = await AgentTestbed.create('scl');
});
after(async () => {
  await bed?.teardown();
});

test(`converge ${count} networks × 20 ports (builtin)`, { skip, timeout: 1_800_000 }, async () => {
  const networks = Array.from({ length: count }, (_, i) => makeNetwork(i));
  const deps = bed.driverDeps(HOST);
  const rssBefore = process.memoryUsage().rss;
  let driver = new BuiltinHarness(deps);
  let started = performance.now();
  await inParallel(networks, 8, (network) => driver.enable(network));
  const freshMs = performance.now() - started;
  const rss = process.memoryUsage().rss;
  await driver.stop();
  driver = new BuiltinHarness(deps);
  started = performance.now();
  const hostLinks = await readHostLinks(deps.plumbing);
  await inParallel(networks, 8, (network) => driver.enable(network, { hostLinks }));
  const restartMs = performance.now() - started;
  process.stdout.write(
    `# ${count} networks × 20 ports: fresh converge ${(freshMs / 1000).toFixed(1)} s, converge after restart ${(restartMs / 1000).toFixed(1)} s, RSS ${(rss / 2 ** 20).toFixed(0)} MB (before ${(rssBefore / 2 ** 20).toFixed(0)} MB)\n`,
  );
  assert.equal(driver.enabledNetworks().length, count);
  await driver.stop();
});
