import { randomUUID } from 'node:crypto';
import type { Bus } from '../../../bus/bus.js';
import type { AgentNetwork, AgentPort } from '../../../bus/dhcp-agent-rpc.js';

/**
 * A small server that answers the contract's methods from an in-memory store (STYLE 7.2 #13: the real
 * server side is exercised by the e2e tests). It records every call.
 */
export class ContractTestServer {
  readonly networks = new Map<string, AgentNetwork>();
  readonly calls: Array<{ method: string; params: Readonly<Record<string, unknown>> }> = [];
  readonly readyPorts: string[] = [];
  readonly servedNetworks: string[] = [];
  readonly failNext = new Set<string>();
  /** Methods that keep failing with the error this gives (e.g. a coded, non-retryable one). */
  readonly failAlways = new Map<string, () => unknown>();

  constructor(
    readonly bus: Bus,
    options: { readonly dhcpMac?: string; readonly dhcpIp?: string } = {},
  ) {
    const serve = (method: string, handler: (p: Readonly<Record<string, unknown>>) => unknown) =>
      bus.serve(method, async (params) => {
        this.calls.push({ method, params });
        if (this.failNext.delete(method)) throw new Error(`${method} is down`);
        const failure = this.failAlways.get(method);
        if (failure !== undefined) throw failure();
        return handler(params);
      });
    serve('agent.report_state', () => ({ agentId: 'a1', status: 'alive' }));
    serve('dhcp.get_active_networks', () => ({ networks: [...this.networks.values()] }));
    serve('dhcp.get_network', (p) => ({ network: this.networks.get(String(p['networkId'])) ?? null }));
    serve('dhcp.ensure_port', (p) => {
      const network = this.networks.get(String(p['networkId']));
      if (!network) return { port: null };
      const port: AgentPort = {
        id: randomUUID(),
        network_id: network.id,
        mac_address: options.dhcpMac ?? 'fa:16:3e:00:00:02',
        device_owner: 'network:dhcp',
        device_id: String(p['deviceId']),
        fixed_ips: (p['subnetIds'] as string[]).map((subnet_id) => ({
          subnet_id,
          ip_address: options.dhcpIp ?? '10.0.0.2',
        })),
      };
      this.networks.set(network.id, {
        ...network,
        ports: [...network.ports, port],
        revision: network.revision + 1,
      });
      return { port };
    });
    serve('dhcp.release_port', () => ({}));
    serve('dhcp.ports_ready', (p) => {
      this.readyPorts.push(...(p['portIds'] as string[]));
      return {};
    });
    serve('dhcp.networks_served', (p) => {
      this.servedNetworks.push(...(p['networkIds'] as string[]));
      return {};
    });
  }

  count(method: string): number {
    return this.calls.filter((call) => call.method === method).length;
  }

  addNetwork(ports = 1): AgentNetwork {
    const id = randomUUID();
    const subnet = randomUUID();
    const view: AgentNetwork = {
      id,
      admin_state_up: true,
      mtu: 1500,
      'provider:network_type': 'local',
      revision: 5,
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
      ports: Array.from({ length: ports }, (_, i) => ({
        id: randomUUID(),
        mac_address: `fa:16:3e:00:01:${(i + 16).toString(16)}`,
        device_owner: 'compute:nova',
        fixed_ips: [{ subnet_id: subnet, ip_address: `10.0.0.${i + 10}` }],
      })),
    };
    this.networks.set(id, view);
    return view;
  }
}
