/**
 * The few Neutron API calls the benchmark makes (noauth: no token), with the time each answer arrived on the
 * same clock as the probes (performance.now()).
 */
export interface BenchPort {
  readonly id: string;
  readonly mac: string;
  readonly ip: string;
}

export interface BenchNetwork {
  readonly id: string;
  readonly subnetId: string;
  readonly physnet: number;
  /** The subnet is 10.<second>.0.0/16. */
  readonly second: number;
  /** The bench's own ports on it (fill and samples), in creation order. */
  readonly ports: BenchPort[];
}

interface PortBody {
  readonly id: string;
  readonly mac_address: string;
  readonly fixed_ips: readonly { readonly ip_address: string }[];
}

const toPort = (body: PortBody): BenchPort => ({
  id: body.id,
  mac: body.mac_address,
  ip: body.fixed_ips[0]?.ip_address ?? '',
});

/** Attempts of a GET that neutron-server answers with a 5xx (see {@link NeutronApi.call}). */
const GET_ATTEMPTS = 5;

export class NeutronApi {
  constructor(private readonly url: string) {}

  /**
   * One API call. A GET answered with a 5xx is retried (at most {@link GET_ATTEMPTS} times, 1 s apart):
   * neutron-server Zed here intermittently answers a port listing right after its start with a 500
   * (`type object 'Port' has no attribute 'port_forwardings'`, its extensions still loading), which ended 2 of
   * 4 runs in the fill's check. Writes are never retried: a retried POST could create twice.
   */
  private async call<T>(method: string, path: string, body?: unknown, expect = 200): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${this.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.status === expect) return (text === '' ? undefined : JSON.parse(text)) as T;
      const error = new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
      if (method !== 'GET' || response.status < 500 || attempt >= GET_ATTEMPTS) throw error;
      process.stderr.write(`[bench] ${error.message}; retrying (${attempt}/${GET_ATTEMPTS})\n`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  /** A flat network on `physnet<n>` with one /16 IPv4 subnet `10.<second>.0.0/16` (DHCP on, no gateway route tricks). */
  async network(name: string, physnet: number, second: number): Promise<BenchNetwork> {
    const { network } = await this.call<{ network: { id: string } }>(
      'POST',
      '/v2.0/networks',
      {
        network: {
          name,
          'provider:network_type': 'flat',
          'provider:physical_network': `physnet${physnet}`,
        },
      },
      201,
    );
    const { subnet } = await this.call<{ subnet: { id: string } }>(
      'POST',
      '/v2.0/subnets',
      {
        subnet: {
          network_id: network.id,
          ip_version: 4,
          cidr: `10.${second}.0.0/16`,
          enable_dhcp: true,
        },
      },
      201,
    );
    return { id: network.id, subnetId: subnet.id, physnet, second, ports: [] };
  }

  /** One port; resolves with it and the time its 201 arrived. */
  async createPort(networkId: string): Promise<{ port: BenchPort; at: number }> {
    const { port } = await this.call<{ port: PortBody }>(
      'POST',
      '/v2.0/ports',
      { port: { network_id: networkId, device_owner: 'compute:nova' } },
      201,
    );
    return { port: toPort(port), at: performance.now() };
  }

  /**
   * `count` ports in bulk creates of at most `chunk` (Neutron's `{"ports": [...]}`). Addresses are left to
   * Neutron's IPAM: with fixed addresses given, a bulk was 5× slower on this machine.
   */
  async bulkPorts(network: BenchNetwork, count: number, chunk = 250): Promise<BenchPort[]> {
    const out: BenchPort[] = [];
    for (let done = 0; done < count; done += chunk) {
      const n = Math.min(chunk, count - done);
      const body = {
        ports: Array.from({ length: n }, () => ({ network_id: network.id, device_owner: 'compute:nova' })),
      };
      const { ports } = await this.call<{ ports: PortBody[] }>('POST', '/v2.0/ports', body, 201);
      out.push(...ports.map(toPort));
    }
    return out;
  }

  /** How many ports the API lists on a network (the DHCP port included). */
  async countPorts(networkId: string): Promise<number> {
    const { ports } = await this.call<{ ports: unknown[] }>(
      'GET',
      `/v2.0/ports?network_id=${networkId}&fields=id`,
    );
    return ports.length;
  }

  async deletePort(id: string): Promise<void> {
    await this.call('DELETE', `/v2.0/ports/${id}`, undefined, 204);
  }

  async deleteNetwork(id: string): Promise<void> {
    await this.call('DELETE', `/v2.0/networks/${id}`, undefined, 204);
  }

  /** The id of the DHCP agent registered for `host` once it reports alive, else undefined. */
  async aliveDhcpAgent(host: string): Promise<string | undefined> {
    const { agents } = await this.call<{ agents: { id: string; alive: boolean }[] }>(
      'GET',
      `/v2.0/agents?agent_type=DHCP%20agent&host=${encodeURIComponent(host)}`,
    );
    return agents.find((a) => a.alive)?.id;
  }

  /** Binds a network to a DHCP agent (`POST /v2.0/agents/{id}/dhcp-networks`, what `openstack network agent add network --dhcp` does). */
  async scheduleNetwork(agentId: string, networkId: string): Promise<void> {
    await this.call('POST', `/v2.0/agents/${agentId}/dhcp-networks`, { network_id: networkId }, 201);
  }
}
