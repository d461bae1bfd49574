import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { DhcpDriver } from '../../src/agent/drivers/driver.js';
import { type DriverDeps, plumbNetwork, prepareNetwork } from '../../src/agent/drivers/prepare-network.js';
import { DataPlaneHarness } from '../../src/agent/drivers/testing/data-plane-harness.js';
import {
  runDriverStateContract,
  type StateContractSubject,
} from '../../src/agent/drivers/testing/driver-state-contract.js';
import { PeerHarness } from '../../src/agent/drivers/testing/peer-harness.js';
import type { AgentNetwork, AgentPort, Subnet } from '../../src/agent/model.js';
import { dhcpNamespaceName, dhcpPortDeviceId } from '../../src/agent/naming.js';
import { namespacePids } from '../../src/linux/ip-batch.js';
import {
  type ClientResult,
  DHCLIENT_CONF,
  DHCLIENT_SCRIPT,
  parseEventLine,
  udhcpcArgs,
  udhcpcOnce,
  udhcpcScript,
} from '../support/agent/dhcp-clients.js';
import { AgentTestbed } from '../support/agent/testbed.js';
import { canUseNamespaces, type Namespace } from '../support/netns.js';
import { dhcpFramesSeen } from '../support/tcpdump-count.js';
import { runNeutronL2Contract } from './neutron-l2-contract.js';

/** How the suite makes the driver under test. */
export interface DriverFactory {
  readonly name: string;
  create(deps: DriverDeps, bed: AgentTestbed): DhcpDriver;
  /** A reason to skip (missing binary…), or undefined. */
  readonly skip?: string | undefined;
}

const AGENT_HOST = 'contract-agent.example.org';
const SUBNET_A = 'aaaaaaaa-0000-4000-8000-00000000000a';
const SUBNET_B = 'bbbbbbbb-0000-4000-8000-00000000000b';

function subnets(): Subnet[] {
  return [
    {
      id: SUBNET_A,
      ip_version: 4,
      cidr: '10.77.1.0/24',
      gateway_ip: '10.77.1.1',
      enable_dhcp: true,
      dns_nameservers: ['192.0.2.53', '192.0.2.54'],
      host_routes: [{ destination: '172.31.0.0/16', nexthop: '10.77.1.1' }],
    },
    {
      id: SUBNET_B,
      ip_version: 4,
      cidr: '10.77.2.0/24',
      gateway_ip: '10.77.2.1',
      enable_dhcp: true,
      dns_nameservers: [],
      host_routes: [],
    },
  ];
}

const MACS = ['fa:16:3e:77:00:01', 'fa:16:3e:77:00:02', 'fa:16:3e:77:00:03', 'fa:16:3e:77:00:04'] as const;

function vmPort(index: number, subnetId: string, ip: string, extra: Partial<AgentPort> = {}): AgentPort {
  return {
    id: `00000000-0000-4000-8000-00000000010${index}`,
    mac_address: MACS[index - 1] ?? 'fa:16:3e:77:00:ff',
    fixed_ips: [{ subnet_id: subnetId, ip_address: ip }],
    device_owner: 'compute:nova',
    revision_number: 1,
    ...extra,
  };
}

/**
 * The shared contract every DHCP driver passes (STYLE 7.2 #6), with real clients in private namespaces:
 * a flat network on physnet1 whose provider NIC leads to a "switch" namespace where the clients sit.
 */
export function runDriverContract(factory: DriverFactory): void {
  const skip = !canUseNamespaces() ? 'needs root for network namespaces' : factory.skip;
  // The state part of the contract (also run on the in-memory fake), here on the real data plane.
  runDriverStateContract(factory.name, () => stateSubject(factory), { skip });
  // Beside Neutron's linuxbridge agent, which owns bridges and plugs the DHCP tap (issue 16).
  runNeutronL2Contract(factory, skip);
  describe(`${factory.name} driver contract`, { skip, concurrency: false }, () => {
    let bed: AgentTestbed;
    let driver: DataPlaneHarness;
    let deps: DriverDeps;
    const networkId = randomUUID();
    const dhcpPort: AgentPort = {
      id: randomUUID(),
      mac_address: 'fa:16:3e:77:00:aa',
      fixed_ips: [
        { subnet_id: SUBNET_A, ip_address: '10.77.1.2' },
        { subnet_id: SUBNET_B, ip_address: '10.77.2.2' },
      ],
      device_owner: 'network:dhcp',
      device_id: dhcpPortDeviceId(AGENT_HOST, networkId),
    };
    const plain = vmPort(1, SUBNET_A, '10.77.1.11');
    const onB = vmPort(2, SUBNET_B, '10.77.2.12');
    const withOptions = vmPort(3, SUBNET_A, '10.77.1.13', {
      extra_dhcp_opts: [
        { opt_name: 'bootfile-name', opt_value: 'pxelinux.0', ip_version: 4 },
        { opt_name: 'tftp-server', opt_value: '192.0.2.10', ip_version: 4 },
        { opt_name: 'mtu', opt_value: '1400', ip_version: 4 },
      ],
    });
    let network: AgentNetwork;
    const clients: Namespace[] = [];

    before(async () => {
      bed = await AgentTestbed.create('drv');
      deps = bed.driverDeps(AGENT_HOST, {
        dhcp: { enableIsolatedMetadata: true, leaseSeconds: 3600 },
        plumbing: { physicalInterfaceMappings: new Map([['physnet1', bed.providerNic]]) },
      });
      network = {
        id: networkId,
        admin_state_up: true,
        mtu: 1450,
        'provider:network_type': 'flat',
        'provider:physical_network': 'physnet1',
        subnets: subnets(),
        ports: [dhcpPort, plain, onB, withOptions],
      };
      driver = new DataPlaneHarness(factory.create(deps, bed), deps);
      for (const mac of MACS) clients.push(await bed.addClient(mac));
    });

    after(async () => {
      await driver?.stop();
      await bed?.teardown();
    });

    const client = (index: number): Namespace => {
      const namespace = clients[index - 1];
      assert.ok(namespace, `client ${index}`);
      return namespace;
    };
    /** Client 4's namespace name while it only listens (its MAC is unknown until port 4 is added). */
    const bystander = (): string => client(4).name;

    test('enable: udhcpc gets address, mask, router, DNS, domain, host name, MTU, lease and classless routes', async () => {
      await driver.enable(network);
      const got = await udhcpcOnce(bed, client(1));
      assert.ok(got, 'client 1 got a lease');
      assertClientOneLease(got);
      assert.equal(got['serverid'], '10.77.1.2');
      assert.equal(
        got['staticroutes'],
        '10.77.2.0/24 0.0.0.0 172.31.0.0/16 10.77.1.1 169.254.169.254/32 10.77.1.2 0.0.0.0/0 10.77.1.1',
      );
      assert.equal(got['msstaticroutes'], got['staticroutes']);
      const status = driver.status(networkId);
      assert.equal(status?.state, 'serving');
      assert.equal(status?.namespace, dhcpNamespaceName(networkId, bed.namespacePrefix));
    });

    // RFC 2131 §4.1: a client without an address (no ciaddr, no broadcast flag) is answered at its MAC, as
    // dnsmasq does; broadcast, every OFFER and ACK reached every instance on the network (docs/dhcp-engine.md).
    test('a client without an address gets its OFFER and ACK unicast: a bystander on the link sees none (udhcpc)', async () => {
      let got: ClientResult | undefined;
      const seen = await dhcpFramesSeen(bystander(), 'eth0', async () => {
        got = await udhcpcOnce(bed, client(1));
      });
      assert.equal(got?.['ip'], '10.77.1.11');
      assert.ok(seen.requests > 0, 'the bystander hears the client on the link');
      assert.equal(seen.replies, 0, 'DHCP replies that reached the bystander');
    });

    test('the DHCP namespace holds exactly the port addresses, the metadata address and the default route', async () => {
      const namespace = dhcpNamespaceName(networkId, bed.namespacePrefix);
      const device = `ns-${dhcpPort.id.slice(0, 11)}`;
      const addresses = await bed.host.exec('ip', ['-n', namespace, '-br', 'addr', 'show', 'dev', device]);
      for (const address of ['10.77.1.2/24', '10.77.2.2/24', '169.254.169.254/32', 'fe80::a9fe:a9fe/64']) {
        assert.ok(addresses.stdout.includes(address), `${address} in ${addresses.stdout}`);
      }
      const link = await bed.host.exec('ip', ['-n', namespace, '-o', 'link', 'show', 'dev', device]);
      assert.match(link.stdout, /mtu 1450/);
      assert.match(link.stdout, /link\/ether fa:16:3e:77:00:aa/);
      const route = await bed.host.exec('ip', ['-n', namespace, 'route', 'show', 'default']);
      assert.match(route.stdout, /default via 10\.77\.1\.1 dev ns-/);
      const tap = await bed.host.ip(['-o', 'link', 'show', 'dev', `tap${dhcpPort.id.slice(0, 11)}`]);
      assert.match(tap.stdout, new RegExp(`master brq${networkId.slice(0, 11)}`));
      const nic = await bed.host.ip(['-o', 'link', 'show', 'dev', bed.providerNic]);
      assert.match(nic.stdout, new RegExp(`master brq${networkId.slice(0, 11)}`));
    });

    test('converging again changes nothing, and a stray address is removed', async () => {
      const again = await plumbNetwork(prepareNetwork(network, deps));
      assert.deepEqual([...again.hostLines, ...again.namespaceLines], []);
      const namespace = dhcpNamespaceName(networkId, bed.namespacePrefix);
      const device = `ns-${dhcpPort.id.slice(0, 11)}`;
      await bed.host.exec('ip', ['-n', namespace, 'addr', 'add', '10.77.1.99/24', 'dev', device]);
      await driver.enable(network);
      const addresses = await bed.host.exec('ip', ['-n', namespace, '-br', 'addr', 'show', 'dev', device]);
      assert.ok(!addresses.stdout.includes('10.77.1.99'), addresses.stdout);
    });

    test('second subnet: its client gets its own router, the DHCP port as DNS server (no dns_nameservers, spec §5.10), and on-link route to the first', async () => {
      const got = await udhcpcOnce(bed, client(2));
      assert.ok(got, 'client 2 got a lease');
      assert.equal(got['ip'], '10.77.2.12');
      assert.equal(got['router'], '10.77.2.1');
      assert.equal(got['dns'], '10.77.2.2');
      assert.equal(got['serverid'], '10.77.2.2');
      assert.equal(
        got['staticroutes'],
        '10.77.1.0/24 0.0.0.0 169.254.169.254/32 10.77.2.2 0.0.0.0/0 10.77.2.1',
      );
    });

    test('extra_dhcp_opts: bootfile-name, tftp-server and an MTU override reach the client', async () => {
      const got = await udhcpcOnce(bed, client(3));
      assert.ok(got, 'client 3 got a lease');
      assert.equal(got['ip'], '10.77.1.13');
      assert.equal(got['bootfile'], 'pxelinux.0');
      assert.equal(got['tftp'], '192.0.2.10');
      assert.equal(got['mtu'], '1400');
    });

    test('an unknown MAC gets nothing', async () => {
      assert.equal(await udhcpcOnce(bed, client(4)), undefined);
    });

    test('a new port is served; its IP change NAKs the old lease on renewal and the client gets the new one', async () => {
      const added = vmPort(4, SUBNET_A, '10.77.1.14');
      await driver.update({ kind: 'port-upsert', networkId, port: added });
      await driver.settled(networkId);
      const running = bed.sandbox.spawn(client(4), 'udhcpc-renew', 'udhcpc', udhcpcArgs(udhcpcScript(bed)));
      try {
        await running.waitForOutput(/event=bound\|ip=10\.77\.1\.14\|/, 10_000);
        const moved: AgentPort = {
          ...added,
          fixed_ips: [{ subnet_id: SUBNET_A, ip_address: '10.77.1.24' }],
          revision_number: 2,
        };
        await driver.update({ kind: 'port-upsert', networkId, port: moved });
        // A stale event (older revision) must not undo the change.
        await driver.update({ kind: 'port-upsert', networkId, port: added });
        await driver.settled(networkId);
        running.signal('SIGUSR1');
        await running.waitForOutput(/event=nak/, 10_000);
        await running.waitForOutput(/event=bound\|ip=10\.77\.1\.24\|/, 15_000);
      } finally {
        await running.stop();
      }
    });

    test('a deleted port gets no lease', async () => {
      await driver.update({ kind: 'port-delete', networkId, portId: vmPort(4, SUBNET_A, '').id });
      await driver.settled(networkId);
      assert.equal(await udhcpcOnce(bed, client(4)), undefined);
      const stillServed = await udhcpcOnce(bed, client(1));
      assert.equal(stillServed?.['ip'], '10.77.1.11');
    });

    test('dhclient gets the same answer as udhcpc, unicast (a bystander hears none of it)', async () => {
      const conf = bed.path('dhclient.conf');
      bed.script('dhclient.conf', DHCLIENT_CONF);
      const script = bed.script('dhclient-print.sh', DHCLIENT_SCRIPT);
      let running: ReturnType<typeof bed.sandbox.spawn> | undefined;
      let line = '';
      try {
        // Port 4 is deleted by now: client 4 is a bystander again, and must not hear client 1's replies.
        const seen = await dhcpFramesSeen(bystander(), 'eth0', async () => {
          running = bed.sandbox.spawn(client(1), 'dhclient', 'dhclient', [
            '-d',
            '-1',
            '-cf',
            conf,
            '-sf',
            script,
            '-lf',
            bed.path('dhclient.leases'),
            '-pf',
            bed.path('dhclient.pid'),
            'eth0',
          ]);
          line = (await running.waitForOutput(/reason=BOUND\|[^\n]*/, 20_000))[0];
        });
        assertClientOneLease(parseEventLine(line));
        assert.ok(seen.requests > 0, 'the bystander hears the client on the link');
        assert.equal(seen.replies, 0, 'DHCP replies that reached the bystander');
      } finally {
        await running?.stop();
      }
    });

    test('disable leaves nothing behind: no namespace, no process, and a second disable is harmless', async () => {
      const namespace = dhcpNamespaceName(networkId, bed.namespacePrefix);
      const pid = driver.status(networkId)?.pid;
      await driver.disable(networkId, { retainPort: false });
      await driver.disable(networkId, { retainPort: false });
      assert.equal(driver.status(networkId), undefined);
      assert.deepEqual(await bed.leftoverNamespaces(), []);
      assert.deepEqual(await namespacePids(namespace), []);
      if (pid !== undefined) assert.throws(() => process.kill(pid, 0), 'dnsmasq is gone');
      const tap = await bed.host.ip(['link', 'show', 'dev', `tap${dhcpPort.id.slice(0, 11)}`], {
        allowFailure: true,
      });
      assert.notEqual(tap.code, 0, 'the tap went with the namespace');
    });
  });
}

/** The real driver on a `local` network of its own testbed, for the state contract. */
async function stateSubject(factory: DriverFactory): Promise<StateContractSubject> {
  const bed = await AgentTestbed.create('drs');
  const deps = bed.driverDeps(AGENT_HOST);
  const networkId = randomUUID();
  const [subnet] = subnets();
  assert.ok(subnet);
  return {
    driver: factory.create(deps, bed),
    rules: PeerHarness.rulesOf(deps),
    network: {
      id: networkId,
      admin_state_up: true,
      mtu: 1500,
      'provider:network_type': 'local',
      subnets: [subnet],
      ports: [
        {
          id: randomUUID(),
          mac_address: 'fa:16:3e:77:01:aa',
          fixed_ips: [{ subnet_id: SUBNET_A, ip_address: '10.77.1.2' }],
          device_owner: 'network:dhcp',
          device_id: dhcpPortDeviceId(AGENT_HOST, networkId),
        },
        vmPort(1, SUBNET_A, '10.77.1.11'),
      ],
    },
    extraPort: vmPort(2, SUBNET_A, '10.77.1.12'),
    teardown: () => bed.teardown(),
  };
}

/** What client 1 must receive on the contract network, whichever DHCP client asked (udhcpc or dhclient). */
function assertClientOneLease(got: Readonly<Record<string, string | undefined>>): void {
  assert.equal(got['ip'], '10.77.1.11');
  assert.equal(got['subnet'], '255.255.255.0');
  assert.equal(got['router'], '10.77.1.1');
  assert.equal(got['dns'], '192.0.2.53 192.0.2.54');
  assert.equal(got['domain'], 'openstacklocal');
  assert.equal(got['hostname'], 'host-10-77-1-11');
  assert.equal(got['mtu'], '1450');
  assert.equal(got['lease'], '3600');
}
