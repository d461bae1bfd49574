/**
 * One contract suite for `AgentControlPlane` (src/agent/control-plane.ts), run against qdhcp's own server
 * (src/agent/control-plane.test.ts) and against a real neutron-server (test/e2e/neutron-control-plane.test.ts).
 * Both control planes speak Neutron's API, so the harness drives both the same way: networks, subnets and
 * ports are made over HTTP; what the agent sees is checked through the interface only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isQdhcpError } from '../../common/errors.js';
import type { AgentControlPlane } from '../control-plane.js';
import { dhcpPortDeviceId } from '../naming.js';

/** What the suite needs from one control plane under test. */
export interface ControlPlaneHarness {
  /** The agent host the control plane is opened for (the server schedules networks to it). */
  readonly host: string;
  /** The API's base URL (`http://127.0.0.1:PORT`), admin without a token. */
  readonly apiUrl: string;
  /** The body of `POST /v2.0/networks` for a network this host can serve (provider attributes). */
  readonly networkBody: Record<string, unknown>;
  readonly controlPlane: AgentControlPlane;
  /** Drops the control plane's broker connection (absent: it has none, e.g. the in-process bus). */
  readonly breakConnection?: () => Promise<void>;
}

type Json = Record<string, unknown>;

async function api(harness: ControlPlaneHarness, method: string, path: string, body?: Json): Promise<Json> {
  const response = await fetch(`${harness.apiUrl}/v2.0/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text === '' ? {} : (JSON.parse(text) as Json);
}

/** Collects what the control plane delivers; `next` waits (bounded) for a message matching `match`. */
class Inbox {
  private readonly messages: Json[] = [];
  private readonly waiters: Array<() => void> = [];

  push(message: unknown): void {
    this.messages.push(message as Json);
    for (const wake of this.waiters.splice(0)) wake();
  }

  async next(match: (message: Json) => boolean, what: string, timeoutMs = 15_000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.messages.findIndex(match);
      if (index >= 0) return this.messages.splice(index, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

const reportParams = (host: string, startFlag: boolean) => ({
  host,
  binary: 'qdhcp-agent' as const,
  agentType: 'DHCP agent' as const,
  availabilityZone: 'nova',
  startFlag,
  configurations: { driver: 'builtin', networks: 0, subnets: 0, ports: 0, physicalNetworks: ['physnet1'] },
});

/** The subnets a port has an address on (the API's `fixed_ips`). */
const portSubnets = (port: Json): string[] =>
  ((port.fixed_ips as Array<{ subnet_id: string }> | undefined) ?? []).map((fixed) => fixed.subnet_id);

const isResource = (resource: string, action: string, id: string) => (message: Json) =>
  message.schema === 'qdhcp.resource-event' &&
  message.resource === resource &&
  message.action === action &&
  message.id === id;

/** Registers the suite's tests (call inside a `describe` whose `before` built `harness()`). */
export function controlPlaneContract(name: string, harness: () => ControlPlaneHarness): void {
  describe(`AgentControlPlane contract: ${name}`, () => {
    const inbox = new Inbox();
    let networkId = '';
    let subnetId = '';
    let dhcpPortId = '';

    it('report_state registers the agent; the next report says alive', async () => {
      const { controlPlane, host } = harness();
      controlPlane.subscribe(host, (message) => inbox.push(message));
      const first = await controlPlane.rpc.call('agent.report_state', reportParams(host, true));
      assert.ok(['new', 'alive', 'revived'].includes(first.status));
      const second = await controlPlane.rpc.call('agent.report_state', reportParams(host, false));
      assert.equal(second.status, 'alive');
    });

    it('a network with a DHCP subnet is scheduled here: in the active networks, readable alone', async () => {
      const h = harness();
      const network = (await api(h, 'POST', 'networks', { network: h.networkBody })).network as Json;
      networkId = String(network.id);
      const subnet = (
        await api(h, 'POST', 'subnets', {
          subnet: { network_id: networkId, ip_version: 4, cidr: '10.93.0.0/24', enable_dhcp: true },
        })
      ).subnet as Json;
      subnetId = String(subnet.id);
      const deadline = Date.now() + 20_000;
      let active: string[] = [];
      while (Date.now() < deadline) {
        const { networks } = await h.controlPlane.rpc.call('dhcp.get_active_networks', { host: h.host });
        active = networks.map((n) => n.id);
        if (active.includes(networkId)) break;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      assert.ok(active.includes(networkId), `network ${networkId} scheduled to ${h.host}`);
      const { network: one } = await h.controlPlane.rpc.call('dhcp.get_network', { host: h.host, networkId });
      assert.ok(one !== null);
      assert.deepEqual(
        one.subnets.map((s) => [s.id, s.cidr, s.enable_dhcp]),
        [[subnetId, '10.93.0.0/24', true]],
      );
      const { network: missing } = await h.controlPlane.rpc.call('dhcp.get_network', {
        host: h.host,
        networkId: '00000000-0000-4000-8000-000000000000',
      });
      assert.equal(missing, null);
    });

    it("ensure_port creates this agent's DHCP port once (network:dhcp, an address on the subnet)", async () => {
      const h = harness();
      const params = {
        host: h.host,
        networkId,
        deviceId: dhcpPortDeviceId(h.host, networkId),
        subnetIds: [subnetId],
      };
      const { port } = await h.controlPlane.rpc.call('dhcp.ensure_port', params);
      assert.ok(port !== null);
      assert.equal(port.device_owner, 'network:dhcp');
      assert.equal(port.device_id, params.deviceId);
      assert.deepEqual(
        port.fixed_ips.map((f) => f.subnet_id),
        [subnetId],
      );
      assert.match(port.fixed_ips[0]?.ip_address ?? '', /^10\.93\.0\.\d+$/);
      dhcpPortId = port.id;
      const again = await h.controlPlane.rpc.call('dhcp.ensure_port', params);
      assert.equal(again.port?.id, dhcpPortId, 'the same port, not a second one');
    });

    it('a second DHCP subnet: ensure_port gives the same port an address on it too', async () => {
      const h = harness();
      const second = (
        await api(h, 'POST', 'subnets', {
          subnet: { network_id: networkId, ip_version: 4, cidr: '10.95.0.0/24', enable_dhcp: true },
        })
      ).subnet as Json;
      const subnetIds = [subnetId, String(second.id)];
      const { port } = await h.controlPlane.rpc.call('dhcp.ensure_port', {
        host: h.host,
        networkId,
        deviceId: dhcpPortDeviceId(h.host, networkId),
        subnetIds,
      });
      assert.equal(port?.id, dhcpPortId);
      assert.deepEqual(port?.fixed_ips.map((f) => f.subnet_id).sort(), [...subnetIds].sort());
    });

    it('port create, update and delete reach the agent as resource events', async () => {
      const h = harness();
      const port = (
        await api(h, 'POST', 'ports', { port: { network_id: networkId, mac_address: 'fa:16:3e:93:00:01' } })
      ).port as Json;
      const portId = String(port.id);
      const created = await inbox.next(isResource('port', 'created', portId), 'port created event');
      assert.equal((created.state as Json).mac_address, 'fa:16:3e:93:00:01');
      assert.equal(created.networkId, networkId);
      await api(h, 'PUT', `ports/${portId}`, {
        port: { fixed_ips: [{ subnet_id: subnetId, ip_address: '10.93.0.77' }] },
      });
      const updated = await inbox.next(
        (m) =>
          isResource('port', 'updated', portId)(m) &&
          JSON.stringify((m.state as Json).fixed_ips).includes('10.93.0.77'),
        'port updated event with the new address',
      );
      assert.equal(updated.networkId, networkId);
      await h.controlPlane.rpc.call('dhcp.ports_ready', { host: h.host, portIds: [portId] });
      // Accepted by both (qdhcp ends drains with it; Neutron has none to end, issue 17).
      assert.deepEqual(
        await h.controlPlane.rpc.call('dhcp.networks_served', { host: h.host, networkIds: [networkId] }),
        {},
      );
      await api(h, 'DELETE', `ports/${portId}`);
      await inbox.next(isResource('port', 'deleted', portId), 'port deleted event');
    });

    it('the metadata lookup answers by the contract, or is unsupported (Neutron)', async () => {
      const h = harness();
      try {
        const result = await h.controlPlane.rpc.call('metadata.get_instance', {
          host: h.host,
          networkId,
          ipAddress: '10.93.0.9',
        });
        assert.equal(result.identity, null);
      } catch (error) {
        assert.ok(isQdhcpError(error, 'NEUTRON_UNSUPPORTED'), String(error));
        assert.equal(h.controlPlane.kind, 'neutron');
      }
    });

    it('a lost broker connection asks for a resync', async (context) => {
      const h = harness();
      if (h.breakConnection === undefined) {
        context.skip('this control plane has no broker connection');
        return;
      }
      const asked = new Promise<string>((resolve) => {
        const stop = h.controlPlane.onResync((reason) => {
          stop();
          resolve(reason);
        });
      });
      await h.breakConnection();
      const reason = await Promise.race([
        asked,
        new Promise<string>((_, reject) =>
          setTimeout(() => reject(new Error('no resync within 20 s')), 20_000),
        ),
      ]);
      assert.match(reason, /connect/i);
      // Calls work again once reconnected.
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          await h.controlPlane.rpc.call('dhcp.get_network', { host: h.host, networkId });
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      }
    });

    it('release_port deletes the DHCP port; a reserved DHCP port is taken over', async () => {
      const h = harness();
      const deviceId = dhcpPortDeviceId(h.host, networkId);
      await h.controlPlane.rpc.call('dhcp.release_port', { host: h.host, networkId, deviceId });
      const { network } = await h.controlPlane.rpc.call('dhcp.get_network', { host: h.host, networkId });
      assert.ok(network === null || !network.ports.some((p) => p.id === dhcpPortId), 'DHCP port gone');
      const reserved = (
        await api(h, 'POST', 'ports', {
          port: { network_id: networkId, device_owner: 'network:dhcp', device_id: 'reserved_dhcp_port' },
        })
      ).port as Json;
      const { port } = await h.controlPlane.rpc.call('dhcp.ensure_port', {
        host: h.host,
        networkId,
        deviceId,
        subnetIds: portSubnets(reserved),
      });
      assert.equal(port?.id, reserved.id, 'the reserved port, not a new one');
      assert.equal(port?.device_id, deviceId);
      await h.controlPlane.rpc.call('dhcp.release_port', { host: h.host, networkId, deviceId });
    });

    it('deleting the network reaches the agent', async () => {
      const h = harness();
      await api(h, 'DELETE', `networks/${networkId}`);
      await inbox.next(
        (m) =>
          m.networkId === networkId &&
          ((m.schema === 'qdhcp.resource-event' && m.resource === 'network' && m.action === 'deleted') ||
            (m.schema === 'qdhcp.agent-binding' && m.action === 'unbound')),
        'network deleted or unbound',
      );
    });
  });
}
