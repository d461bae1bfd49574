/**
 * VXLAN flooding peers: which underlay addresses a host's `vxlan-<vni>` sends broadcasts to (head-end
 * replication), and telling agents when that set changes.
 *
 * The choice (docs/agent.md "Scale-out"): the tunnel IPs (the agents' `--local-ip`) of every **live**
 * DHCP agent (`configurations.tunnel_ip`) and every live L2 role (`Linux bridge agent`,
 * `configurations.tunneling_ip` as Neutron's linuxbridge agent reports it) except the asking host's.
 * Neutron's Linux bridge agent without l2pop floods to one multicast group that reaches every VXLAN host;
 * with l2pop it floods to the hosts that have ports on the network. qdhcp's equivalent of the multicast
 * group is every live host that reported an underlay address, DHCP hosts and L2-only (compute) hosts
 * alike (issue 14: an instance on an L2-only host gets its lease over VXLAN from a DHCP host). It does not change
 * when bindings move (only when agents come, go or change address), so failover costs no FDB churn, and a
 * host that hosts the network later already receives its broadcasts. A host without that VNI drops them
 * (cost: one copy per host per broadcast, like the multicast group).
 *
 * @module
 */
import type { ServerConfig } from '../common/config.js';
import { type AgentRecord, agentsRepository, networksRepository, type Queryable } from '../db/index.js';
import { DHCP_AGENT_TYPE, isAlive, publishBindings, type SchedulerDeps } from './scheduler.js';

/** The agent type of the L2 role (src/main/agent-roles.ts), a flooding peer when it reports an address. */
const L2_AGENT_TYPE = 'Linux bridge agent';

/** The agent's reported underlay address, if any: the DHCP role's `tunnel_ip`, the L2 role's `tunneling_ip`. */
export function tunnelIpOf(agent: AgentRecord): string | undefined {
  const value = agent.configurations['tunnel_ip'] ?? agent.configurations['tunneling_ip'];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** host → tunnel IP of every live DHCP agent and L2 role that reported one. */
export async function liveTunnelIps(
  db: Queryable,
  config: Pick<ServerConfig, 'agentDownTime'>,
  now: Date,
): Promise<Map<string, string>> {
  const agents = await agentsRepository.list(db, { agent_type: [DHCP_AGENT_TYPE, L2_AGENT_TYPE] });
  const out = new Map<string, string>();
  for (const agent of agents) {
    const ip = tunnelIpOf(agent);
    if (ip !== undefined && isAlive(agent, now, config.agentDownTime)) out.set(agent.host, ip);
  }
  return out;
}

/** The peers of `host`: the other hosts' addresses (not its own), sorted and unique. Pure. */
export function peersOf(tunnelIps: ReadonlyMap<string, string>, host: string): string[] {
  const own = tunnelIps.get(host);
  const peers = new Set<string>();
  for (const [other, ip] of tunnelIps) if (other !== host && ip !== own) peers.add(ip);
  return [...peers].sort();
}

/**
 * Watches the set of live tunnel IPs; when it changed since the previous check, re-announces (`bound`)
 * every vxlan network to each live agent with a tunnel IP that hosts it, so the agent re-reads the network
 * and converges its flooding entries (the agent treats `bound` as "resync this network"). The first check
 * only records the set (a server that starts announces nothing; the agents' periodic resync covers it).
 */
export function createTunnelPeerWatch(deps: SchedulerDeps) {
  let previous: string | undefined;
  return {
    /** Returns how many (host, network) pairs were re-announced. */
    async check(): Promise<number> {
      const { database, config, clock } = deps;
      const ips = await liveTunnelIps(database.db, config, clock());
      const key = [...new Set(ips.values())].sort().join(',');
      const changed = previous !== undefined && previous !== key;
      previous = key;
      if (!changed) return 0;
      const vxlan = new Set(
        (await networksRepository.list(database.db, { equals: { 'provider:network_type': ['vxlan'] } })).map(
          (network) => network.id,
        ),
      );
      if (vxlan.size === 0) return 0;
      const agents = await agentsRepository.list(database.db, { agent_type: [DHCP_AGENT_TYPE] });
      const changes: { host: string; networkId: string; action: 'bound' }[] = [];
      for (const agent of agents) {
        if (!ips.has(agent.host)) continue;
        for (const networkId of await agentsRepository.networkIdsOfAgent(database.db, agent.id)) {
          if (vxlan.has(networkId)) changes.push({ host: agent.host, networkId, action: 'bound' });
        }
      }
      await publishBindings(deps.bus, clock, changes);
      return changes.length;
    },
  };
}
