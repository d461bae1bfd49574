/**
 * The agents of an agent's other roles and the `l3_agent_scheduler` extension (issue 13): role heartbeats
 * (`agent.report_role_state`, one Neutron agent per role under the host), `GET /v2.0/routers/{id}/l3-agents`,
 * `GET|POST /v2.0/agents/{id}/l3-routers` and `DELETE /v2.0/agents/{id}/l3-routers/{router_id}` with
 * Neutron's checks and errors (neutron/db/l3_agentschedulers_db.py). Scheduling itself is
 * `router-scheduler.ts`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { L3MethodParams, L3MethodResult } from '../bus/l3-agent-rpc.js';
import { QdhcpError } from '../common/errors.js';
import { type AgentRecord, agentsRepository, routerL3Repository, routersRepository } from '../db/index.js';
import { type AgentView, agentView } from './agent-views.js';
import { formatTimestamp } from './clock.js';
import type { RequestContext } from './context.js';
import { forbidden } from './policy.js';
import { bindRouterTo, L3_AGENT_TYPE, type RouterSchedulerDeps } from './router-scheduler.js';
import { routerNotFound, viewOf } from './router-service.js';
import { isAlive } from './scheduler.js';
import { runMutation } from './unit-of-work.js';
import type { RouterView } from './views.js';

/** Neutron's binary and topic of each role agent type (transcript 14 for the Linux bridge agent). */
const ROLE_AGENTS = {
  'L3 agent': { binary: 'neutron-l3-agent', topic: 'l3_agent' },
  'Linux bridge agent': { binary: 'neutron-linuxbridge-agent', topic: 'N/A' },
} as const;

function requireAdmin(context: RequestContext, action: string): void {
  if (!context.isAdmin) throw forbidden(action);
}

/** The role agents' use-cases. */
export function createL3AgentService(deps: RouterSchedulerDeps) {
  const { database, config, clock } = deps;
  const view = (agent: AgentRecord) => agentView(agent, clock(), config.agentDownTime);

  async function existingAgent(id: string): Promise<AgentRecord> {
    const agent = await agentsRepository.get(database.db, id);
    if (!agent) throw new QdhcpError('AGENT_NOT_FOUND', { id });
    return agent;
  }

  return {
    /** A role heartbeat: creates or refreshes the (type, host) row; says whether the agent is new or revived. */
    async reportRoleState(
      params: L3MethodParams<'agent.report_role_state'>,
    ): Promise<L3MethodResult<'agent.report_role_state'>> {
      return runMutation(deps, async (scope) => {
        const now = clock();
        const stamp = formatTimestamp(now);
        const { binary, topic } = ROLE_AGENTS[params.agentType];
        const before = await agentsRepository.getByTypeAndHost(scope.tx, params.agentType, params.host);
        if (!before) {
          const agent: AgentRecord = {
            id: randomUUID(),
            agentType: params.agentType,
            binary,
            host: params.host,
            topic,
            // Neutron's L3 agent has an availability zone, its Linux bridge agent none (transcript 14).
            availabilityZone: params.agentType === L3_AGENT_TYPE ? params.availabilityZone : null,
            adminStateUp: true,
            configurations: params.configurations,
            load: 0,
            createdAt: stamp,
            startedAt: stamp,
            heartbeatTimestamp: stamp,
            description: null,
          };
          await agentsRepository.insert(scope.tx, agent);
          return { agentId: agent.id, status: 'new' as const };
        }
        const wasAlive = isAlive(before, now, config.agentDownTime);
        await agentsRepository.update(scope.tx, {
          ...before,
          configurations: params.configurations,
          heartbeatTimestamp: stamp,
          ...(params.startFlag && { startedAt: stamp }),
        });
        return { agentId: before.id, status: wasAlive ? ('alive' as const) : ('revived' as const) };
      });
    },

    /** `GET /v2.0/routers/{id}/l3-agents`. */
    async agentsOfRouter(context: RequestContext, routerId: string): Promise<AgentView[]> {
      requireAdmin(context, 'get_l3-agents');
      if (!(await routersRepository.get(database.db, routerId))) throw routerNotFound(routerId);
      const row = await routerL3Repository.get(database.db, routerId);
      if (row?.agentId == null) return [];
      return (await agentsRepository.listByIds(database.db, [row.agentId])).map(view);
    },

    /** `GET /v2.0/agents/{id}/l3-routers`. */
    async routersOfAgent(context: RequestContext, agentId: string): Promise<RouterView[]> {
      requireAdmin(context, 'get_l3-routers');
      await existingAgent(agentId);
      const views: RouterView[] = [];
      for (const id of await routerL3Repository.routerIdsOfAgent(database.db, agentId)) {
        const router = await routersRepository.get(database.db, id);
        if (router) views.push(await viewOf(database.db, router));
      }
      return views;
    },

    /**
     * `POST /v2.0/agents/{id}/l3-routers`: the agent must be an admin-up L3 agent; a router already on
     * this agent is left as it is; one on another agent is a conflict (Neutron's non-HA routers).
     */
    async bindRouter(context: RequestContext, agentId: string, routerId: string): Promise<void> {
      requireAdmin(context, 'create_l3-router');
      await runMutation(deps, async (scope) => {
        const agent = await agentsRepository.get(scope.tx, agentId);
        if (!agent) throw new QdhcpError('AGENT_NOT_FOUND', { id: agentId });
        if (agent.agentType !== L3_AGENT_TYPE || !agent.adminStateUp)
          throw new QdhcpError('INVALID_L3_AGENT', { id: agentId });
        if (!(await routersRepository.get(scope.tx, routerId, database.kind === 'postgres')))
          throw routerNotFound(routerId);
        const row = await routerL3Repository.get(scope.tx, routerId);
        if (row?.agentId === agentId) return;
        if (row?.agentId != null)
          throw new QdhcpError('ROUTER_HOSTED_BY_L3_AGENT', { router_id: routerId, agent_id: row.agentId });
        await bindRouterTo(scope, deps, routerId, agent);
      });
    },

    /** `DELETE /v2.0/agents/{id}/l3-routers/{router_id}`: the router stays unscheduled until an agent syncs. */
    async unbindRouter(context: RequestContext, agentId: string, routerId: string): Promise<void> {
      requireAdmin(context, 'delete_l3-router');
      await runMutation(deps, async (scope) => {
        const agent = await agentsRepository.get(scope.tx, agentId);
        if (!agent) throw new QdhcpError('AGENT_NOT_FOUND', { id: agentId });
        const row = await routerL3Repository.get(scope.tx, routerId);
        if (row?.agentId !== agentId)
          throw new QdhcpError('ROUTER_NOT_HOSTED_BY_L3_AGENT', { router_id: routerId, agent_id: agentId });
        await bindRouterTo(scope, deps, routerId, null);
      });
    },
  };
}

/** The role agents' use-cases, as built by {@link createL3AgentService}. */
export type L3AgentService = ReturnType<typeof createL3AgentService>;
