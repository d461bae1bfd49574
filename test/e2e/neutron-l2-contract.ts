import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type DriverDeps, plumbNetwork, prepareNetwork } from '../../src/agent/drivers/prepare-network.js';
import { DataPlaneHarness } from '../../src/agent/drivers/testing/data-plane-harness.js';
import type { AgentNetwork, AgentPort } from '../../src/agent/model.js';
import { dhcpNamespaceName, dhcpPortDeviceId } from '../../src/agent/naming.js';
import { removeNetworkDevices } from '../../src/agent/runtime/network-devices.js';
import { readLinks } from '../../src/linux/network-plumbing.js';
import { udhcpcOnce } from '../support/agent/dhcp-clients.js';
import { AgentTestbed } from '../support/agent/testbed.js';
import type { DriverFactory } from './driver-contract.js';

const AGENT_HOST = 'neutron-l2-agent.example.org';

/**
 * The driver with `l2_owner = neutron-linuxbridge` (issue 16), where the test plays Neutron's linuxbridge
 * agent: it owns the bridge (its own name, with the provider NIC in it, like a `bridge_mappings` bridge) and
 * plugs the DHCP tap into it only after the driver made the tap. The driver must make the namespace and the
 * `tap…`/`ns-…` veth, address and route the namespace, serve — and never create, wire or remove a bridge:
 *
 *   [host ns]  <prefix>lb (the test's) ── provider NIC ══ [switch ns] ── client
 *               └─ tap… (plugged by the test) ══ ns-… [<prefix>-qdhcp-<net>]  (made by the driver)
 */
export function runNeutronL2Contract(factory: DriverFactory, skip: string | undefined): void {
  describe(`${factory.name} driver under Neutron's linuxbridge agent (l2_owner = neutron-linuxbridge)`, {
    skip,
    concurrency: false,
  }, () => {
    let bed: AgentTestbed;
    let driver: DataPlaneHarness;
    let deps: DriverDeps;
    let l2Bridge: string;
    const networkId = randomUUID();
    const subnetId = randomUUID();
    const dhcpPort: AgentPort = {
      id: randomUUID(),
      mac_address: 'fa:16:3e:78:00:aa',
      fixed_ips: [{ subnet_id: subnetId, ip_address: '10.78.0.2' }],
      device_owner: 'network:dhcp',
      device_id: dhcpPortDeviceId(AGENT_HOST, networkId),
    };
    const vm: AgentPort = {
      id: randomUUID(),
      mac_address: 'fa:16:3e:78:00:01',
      fixed_ips: [{ subnet_id: subnetId, ip_address: '10.78.0.11' }],
      device_owner: 'compute:nova',
    };
    // A flat network on a physnet this agent has no mapping for: the L2 agent's business, not ours.
    const network: AgentNetwork = {
      id: networkId,
      admin_state_up: true,
      mtu: 1450,
      'provider:network_type': 'flat',
      'provider:physical_network': 'physnet1',
      subnets: [
        {
          id: subnetId,
          ip_version: 4,
          cidr: '10.78.0.0/24',
          gateway_ip: '10.78.0.1',
          enable_dhcp: true,
          dns_nameservers: [],
          host_routes: [],
        },
      ],
      ports: [dhcpPort, vm],
    };
    const tap = `tap${dhcpPort.id.slice(0, 11)}`;
    const namespace = () => dhcpNamespaceName(networkId, bed.namespacePrefix);
    const hostLink = async (name: string) => (await readLinks(bed.host.name)).get(name);
    /** Every bridge in the host namespace, with what is plugged into it. */
    const bridges = async () => {
      const links = [...(await readLinks(bed.host.name)).values()];
      return links
        .filter((link) => link.kind === 'bridge')
        .map((bridge) => ({
          name: bridge.name,
          ports: links
            .filter((link) => link.master === bridge.name)
            .map((link) => link.name)
            .sort(),
        }));
    };

    before(async () => {
      bed = await AgentTestbed.create('nl2');
      l2Bridge = bed.sandbox.device('lb');
      await bed.sandbox.addBridge(bed.host, l2Bridge);
      await bed.host.ip(['link', 'set', bed.providerNic, 'master', l2Bridge]);
      deps = bed.driverDeps(AGENT_HOST, {
        dhcp: { enableIsolatedMetadata: true },
        plumbing: { l2Owner: 'neutron-linuxbridge' },
      });
      driver = new DataPlaneHarness(factory.create(deps, bed), deps);
    });

    after(async () => {
      await driver?.stop();
      await bed?.teardown();
    });

    test('enable makes the namespace and an unplugged, up tap with the MTU; no bridge appears', async () => {
      await driver.enable(network);
      const made = await hostLink(tap);
      assert.ok(made, `${tap} exists in the host namespace`);
      assert.equal(made.master, undefined, 'the tap is left for the L2 agent to plug');
      assert.equal(made.up, true);
      assert.equal(made.mtu, 1450);
      assert.deepEqual(await bridges(), [{ name: l2Bridge, ports: [bed.providerNic] }]);
      const device = `ns-${dhcpPort.id.slice(0, 11)}`;
      const inside = await bed.host.exec('ip', ['-n', namespace(), '-br', 'addr', 'show', 'dev', device]);
      for (const address of ['10.78.0.2/24', '169.254.169.254/32'])
        assert.ok(inside.stdout.includes(address), `${address} in ${inside.stdout}`);
      const route = await bed.host.exec('ip', ['-n', namespace(), 'route', 'show', 'default']);
      assert.match(route.stdout, /default via 10\.78\.0\.1 dev ns-/);
    });

    test('once the L2 agent plugs the tap, a client behind the provider NIC gets its lease', async () => {
      await bed.host.ip(['link', 'set', tap, 'master', l2Bridge]);
      const client = await bed.addClient(vm.mac_address);
      const got = await udhcpcOnce(bed, client);
      assert.equal(got?.['ip'], '10.78.0.11');
      assert.equal(got?.['serverid'], '10.78.0.2');
      assert.equal(got?.['mtu'], '1450');
    });

    test('converging again issues nothing and leaves the tap where the L2 agent put it', async () => {
      const again = await plumbNetwork(prepareNetwork(network, deps));
      assert.deepEqual([...again.hostLines, ...again.namespaceLines], []);
      await driver.enable(network);
      assert.equal((await hostLink(tap))?.master, l2Bridge);
    });

    test('disable removes the namespace and the veth only; network deletion removes no device', async () => {
      await driver.disable(networkId, { retainPort: false });
      assert.deepEqual(await bed.leftoverNamespaces(), []);
      assert.equal(await hostLink(tap), undefined, 'the tap went with ns-…');
      await removeNetworkDevices(network, deps.plumbing);
      assert.deepEqual(await bridges(), [{ name: l2Bridge, ports: [bed.providerNic] }]);
      assert.equal((await hostLink(l2Bridge))?.up, true);
    });
  });
}
