/**
 * Talking to the run's neutron-server: the real `openstack` CLI (`--os-auth-type none`, a clean environment),
 * the REST API (the scale-out tests' helpers, which speak Neutron's API whichever server answers), and bounded
 * waits on what the server reports about agents.
 *
 * @module
 */
import { type CliResult, runOpenstack } from '../openstack-cli.js';
import { api, apiOk, eventually, networkWithSubnet } from '../scaleout/cluster.js';

/** One row of `GET /v2.0/agents`. */
export interface NeutronAgent {
  readonly id: string;
  readonly agent_type: string;
  readonly binary: string;
  readonly host: string;
  readonly alive: boolean;
  readonly admin_state_up: boolean;
  /** When the agent last reported with `start_flag` (its process started). */
  readonly started_at: string;
  readonly configurations: Readonly<Record<string, unknown>>;
}

/** Which agent to wait for. */
export interface AgentQuery {
  readonly agentType: string;
  readonly host: string;
}

/** A client of one neutron-server. */
export class NeutronClient {
  constructor(
    readonly url: string,
    /** HOME for the CLI (its cache), inside the run's directory. */
    private readonly home: string,
  ) {}

  /** Runs `openstack ARGS` against this server; never throws (the exit code is in the result). */
  openstack(...args: string[]): Promise<CliResult> {
    return runOpenstack(this.url, this.home, args, 60_000);
  }

  /** `openstack ARGS -f json`, parsed; throws with stderr when the command fails. */
  async openstackJson<T = Record<string, unknown>>(...args: string[]): Promise<T> {
    const result = await this.openstack(...args, '-f', 'json');
    if (result.code !== 0)
      throw new Error(`openstack ${args.join(' ')}: exit ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }

  /** `METHOD path` with a JSON body; fails unless the status is `expected`; returns the body's `key`. */
  request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body: unknown,
    expected: number,
    key: string,
  ): Promise<T> {
    return apiOk<T>(this.url, method, path, body, expected, key);
  }

  /** `DELETE path`, expecting 204 (or 404 when `missingOk`). */
  async delete(path: string, missingOk = false): Promise<void> {
    const reply = await api(this.url, 'DELETE', path);
    if (reply.status !== 204 && !(missingOk && reply.status === 404))
      throw new Error(`DELETE ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
  }

  /** The server's agents of one type on one host. */
  async agents(query: AgentQuery): Promise<NeutronAgent[]> {
    const search = new URLSearchParams({ agent_type: query.agentType, host: query.host });
    return this.request<NeutronAgent[]>('GET', `/v2.0/agents?${search}`, undefined, 200, 'agents');
  }

  /** Waits (bounded) until the server lists exactly one such agent and reports it `alive` as wanted. */
  waitForAgent(query: AgentQuery, alive: boolean, timeoutMs: number): Promise<NeutronAgent> {
    return eventually(
      `${query.agentType} on ${query.host} ${alive ? 'alive' : 'dead'}`,
      async () => {
        const found = await this.agents(query);
        return found.length === 1 && found[0]!.alive === alive ? found[0] : undefined;
      },
      timeoutMs,
      500,
    );
  }

  /** A flat network on `physnet` with one IPv4 subnet (REST: ~10× quicker than the CLI's Python start). */
  flatNetwork(name: string, physnet: string, cidr: string): Promise<{ networkId: string; subnetId: string }> {
    return networkWithSubnet(this.url, name, cidr, {
      'provider:network_type': 'flat',
      'provider:physical_network': physnet,
    });
  }
}
