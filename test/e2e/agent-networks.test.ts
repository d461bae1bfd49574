import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { DriverDeps } from '../../src/agent/drivers/prepare-network.js';
import { BuiltinHarness } from '../../src/agent/drivers/testing/data-plane-harness.js';
import type { AgentNetwork, AgentPort } from '../../src/agent/model.js';
import { bridgeName, dhcpPortDeviceId } from '../../src/agent/naming.js';
import type { PlumbingSettings } from '../../src/agent/plumbing-settings.js';
import { ensureBridge } from '../../src/linux/network-plumbing.js';
import { runCommand } from '../../src/linux/run-command.js';
import { udhcpcOnce } from '../support/agent/dhcp-clients.js';
import { AgentTestbed } from '../support/agent/testbed.js';
import { canUseNamespaces } from '../support/netns.js';

const HOST = 'networks-agent';
const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';

function simpleNetwork(
  type: AgentNetwork['provider:network_type'],
  extra: Partial<AgentNetwork>,
  clientMac: string,
): AgentNetwork {
  const id = randomUUID();
  const subnet = randomUUID();
  const dhcpPort: AgentPort = {
    id: randomUUID(),
    mac_address: 'fa:16:3e:78:00:aa',
    fixed_ips: [{ subnet_id: subnet, ip_address: '10.78.0.2' }],
    device_owner: 'network:dhcp',
    device_id: dhcpPortDeviceId(HOST, id),
  };
  return {
    id,
    admin_state_up: true,
    mtu: 1450,
    'provider:network_type': type,
    subnets: [
      {
        id: subnet,
        ip_version: 4,
        cidr: '10.78.0.0/24',
        gateway_ip: '10.78.0.1',
        enable_dhcp: true,
        dns_nameservers: ['192.0.2.53'],
        host_routes: [],
      },
    ],
    ports: [
      dhcpPort,
      {
        id: randomUUID(),
        mac_address: clientMac,
        fixed_ips: [{ subnet_id: subnet, ip_address: '10.78.0.20' }],
        device_owner: 'compute:nova',
      },
    ],
    ...extra,
  };
}

function depsFor(bed: AgentTestbed, plumbing: Partial<PlumbingSettings>): DriverDeps {
  return bed.driverDeps(HOST, { plumbing });
}

describe('network types on the builtin driver', { skip, concurrency: false }, () => {
  let bed: AgentTestbed;
  const drivers: BuiltinHarness[] = [];
  before(async () => {
    bed = await AgentTestbed.create('net');
  });
  after(async () => {
    for (const driver of drivers) await driver.stop();
    await bed?.teardown();
  });

  test('local: instances plugged into brq… on this host get their lease', async () => {
    const mac = 'fa:16:3e:78:00:01';
    const network = simpleNetwork('local', {}, mac);
    const driver = new BuiltinHarness(depsFor(bed, {}));
    drivers.push(driver);
    await driver.enable(network);
    const client = await bed.addClient(mac, { namespace: bed.host, bridge: bridgeName(network.id) });
    const got = await udhcpcOnce(bed, client);
    assert.equal(got?.['ip'], '10.78.0.20');
    assert.equal(got?.['hostname'], 'host-10-78-0-20');
    await driver.disable(network.id, { retainPort: false });
  });

  test('vxlan: a client on another host, across a VXLAN over a veth underlay, gets its lease', async () => {
    const mac = 'fa:16:3e:78:00:02';
    const network = simpleNetwork('vxlan', { 'provider:segmentation_id': 4242 }, mac);
    const hostB = await bed.sandbox.addNamespace('hostb');
    await bed.sandbox.addVeth(bed.host, bed.sandbox.device('u0'), hostB, bed.sandbox.device('u1'), {
      localAddresses: ['10.77.255.1/24'],
      peerAddresses: ['10.77.255.2/24'],
    });
    const driver = new BuiltinHarness(
      depsFor(bed, { localIp: '10.77.255.1', vxlanRemotes: ['10.77.255.2'] }),
    );
    drivers.push(driver);
    await driver.enable(network);
    // Host B is wired by the same plumbing code, as its agent would do it.
    const remote = {
      kind: 'vxlan' as const,
      device: 'vxlan-4242',
      vni: 4242,
      localIp: '10.77.255.2',
      remotes: ['10.77.255.1'],
      group: undefined,
      underlayDevice: undefined,
      dstPort: 4789,
    };
    await ensureBridge(hostB.name, { bridge: bridgeName(network.id), uplink: remote });
    const client = await bed.addClient(mac, { namespace: hostB, bridge: bridgeName(network.id) });
    const got = await udhcpcOnce(bed, client);
    assert.equal(got?.['ip'], '10.78.0.20');
    assert.equal(got?.['mtu'], '1450');
    const fdb = await runCommand('bridge', ['-n', bed.host.name, 'fdb', 'show', 'dev', 'vxlan-4242']);
    assert.match(fdb.stdout, /00:00:00:00:00:00 dst 10\.77\.255\.2/);
    await driver.disable(network.id, { retainPort: false });
  });

  test('vlan: sub-interface on the provider NIC (skipped when the kernel has no 802.1Q support)', async (t) => {
    const probe = await bed.host.ip(
      ['link', 'add', 'link', bed.providerNic, 'name', 'vlanprobe', 'type', 'vlan', 'id', '7'],
      {
        allowFailure: true,
      },
    );
    if (probe.code !== 0) {
      t.skip(`this kernel cannot create VLAN devices (${probe.stderr.trim()}); the commands are unit-tested`);
      return;
    }
    await bed.host.ip(['link', 'del', 'vlanprobe']);
    const mac = 'fa:16:3e:78:00:03';
    const network = simpleNetwork(
      'vlan',
      { 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 7 },
      mac,
    );
    const driver = new BuiltinHarness(
      depsFor(bed, { physicalInterfaceMappings: new Map([['physnet1', bed.providerNic]]) }),
    );
    drivers.push(driver);
    await driver.enable(network);
    const link = await bed.host.ip(['-o', 'link', 'show', 'dev', `${bed.providerNic}.7`]);
    assert.match(link.stdout, new RegExp(`master ${bridgeName(network.id)}`));
    await driver.disable(network.id, { retainPort: false });
  });
});
