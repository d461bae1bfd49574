/**
 * DHCP network scheduling (spec §4.12): which agents host a network, least-loaded first, with binding
 * indexes 1…N unique per network. `pickAgents` is the pure choice; `scheduleNetwork` applies it inside a
 * caller's transaction and records the binding changes to publish after the commit.
 *
 * @module
 */

import type { AgentBindingEventV1 } from '../bus/dhcp-agent-rpc.js';
import type { Bus } from '../bus/index.js';
import type { ServerConfig } from '../common/config.js';
import { type AgentRecord, agentsRepository, networksRepository, type Queryable } from '../db/index.js';
import type { Clock } from './clock.js';
import { runMutation, type UnitOfWorkDeps, type WriteScope } from './unit-of-work.js';

/** The agent type of DHCP agents (Neutron's `constants.AGENT_TYPE_DHCP`). */
export const DHCP_AGENT_TYPE = 'DHCP agent';

/** A binding change to announce once the transaction that made it has committed. */
export interface BindingChange {
  readonly host: string;
  readonly networkId: string;
  readonly action: 'bound' | 'unbound';
}

/** What scheduling needs: config, clock, database and bus (through the unit of work). */
export interface SchedulerDeps extends UnitOfWorkDeps {
  readonly config: ServerConfig;
}

/** True when the agent's last heartbeat is younger than `agent_down_time` (spec §4.9). */
export function isAlive(agent: AgentRecord, now: Date, agentDownTime: number): boolean {
  const heartbeat = Date.parse(agent.heartbeatTimestamp);
  return Number.isFinite(heartbeat) && now.getTime() - heartbeat < agentDownTime * 1000;
}

/** An agent that may host networks, with the load used to order candidates. */
export interface Candidate {
  readonly id: string;
  readonly load: number;
}

/**
 * Chooses up to `wanted` agents, lightest first (Neutron's WeightScheduler), ties broken by id so the
 * choice is deterministic. Pure.
 */
export function pickAgents(candidates: readonly Candidate[], wanted: number): string[] {
  if (wanted <= 0) return [];
  return [...candidates]
    .sort((a, b) => a.load - b.load || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, wanted)
    .map((c) => c.id);
}

/** The lowest binding indexes (1-based) not in `used`, `count` of them. */
export function freeIndexes(used: readonly number[], count: number): number[] {
  const taken = new Set(used);
  const out: number[] = [];
  for (let index = 1; out.length < count; index++) if (!taken.has(index)) out.push(index);
  return out;
}

/**
 * The load that orders candidates: for `networks` the number of bindings right now (the reported count
 * lags a heartbeat behind, and a burst of new networks would all land on one agent); otherwise the
 * reported counter, then the binding count.
 */
function loadOf(
  agent: AgentRecord,
  bindings: ReadonlyMap<string, number>,
  loadType: ServerConfig['dhcpLoadType'],
): number {
  const bound = bindings.get(agent.id) ?? 0;
  return loadType === 'networks' ? bound : agent.load * 1_000_000 + bound;
}

/** What scheduling needs of a network's segment (spec §4.12 step 3: access to its physical network). */
export interface SegmentAccess {
  readonly networkType: string;
  readonly physicalNetwork: string | null;
}

/**
 * True when the agent can plug the network (spec §4.12 step 3, Neutron's
 * `filter_hosts_with_network_access`): a flat or VLAN network only on an agent whose reported
 * `physical_networks` (its `physical_interface_mappings`, sent with every heartbeat) include the
 * network's physnet; other types (local, vxlan) need no mapping. An agent without the mapping would take
 * the binding and fail to plumb it for good.
 */
export function hasNetworkAccess(agent: AgentRecord, segment: SegmentAccess): boolean {
  if (segment.networkType !== 'flat' && segment.networkType !== 'vlan') return true;
  const reported = agent.configurations['physical_networks'];
  return Array.isArray(reported) && reported.includes(segment.physicalNetwork);
}

/** Alive, admin-up DHCP agents not in `exclude` and able to plug `segment` (if given), with their loads. */
export async function eligibleAgents(
  tx: Queryable,
  config: ServerConfig,
  now: Date,
  exclude: ReadonlySet<string>,
  segment?: SegmentAccess,
): Promise<Candidate[]> {
  const agents = await agentsRepository.list(tx, { agent_type: [DHCP_AGENT_TYPE], admin_state_up: [true] });
  const counts = await agentsRepository.bindingCounts(tx);
  return agents
    .filter(
      (a) =>
        !exclude.has(a.id) &&
        isAlive(a, now, config.agentDownTime) &&
        (segment === undefined || hasNetworkAccess(a, segment)),
    )
    .map((a) => ({ id: a.id, load: loadOf(a, counts, config.dhcpLoadType) }));
}

/**
 * Binds the network to more agents until it has `dhcp_agents_per_network` bindings that are not draining
 * (spec §4.12 steps 1–5), only
 * to agents with access to its physical network, inside the caller's transaction (which must hold the
 * network's lock). Returns the changes made.
 */
export async function scheduleNetwork(
  tx: Queryable,
  config: ServerConfig,
  now: Date,
  networkId: string,
): Promise<BindingChange[]> {
  const hosted = await agentsRepository.bindingsOfNetwork(tx, networkId);
  // A draining binding (admin-down agent, src/service/agent-drain.ts) is on its way out: it does not count.
  const wanted = config.dhcpAgentsPerNetwork - hosted.filter((b) => !b.draining).length;
  if (wanted <= 0) return [];
  const network = await networksRepository.get(tx, networkId);
  if (!network) return [];
  const candidates = await eligibleAgents(tx, config, now, new Set(hosted.map((b) => b.agentId)), network);
  const chosen = pickAgents(candidates, wanted);
  const indexes = freeIndexes(
    hosted.map((b) => b.bindingIndex),
    chosen.length,
  );
  const agents = await agentsRepository.listByIds(tx, chosen);
  const changes: BindingChange[] = [];
  for (const [position, agentId] of chosen.entries()) {
    await agentsRepository.insertBinding(tx, { networkId, agentId, bindingIndex: indexes[position]! });
    const host = agents.find((a) => a.id === agentId)?.host ?? '';
    changes.push({ host, networkId, action: 'bound' });
  }
  return changes;
}

/** The binding event of one change (contract `qdhcp.agent-binding` v1). */
export function bindingEvent(change: BindingChange, now: Date): AgentBindingEventV1 {
  return {
    schema: 'qdhcp.agent-binding',
    version: 1,
    host: change.host,
    networkId: change.networkId,
    action: change.action,
    occurredAt: now.toISOString(),
  };
}

/** Publishes binding events after a commit; a transport failure is reported, never thrown. */
export async function publishBindings(
  bus: Bus,
  clock: Clock,
  changes: readonly BindingChange[],
  onError?: (error: unknown) => void,
): Promise<void> {
  for (const change of changes) {
    await bus.publish(bindingEvent(change, clock())).catch((error: unknown) => onError?.(error));
  }
}

/**
 * Runs `work` as one mutation (retried as a whole, spec 3.5); binding changes it records are published
 * after the commit, after the resource events.
 */
export async function runSchedulingMutation<T>(
  deps: SchedulerDeps,
  work: (scope: WriteScope, changes: BindingChange[]) => Promise<T>,
): Promise<T> {
  const changes: BindingChange[] = [];
  const result = await runMutation(deps, async (scope) => {
    changes.length = 0;
    return work(scope, changes);
  });
  await publishBindings(deps.bus, deps.clock, changes);
  return result;
}
