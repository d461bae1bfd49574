/**
 * Router scheduling (issue 13; Neutron's `l3_agent_scheduler` with its LeastRoutersScheduler): a router
 * with an interface or a gateway is hosted by one live, admin-up L3 agent, the one with the fewest
 * routers; a dead agent's routers move to a live one (same liveness as networks, spec §4.13). Every change
 * the L3 agent must apply raises the router's L3 revision (`router_l3_agent_bindings.revision`) and, once
 * committed, sends a `qdhcp.router-event` to the router's host (`bus/l3-agent-rpc.ts`).
 *
 * @module
 */
import type { RouterEventV1, RouterFloatingIpChange } from '../bus/l3-agent-rpc.js';
import type { ServerConfig } from '../common/config.js';
import {
  type AgentRecord,
  agentsRepository,
  portsRepository,
  type Queryable,
  routerL3Repository,
  routersRepository,
} from '../db/index.js';
import { DEVICE_OWNER_ROUTER_INTERFACE } from '../ipam/index.js';
import { formatTimestamp } from './clock.js';
import { isAlive, pickAgents } from './scheduler.js';
import { runMutation, type UnitOfWorkDeps, type WriteScope } from './unit-of-work.js';

/** Neutron's `constants.AGENT_TYPE_L3`. */
export const L3_AGENT_TYPE = 'L3 agent';

/** What router scheduling needs: the unit of work and the server's liveness settings. */
export interface RouterSchedulerDeps extends UnitOfWorkDeps {
  readonly config: ServerConfig;
}

/** A router event to publish once the transaction that caused it has committed. */
export interface RouterNotice {
  readonly host: string;
  readonly routerId: string;
  readonly action: RouterEventV1['action'];
  readonly revision: number;
  readonly floatingIps?: RouterFloatingIpChange;
}

/** True when the router has something to serve: a gateway or at least one interface. */
export async function routerNeedsHost(db: Queryable, routerId: string): Promise<boolean> {
  const router = await routersRepository.get(db, routerId);
  if (!router) return false;
  if (router.gatewayNetworkId !== null) return true;
  const ports = await portsRepository.list(db, {
    equals: { device_id: [routerId], device_owner: [DEVICE_OWNER_ROUTER_INTERFACE] },
  });
  return ports.length > 0;
}

/** Alive, admin-up L3 agents (not in `exclude`) with their router counts, lightest first by `pickAgents`. */
export async function eligibleL3Agents(
  db: Queryable,
  config: ServerConfig,
  now: Date,
  exclude: ReadonlySet<string> = new Set(),
): Promise<AgentRecord[]> {
  const agents = await agentsRepository.list(db, { agent_type: [L3_AGENT_TYPE], admin_state_up: [true] });
  return agents.filter((a) => !exclude.has(a.id) && isAlive(a, now, config.agentDownTime));
}

/** The least loaded of `agents` (by routers hosted now, ties by id), or undefined when there is none. */
export async function leastLoaded(
  db: Queryable,
  agents: readonly AgentRecord[],
): Promise<AgentRecord | undefined> {
  const counts = await routerL3Repository.routerCounts(db);
  const [chosen] = pickAgents(
    agents.map((a) => ({ id: a.id, load: counts.get(a.id) ?? 0 })),
    1,
  );
  return agents.find((a) => a.id === chosen);
}

async function hostOf(db: Queryable, agentId: string | null): Promise<string | undefined> {
  if (agentId === null) return undefined;
  return (await agentsRepository.get(db, agentId))?.host;
}

/** The event of one notice (contract `qdhcp.router-event` v1). */
export function routerEvent(notice: RouterNotice, now: Date): RouterEventV1 {
  return { schema: 'qdhcp.router-event', version: 1, ...notice, occurredAt: now.toISOString() };
}

/** Publishes `notices` after the commit; a transport failure is logged by the caller, never thrown. */
function publishAfterCommit(scope: WriteScope, deps: RouterSchedulerDeps, notices: readonly RouterNotice[]) {
  if (notices.length === 0) return;
  scope.afterCommit(() => {
    for (const notice of notices) {
      // A lost event is recovered by the agent's periodic or reconnect resync (l3.sync_routers).
      void deps.bus.publish(routerEvent(notice, deps.clock())).catch(() => undefined);
    }
  });
}

/**
 * Moves (or first binds) the router to `agent` inside the caller's transaction: a new revision, the
 * binding, `unbound` to the old host and `updated` to the new one after the commit.
 */
export async function bindRouterTo(
  scope: WriteScope,
  deps: RouterSchedulerDeps,
  routerId: string,
  agent: AgentRecord | null,
): Promise<void> {
  const before = await routerL3Repository.get(scope.tx, routerId);
  const oldHost = await hostOf(scope.tx, before?.agentId ?? null);
  const row = await routerL3Repository.bumpRevision(scope.tx, routerId);
  await routerL3Repository.setAgent(scope.tx, routerId, agent?.id ?? null);
  const notices: RouterNotice[] = [];
  if (oldHost !== undefined && oldHost !== agent?.host)
    notices.push({ host: oldHost, routerId, action: 'unbound', revision: row.revision });
  if (agent !== null) notices.push({ host: agent.host, routerId, action: 'updated', revision: row.revision });
  publishAfterCommit(scope, deps, notices);
}

/**
 * The router changed in a way its L3 agent must apply (created, updated, interface added/removed,
 * floating IP changed): raises its L3 revision; schedules it when it has something to serve and no
 * agent yet; tells its host after the commit. Runs inside the caller's transaction. `floatingIps`: the
 * change was that alone (floating-ip-service.ts), and the event carries it from the revision before.
 */
export async function routerChanged(
  scope: WriteScope,
  deps: RouterSchedulerDeps,
  routerId: string,
  floatingIps?: Omit<RouterFloatingIpChange, 'baseRevision'>,
): Promise<void> {
  const current = await routerL3Repository.get(scope.tx, routerId);
  if (current?.agentId == null && (await routerNeedsHost(scope.tx, routerId))) {
    const agent = await leastLoaded(scope.tx, await eligibleL3Agents(scope.tx, deps.config, deps.clock()));
    if (agent !== undefined) return bindRouterTo(scope, deps, routerId, agent);
  }
  const row = await routerL3Repository.bumpRevision(scope.tx, routerId);
  const host = await hostOf(scope.tx, row.agentId);
  const change = floatingIps && { baseRevision: row.revision - 1, ...floatingIps };
  if (host !== undefined)
    publishAfterCommit(scope, deps, [
      { host, routerId, action: 'updated', revision: row.revision, ...(change && { floatingIps: change }) },
    ]);
}

/** The router is being deleted (call before its row goes): its host is told `unbound` after the commit. */
export async function routerDeleted(
  scope: WriteScope,
  deps: RouterSchedulerDeps,
  routerId: string,
): Promise<void> {
  const current = await routerL3Repository.get(scope.tx, routerId);
  const host = await hostOf(scope.tx, current?.agentId ?? null);
  if (current === undefined || host === undefined) return;
  publishAfterCommit(scope, deps, [{ host, routerId, action: 'unbound', revision: current.revision + 1 }]);
}

/**
 * Schedules every router that needs a host and has none (an L3 agent appeared, or came back): Neutron's
 * `auto_schedule_routers` on the agent's sync. Returns how many were bound.
 */
export async function scheduleUnscheduledRouters(deps: RouterSchedulerDeps): Promise<number> {
  const { database, config, clock } = deps;
  if ((await eligibleL3Agents(database.db, config, clock())).length === 0) return 0;
  const candidates = new Set(await routerL3Repository.unscheduledRouterIds(database.db));
  // Routers that never changed since migration 0009 have no row yet: those with a gateway or interface.
  for (const router of await routersRepository.list(database.db, { equals: {} })) {
    if ((await routerL3Repository.get(database.db, router.id)) === undefined) candidates.add(router.id);
  }
  let bound = 0;
  for (const routerId of candidates) {
    const done = await runMutation(deps, async (scope) => {
      const row = await routerL3Repository.get(scope.tx, routerId);
      if (row?.agentId != null || !(await routerNeedsHost(scope.tx, routerId))) return false;
      const agent = await leastLoaded(scope.tx, await eligibleL3Agents(scope.tx, config, clock()));
      if (agent === undefined) return false;
      await bindRouterTo(scope, deps, routerId, agent);
      return true;
    });
    if (done) bound++;
  }
  return bound;
}

/**
 * Moves the routers of dead L3 agents to live ones (issue 13's failover; the networks' counterpart is
 * `moveNetworksOfDeadAgents`). Does nothing when no L3 agent is alive: a control-plane outage must not
 * unbind everything. Returns how many routers moved.
 */
export async function moveRoutersOfDeadAgents(deps: RouterSchedulerDeps): Promise<number> {
  const { config, database, clock } = deps;
  const now = clock();
  if ((await eligibleL3Agents(database.db, config, now)).length === 0) return 0;
  const cutoff = formatTimestamp(new Date(now.getTime() - config.agentDownTime * 1000));
  let moved = 0;
  for (const stale of await routerL3Repository.bindingsOfAgentsSilentSince(database.db, cutoff)) {
    const done = await runMutation(deps, async (scope) => {
      const row = await routerL3Repository.get(scope.tx, stale.routerId);
      if (row === undefined || row.agentId !== stale.agentId || row.agentId === null) return false;
      const agent = await agentsRepository.get(scope.tx, row.agentId);
      if (!agent || agent.heartbeatTimestamp > cutoff) return false; // reported meanwhile
      const target = await leastLoaded(
        scope.tx,
        await eligibleL3Agents(scope.tx, config, clock(), new Set([agent.id])),
      );
      if (target === undefined) return false;
      await bindRouterTo(scope, deps, stale.routerId, target);
      return true;
    });
    if (done) moved++;
  }
  return moved;
}
