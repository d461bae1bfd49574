/**
 * `bridge_mappings` (issue 13, seed 002's `br100`): a flat network lives on an operator's existing bridge.
 * Inside the test's host namespace a bridge of the test's prefix stands in for `br100`, carrying the
 * provider NIC (the operator's own port, towards instances on other hosts) and one more operator device.
 * The agent's DHCP tap goes on it, a client across the provider NIC leases through it, and neither
 * disabling the network, deleting it nor `netns-cleanup --all` removes the bridge or its other ports.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { cleanupNamespaces } from '../../src/agent/cleanup.js';
import { BuiltinHarness } from '../../src/agent/drivers/testing/data-plane-harness.js';
import type { AgentNetwork } from '../../src/agent/model.js';
import { bridgeName, dhcpPortDeviceId, tapName } from '../../src/agent/naming.js';
import type { PlumbingSettings } from '../../src/agent/plumbing-settings.js';
import { removeNetworkDevices } from '../../src/agent/runtime/network-devices.js';
import { isQdhcpError } from '../../src/common/errors.js';
import { readLinks } from '../../src/linux/network-plumbing.js';
import { udhcpcOnce } from '../support/agent/dhcp-clients.js';
import { AgentTestbed } from '../support/agent/testbed.js';
import { canUseNamespaces } from '../support/netns.js';

const HOST = 'bridge-mappings-host';
const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';

function flatNetwork(physnet: string, clientMac: string): AgentNetwork {
  const id = randomUUID();
  const subnet = randomUUID();
  return {
    id,
    admin_state_up: true,
    mtu: 1500,
    'provider:network_type': 'flat',
    'provider:physical_network': physnet,
    subnets: [
      {
        id: subnet,
        ip_version: 4,
        cidr: '10.0.0.0/24',
        gateway_ip: '10.0.0.1',
        enable_dhcp: true,
        dns_nameservers: [],
        host_routes: [],
      },
    ],
    ports: [
      {
        id: randomUUID(),
        mac_address: 'fa:16:3e:10:00:02',
        fixed_ips: [{ subnet_id: subnet, ip_address: '10.0.0.2' }],
        device_owner: 'network:dhcp',
        device_id: dhcpPortDeviceId(HOST, id),
      },
      {
        id: randomUUID(),
        mac_address: clientMac,
        fixed_ips: [{ subnet_id: subnet, ip_address: '10.0.0.3' }],
        device_owner: 'compute:nova',
      },
    ],
  };
}

describe('bridge_mappings: a flat network on an existing bridge', { skip, concurrency: false }, () => {
  let bed: AgentTestbed;
  let driver: BuiltinHarness;
  let plumbing: PlumbingSettings;
  /** The operator's bridge (br100 in seed 002), and another port of theirs on it. */
  let operatorBridge: string;
  let operatorPort: string;

  before(async () => {
    bed = await AgentTestbed.create('brm');
    operatorBridge = bed.sandbox.device('br100');
    operatorPort = bed.sandbox.device('op0');
    await bed.sandbox.addBridge(bed.host, operatorBridge);
    await bed.host.ip(['link', 'set', bed.providerNic, 'master', operatorBridge]);
    await bed.host.ip(['link', 'add', operatorPort, 'type', 'veth', 'peer', 'name', `${operatorPort}p`]);
    await bed.host.ip(['link', 'set', operatorPort, 'master', operatorBridge]);
    const deps = bed.driverDeps(HOST, {
      plumbing: { bridgeMappings: new Map([['public', operatorBridge]]) },
    });
    plumbing = deps.plumbing;
    driver = new BuiltinHarness(deps);
  });
  after(async () => {
    await driver?.stop();
    await bed?.teardown();
  });

  /** The operator's devices are as the operator left them: the bridge, up, with both of its ports. */
  async function assertOperatorDevicesIntact(): Promise<void> {
    const links = await readLinks(bed.host.name);
    assert.equal(links.get(operatorBridge)?.kind, 'bridge', 'the operator bridge is still there');
    assert.equal(links.get(operatorBridge)?.up, true);
    assert.equal(links.get(bed.providerNic)?.master, operatorBridge, 'the provider NIC is still on it');
    assert.equal(links.get(operatorPort)?.master, operatorBridge, 'the other operator port is still on it');
  }

  test('the DHCP tap goes on the mapped bridge, no brq… is made, and a client across it leases', async () => {
    const mac = 'fa:16:3e:10:00:03';
    const network = flatNetwork('public', mac);
    await driver.enable(network);
    const dhcpPortId = network.ports[0]?.id ?? '';
    const links = await readLinks(bed.host.name);
    assert.equal(links.get(tapName(dhcpPortId))?.master, operatorBridge);
    assert.equal(links.has(bridgeName(network.id)), false, 'no brq… bridge for a mapped physnet');
    const client = await bed.addClient(mac);
    const lease = await udhcpcOnce(bed, client);
    assert.equal(lease?.['ip'], '10.0.0.3');
    assert.equal(lease?.['router'], '10.0.0.1');

    await driver.disable(network.id, { retainPort: false });
    const after = await readLinks(bed.host.name);
    assert.equal(after.has(tapName(dhcpPortId)), false, 'the DHCP tap went with its namespace');
    await assertOperatorDevicesIntact();
    // The network deleted: nothing of the bridge is ours to delete (Neutron keeps it too).
    await removeNetworkDevices(network, plumbing);
    await assertOperatorDevicesIntact();
  });

  test('netns-cleanup --all and the agent stop leave the operator bridge and its ports', async () => {
    const network = flatNetwork('public', 'fa:16:3e:10:00:04');
    await driver.enable(network);
    const result = await cleanupNamespaces({
      namespacePrefix: bed.namespacePrefix,
      hostNamespace: bed.host.name,
      all: true,
      dryRun: false,
      stateDirectory: undefined,
      mappedBridges: new Set(plumbing.bridgeMappings.values()),
    });
    assert.deepEqual(result.errors, []);
    assert.ok(
      result.lines.some((line) => line.startsWith('delete namespace')),
      `the DHCP namespace goes: ${result.lines.join('; ')}`,
    );
    assert.ok(!result.lines.some((line) => line.includes(operatorBridge)), result.lines.join('; '));
    await assertOperatorDevicesIntact();
    await driver.stop();
    await assertOperatorDevicesIntact();
  });

  test('a mapped bridge that does not exist is a typed error, never created', async () => {
    const missing = bed.sandbox.device('nobr');
    const lonely = new BuiltinHarness(
      bed.driverDeps(HOST, { plumbing: { bridgeMappings: new Map([['public', missing]]) } }),
    );
    try {
      await assert.rejects(
        lonely.enable(flatNetwork('public', 'fa:16:3e:10:00:05')),
        (error: unknown) => isQdhcpError(error, 'PLUMBING_FAILED') && error.message.includes(missing),
      );
      assert.equal((await readLinks(bed.host.name)).has(missing), false);
    } finally {
      await lonely.stop();
    }
  });
});
