import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { createLogger } from '../../common/logger.js';
import type { DhcpDriver, NetworkStatus } from '../drivers/driver.js';
import { PeerHarness } from '../drivers/testing/peer-harness.js';
import type { AgentNetwork, AgentPort } from '../model.js';
import { NetworkPeers } from '../reconciler/network-peers.js';
import { DEFAULT_DHCP_SETTINGS, type DhcpSettings } from '../settings.js';
import { testNetwork } from '../testing/model-fixtures.js';
import type { MetadataBackend } from './backends.js';
import { MetadataProxyPeer } from './metadata-peer.js';
import { MetadataProxy } from './proxy-server.js';

/**
 * When the proxy listens (spec §6.1, the same rule as the DHCP route): isolated subnet with
 * enable_isolated_metadata, not when a router interface holds the gateway, always with force_metadata,
 * and the listener closed before the driver tears the namespace down. The driver is a recording stub and
 * the listener a loopback one: what is checked is the decision and its order.
 */
const logger = createLogger({ level: 'silent' });
const NET = 'c0c0c0c0-0000-4000-8000-000000000001';
const SUBNET = 'c0c0c0c0-0000-4000-8000-000000000002';
const DEVICE = `dhcp-agent-${NET}`;
const dhcpPort: AgentPort = {
  id: 'p-dhcp',
  mac_address: 'fa:16:3e:00:00:02',
  device_owner: 'network:dhcp',
  device_id: DEVICE,
  fixed_ips: [{ subnet_id: SUBNET, ip_address: '10.0.0.2' }],
};
const router: AgentPort = {
  id: 'p-router',
  mac_address: 'fa:16:3e:00:00:01',
  device_owner: 'network:router_interface',
  device_id: 'r1',
  fixed_ips: [{ subnet_id: SUBNET, ip_address: '10.0.0.1' }],
  revision_number: 1,
};
const network: AgentNetwork = testNetwork({ network: NET, subnet: SUBNET }, '10.0.0.0/24', [dhcpPort]);

function setup(settings: Partial<DhcpSettings>) {
  const events: string[] = [];
  const enabled = new Set<string>();
  const inner: DhcpDriver = {
    name: 'stub',
    capabilities: { incrementalPortUpdates: true, processPerNetwork: false, servesDns: false },
    async apply(state, delta) {
      if (!delta.full) return;
      enabled.add(state.id);
      events.push('enable');
    },
    async remove(id) {
      events.push(`disable (proxy open: ${proxy.isOpen(id)})`);
      enabled.delete(id);
    },
    status(id): NetworkStatus | undefined {
      if (!enabled.has(id)) return undefined;
      const counters = { 'received.discover': 3 };
      return {
        networkId: id,
        namespace: `qdhcp-${id}`,
        device: 'ns-x',
        ports: 1,
        state: 'serving',
        detail: undefined,
        counters,
        pid: undefined,
      };
    },
    enabledNetworks: () => [...enabled],
    async stop() {
      events.push('stop');
    },
  };
  const backend: MetadataBackend = {
    name: 'builtin',
    methods: new Set(['GET']),
    answer: async () => ({ status: 404, contentType: 'text/plain', body: '' }),
  };
  const proxy = new MetadataProxy({
    backend,
    logger,
    listen: async (_namespace, onConnection) => {
      const server = net.createServer(onConnection);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    },
  });
  const peers = new NetworkPeers(inner, [new MetadataProxyPeer(proxy, { namespacePrefix: '', logger })]);
  const driver = new PeerHarness(peers, {
    dhcp: { ...DEFAULT_DHCP_SETTINGS, ...settings },
    dhcpDeviceId: () => DEVICE,
  });
  return { driver, proxy, events };
}

describe('MetadataProxyPeer', () => {
  test('listens on an isolated network; a router on the gateway closes it, its removal opens it again', async () => {
    const { driver, proxy } = setup({ enableIsolatedMetadata: true });
    await driver.enable(network);
    assert.equal(proxy.isOpen(NET), true);
    await driver.update({ kind: 'port-upsert', networkId: NET, port: router });
    assert.equal(proxy.isOpen(NET), false, 'routed subnet: the router answers metadata');
    await driver.update({ kind: 'port-upsert', networkId: NET, port: { ...router, revision_number: 0 } });
    assert.equal(proxy.isOpen(NET), false, 'a stale event changes nothing');
    await driver.update({ kind: 'port-delete', networkId: NET, portId: router.id });
    assert.equal(proxy.isOpen(NET), true);
    await driver.stop();
  });

  test('force_metadata listens on a routed network; no option, no proxy', async () => {
    const routed = { ...network, ports: [dhcpPort, router] };
    const forced = setup({ forceMetadata: true });
    await forced.driver.enable(routed);
    assert.equal(forced.proxy.isOpen(NET), true);
    await forced.driver.stop();
    const off = setup({ enableIsolatedMetadata: false });
    await off.driver.enable(network);
    assert.equal(off.proxy.isOpen(NET), false);
    await off.driver.stop();
  });

  test('no DHCP port address on the subnet → no route, no proxy', async () => {
    const { driver, proxy } = setup({ enableIsolatedMetadata: true });
    await driver.enable({ ...network, ports: [{ ...dhcpPort, fixed_ips: [] }] });
    assert.equal(proxy.isOpen(NET), false);
    await driver.stop();
  });

  test('disable closes the listener before the driver removes the namespace; counters are merged', async () => {
    const { driver, proxy, events } = setup({ enableIsolatedMetadata: true });
    await driver.enable(network);
    assert.deepEqual(driver.peer.status(NET)?.counters, { 'received.discover': 3 });
    await driver.disable(NET, { retainPort: false });
    assert.deepEqual(events, ['enable', 'disable (proxy open: false)']);
    assert.equal(proxy.isOpen(NET), false);
    await driver.stop();
  });
});
