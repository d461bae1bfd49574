import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AgentNetwork, AgentPort } from '../model.js';
import { DEFAULT_DHCP_SETTINGS } from '../settings.js';
import { testNetwork, testPort } from '../testing/model-fixtures.js';
import { NetworkState, type StateRules } from './network-state.js';

const NET = '5a5a0000-0000-4000-8000-000000000001';
const SUBNET = '5a5a0000-0000-4000-8000-000000000002';
const DEVICE = 'dhcp-device-of-this-agent';
const rules: StateRules = {
  dhcpDeviceId: () => DEVICE,
  dhcp: { ...DEFAULT_DHCP_SETTINGS, enableIsolatedMetadata: true },
};

function port(id: string, ip: string, extra: Partial<AgentPort> = {}): AgentPort {
  return testPort(SUBNET, id, ip, { mac_address: 'fa:16:3e:00:00:01', ...extra });
}

const dhcpPort = port('dhcp', '10.0.0.2', { device_owner: 'network:dhcp', device_id: DEVICE });
const router = port('router', '10.0.0.1', { device_owner: 'network:router_interface' });
const network: AgentNetwork = testNetwork({ network: NET, subnet: SUBNET }, '10.0.0.0/24', [
  dhcpPort,
  port('vm1', '10.0.0.11'),
]);

describe('NetworkState', () => {
  test('a snapshot finds our DHCP port and whether the metadata route is advertised', () => {
    const state = NetworkState.of(network, 7, rules);
    assert.equal(state.dhcpPort, dhcpPort);
    assert.equal(state.advertisesMetadata, true, 'isolated subnet with enable_isolated_metadata');
    assert.equal(state.revision, 7);
    assert.equal(state.portCount, 2);
    assert.equal(state.network, network, 'the server snapshot is kept as is');
  });

  test('a compute port changes one host, nothing else; the previous snapshot is unchanged', () => {
    const state = NetworkState.of(network, 7, rules);
    const added = port('vm2', '10.0.0.12');
    const { next, delta } = state.apply({ kind: 'port-upsert', port: added, revision: 8 });
    assert.deepEqual(delta, {
      full: false,
      hosts: [{ portId: 'vm2', before: undefined, after: added }],
      subnetOptions: false,
      metadataRoute: false,
      dhcpPort: false,
    });
    assert.equal(next.revision, 8);
    assert.equal(next.port('vm2'), added);
    assert.equal(state.port('vm2'), undefined);
    assert.deepEqual(next.network.ports.map((each) => each.id).sort(), ['dhcp', 'vm1', 'vm2']);
    assert.equal(state.network.ports.length, 2);
  });

  test("ports keep the server's order, an updated one its place and a new one goes last (as a Map)", () => {
    const state = NetworkState.of(
      { ...network, ports: [port('b', '10.0.0.12'), dhcpPort, port('a', '10.0.0.11')] },
      1,
      rules,
    );
    const updated = state.apply({
      kind: 'port-upsert',
      port: port('b', '10.0.0.22', { revision_number: 2 }),
      revision: 2,
    });
    const added = updated.next.apply({ kind: 'port-upsert', port: port('0', '10.0.0.10'), revision: 3 });
    assert.deepEqual(
      added.next.network.ports.map((each) => each.id),
      ['b', 'dhcp', 'a', '0'],
    );
  });

  test('a status-only update (DOWN → ACTIVE) is held at its revision but gives no peer anything to redo', () => {
    const state = NetworkState.of(
      { ...network, ports: [dhcpPort, port('vm1', '10.0.0.11', { revision_number: 5, status: 'DOWN' })] },
      1,
      rules,
    );
    const active = port('vm1', '10.0.0.11', { revision_number: 6, status: 'ACTIVE' });
    const { next, delta } = state.apply({ kind: 'port-upsert', port: active, revision: 2 });
    assert.deepEqual(delta.hosts, [], 'no host changed');
    assert.equal(delta.full || delta.subnetOptions || delta.metadataRoute || delta.dhcpPort, false);
    assert.equal(next.revision, 2);
    assert.equal(next.port('vm1'), active, 'the newer revision is held');
    const older = port('vm1', '10.0.0.99', { revision_number: 5 });
    assert.deepEqual(next.apply({ kind: 'port-upsert', port: older, revision: 3 }).delta.hosts, [], 'stale');
    // Any field the data plane reads makes it a host change again (table-driven over those fields).
    const changes: Partial<AgentPort>[] = [
      { mac_address: 'fa:16:3e:00:00:02' },
      { fixed_ips: [{ subnet_id: SUBNET, ip_address: '10.0.0.12' }] },
      { device_id: 'another-instance' },
      { device_owner: 'compute:zone2' },
      { admin_state_up: false },
      { extra_dhcp_opts: [{ opt_name: 'mtu', opt_value: '1400', ip_version: 4 }] },
      { dns_assignment: [{ ip_address: '10.0.0.11', hostname: 'vm1', fqdn: 'vm1.example.' }] },
    ];
    for (const change of changes) {
      const changed = port('vm1', '10.0.0.11', { revision_number: 7, status: 'ACTIVE', ...change });
      const applied = next.apply({ kind: 'port-upsert', port: changed, revision: 3 });
      assert.equal(applied.delta.hosts.length, 1, `a change of ${Object.keys(change)[0]} is a host change`);
    }
  });

  test('a stale port update and the delete of an unknown port change only the revision', () => {
    const state = NetworkState.of(
      { ...network, ports: [dhcpPort, port('vm1', '10.0.0.11', { revision_number: 5 })] },
      1,
      rules,
    );
    const stale = state.apply({
      kind: 'port-upsert',
      port: port('vm1', '10.0.0.99', { revision_number: 4 }),
      revision: 2,
    });
    assert.equal(stale.delta.hosts.length, 0);
    assert.equal(stale.next.revision, 2);
    assert.equal(stale.next.port('vm1')?.fixed_ips[0]?.ip_address, '10.0.0.11');
    const unknown = stale.next.apply({ kind: 'port-delete', portId: 'nope', revision: 3 });
    assert.equal(unknown.delta.hosts.length, 0);
    assert.equal(unknown.next.revision, 3);
  });

  test('a router interface on the gateway withdraws the metadata route; removing it restores it', () => {
    const state = NetworkState.of(network, 1, rules);
    const routed = state.apply({ kind: 'port-upsert', port: router, revision: 2 });
    assert.equal(routed.delta.subnetOptions, true);
    assert.equal(routed.delta.metadataRoute, true);
    assert.equal(routed.next.advertisesMetadata, false);
    const isolated = routed.next.apply({ kind: 'port-delete', portId: router.id, revision: 3 });
    assert.equal(isolated.delta.metadataRoute, true);
    assert.equal(isolated.next.advertisesMetadata, true);
  });

  test("our DHCP port's change is flagged; another agent's DHCP port only touches subnet options", () => {
    const state = NetworkState.of(network, 1, rules);
    const moved = {
      ...dhcpPort,
      fixed_ips: [{ subnet_id: SUBNET, ip_address: '10.0.0.3' }],
      revision_number: 2,
    };
    const own = state.apply({ kind: 'port-upsert', port: moved, revision: 2 });
    assert.equal(own.delta.dhcpPort, true);
    assert.equal(own.next.dhcpPort, moved);
    const other = port('dhcp-b', '10.0.0.4', { device_owner: 'network:dhcp', device_id: 'another-agent' });
    const theirs = state.apply({ kind: 'port-upsert', port: other, revision: 2 });
    assert.equal(theirs.delta.dhcpPort, false);
    assert.equal(theirs.delta.subnetOptions, true);
    assert.equal(theirs.next.dhcpPort, dhcpPort);
    const gone = state.apply({ kind: 'port-delete', portId: dhcpPort.id, revision: 2 });
    assert.equal(gone.delta.dhcpPort, true);
    assert.equal(gone.next.dhcpPort, undefined);
  });
});
