import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AgentTestbed } from '../../../../test/support/agent/testbed.js';
import { type DigResult, digIn } from '../../../../test/support/dns/dig.js';
import { canUseNamespaces, type Namespace } from '../../../../test/support/netns.js';
import type { AgentNetwork, AgentPort } from '../../model.js';
import { bridgeName, dhcpPortDeviceId } from '../../naming.js';
import { BuiltinHarness } from '../testing/data-plane-harness.js';

/**
 * The builtin driver's DNS (served-dns.ts) through the driver interface, on real sockets in a real DHCP
 * namespace: a `local` network in the testbed's host namespace and one client namespace on its bridge that
 * asks with dig. Covers what the all-in-one e2e does not: a name the zone refuses, a changed DHCP port
 * address (DNS moves with it), the status counters.
 */
const skip = canUseNamespaces() ? undefined : 'needs root for network namespaces';
const HOST = 'dns-agent.example.org';
const SUBNET = 'cccccccc-0000-4000-8000-00000000000c';

function vm(index: number, ip: string, extra: Partial<AgentPort> = {}): AgentPort {
  return {
    id: `00000000-0000-4000-8000-00000000020${index}`,
    mac_address: `fa:16:3e:79:00:0${index}`,
    fixed_ips: [{ subnet_id: SUBNET, ip_address: ip }],
    device_owner: 'compute:nova',
    revision_number: 1,
    ...extra,
  };
}

describe('builtin driver DNS in the namespace', { skip, concurrency: false }, () => {
  let bed: AgentTestbed;
  let driver: BuiltinHarness;
  let client: Namespace;
  let server = '10.79.0.2';
  const networkId = randomUUID();
  const dhcpPort: AgentPort = {
    id: randomUUID(),
    mac_address: 'fa:16:3e:79:00:aa',
    fixed_ips: [{ subnet_id: SUBNET, ip_address: '10.79.0.2' }],
    device_owner: 'network:dhcp',
    device_id: dhcpPortDeviceId(HOST, networkId),
  };
  let network: AgentNetwork;

  function dig(name: string, type = 'A'): Promise<DigResult> {
    return digIn(client.name, server, [name, type]);
  }

  before(async () => {
    bed = await AgentTestbed.create('sdn');
    driver = new BuiltinHarness(bed.driverDeps(HOST));
    network = {
      id: networkId,
      admin_state_up: true,
      mtu: 1500,
      'provider:network_type': 'local',
      subnets: [
        {
          id: SUBNET,
          ip_version: 4,
          cidr: '10.79.0.0/24',
          gateway_ip: '10.79.0.1',
          enable_dhcp: true,
          dns_nameservers: [],
          host_routes: [],
        },
      ],
      ports: [dhcpPort, vm(1, '10.79.0.11'), vm(2, '10.79.0.12')],
    };
    await driver.enable(network);
    client = await bed.addClient('fa:16:3e:79:00:cc', { namespace: bed.host, bridge: bridgeName(networkId) });
    await client.ip(['addr', 'add', '10.79.0.250/24', 'dev', 'eth0']);
  });

  after(async () => {
    await driver?.stop();
    await bed?.teardown();
  });

  test('addn_hosts names are served; the DHCP port itself is not named', async () => {
    assert.equal(driver.capabilities.servesDns, true);
    assert.deepEqual((await dig('host-10-79-0-11.openstacklocal')).answers, ['10.79.0.11']);
    assert.deepEqual((await dig('host-10-79-0-12')).answers, ['10.79.0.12']);
    assert.equal((await dig('host-10-79-0-2.openstacklocal')).status, 'NXDOMAIN');
    assert.equal(driver.servedDns(networkId)?.hostCount, 2);
  });

  test('a name the zone refuses is logged and counted; the port update does not fail and others still resolve', async () => {
    const bad = vm(3, '10.79.0.13', {
      dns_assignment: [
        { ip_address: '10.79.0.13', hostname: 'x'.repeat(70), fqdn: `${'x'.repeat(70)}.openstacklocal.` },
      ],
    });
    await driver.update({ kind: 'port-upsert', networkId, port: bad });
    assert.equal(driver.status(networkId)?.counters['dns.zoneRejected'], 1);
    assert.deepEqual((await dig('-x', '10.79.0.13')).answers, [], 'no PTR for the refused name');
    assert.deepEqual((await dig('host-10-79-0-11.openstacklocal')).answers, ['10.79.0.11']);
    await driver.update({ kind: 'port-delete', networkId, portId: bad.id });
  });

  test('port events: new name at once, old name gone, deleted port gone', async () => {
    const renamed = vm(1, '10.79.0.11', {
      revision_number: 2,
      dns_assignment: [{ ip_address: '10.79.0.11', hostname: 'vm1', fqdn: 'vm1.openstacklocal.' }],
    });
    await driver.update({ kind: 'port-upsert', networkId, port: renamed });
    assert.deepEqual((await dig('vm1.openstacklocal')).answers, ['10.79.0.11']);
    assert.equal((await dig('host-10-79-0-11.openstacklocal')).status, 'NXDOMAIN');
    assert.deepEqual((await dig('-x', '10.79.0.11')).answers, ['vm1.openstacklocal.']);
    await driver.update({ kind: 'port-delete', networkId, portId: vm(2, '').id });
    assert.equal((await dig('host-10-79-0-12.openstacklocal')).status, 'NXDOMAIN');
  });

  test('the DHCP port moves to another address: DNS listens there, not on the old one', async () => {
    const moved: AgentPort = { ...dhcpPort, fixed_ips: [{ subnet_id: SUBNET, ip_address: '10.79.0.3' }] };
    await driver.update({ kind: 'port-upsert', networkId, port: moved });
    assert.equal((await dig('vm1.openstacklocal')).status, 'no answer', 'old address silent');
    server = '10.79.0.3';
    assert.deepEqual((await dig('vm1.openstacklocal')).answers, ['10.79.0.11']);
  });

  test('counters reach the driver status and survive the re-open on the new address', () => {
    const counters = driver.status(networkId)?.counters ?? {};
    assert.ok((counters['dns.query.A'] ?? 0) >= 1, JSON.stringify(counters));
    assert.ok((counters['dns.response.NXDOMAIN'] ?? 0) >= 1, JSON.stringify(counters));
    assert.ok((counters['dns.query.PTR'] ?? 0) >= 1, JSON.stringify(counters));
    assert.equal(counters['dns.zoneRejected'], 1);
  });
});
