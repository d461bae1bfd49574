/**
 * Agents: heartbeats (`agent.report_state`, spec §4.9) and the admin API of the `agent` and
 * `dhcp_agent_scheduler` extensions (spec §1.10): list/show/update/delete agents, the networks an agent
 * hosts, manual binding and unbinding, the agents hosting a network.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { MethodParams, MethodResult } from '../bus/dhcp-agent-rpc.js';
import { QdhcpError } from '../common/errors.js';
import {
  type AgentRecord,
  agentsRepository,
  type EqualsFilter,
  networksRepository,
  type PortRecord,
  portsRepository,
  type Queryable,
  subnetsRepository,
} from '../db/index.js';
import { cancelDrain, startDrain } from './agent-drain.js';
import { type AgentView, agentView } from './agent-views.js';
import { formatTimestamp } from './clock.js';
import type { RequestContext } from './context.js';
import { forbidden } from './policy.js';
import {
  type BindingChange,
  DHCP_AGENT_TYPE,
  freeIndexes,
  isAlive,
  runSchedulingMutation,
  type SchedulerDeps,
} from './scheduler.js';
import type { WriteScope } from './unit-of-work.js';
import { type NetworkView, networkView, portView } from './views.js';

/** The device id of a DHCP port no agent owns, kept with its IPs for the next agent (spec §4.13). */
export const RESERVED_DHCP_PORT = 'reserved_dhcp_port';

/** What the agents API may change. */
export interface AgentUpdate {
  readonly admin_state_up?: boolean;
  readonly description?: string | null;
}

function requireAdmin(context: RequestContext, action: string): void {
  if (!context.isAdmin) throw forbidden(action);
}

/**
 * Agents are admin-only (`get_agent`), and Neutron's policy hooks hide what a caller may not see rather
 * than refuse it: a list is filtered (a member gets `[]`), a show, update or delete of an agent that
 * exists is 404 HTTPNotFound "The resource could not be found." (neutron/pecan_wsgi/hooks/
 * policy_enforcement.py), and one that does not exist is AgentNotFound as for an admin.
 */
function hiddenFromNonAdmin(context: RequestContext): void {
  if (!context.isAdmin) throw new QdhcpError('RESOURCE_NOT_FOUND');
}

/**
 * Turns the DHCP ports of `host` on the network into reserved ports (same IPs, `device_id`
 * `reserved_dhcp_port`) so that the agent taking over adopts them (spec §1.10, §4.13).
 */
export async function reserveDhcpPorts(
  scope: WriteScope,
  deps: SchedulerDeps,
  networkId: string,
  host: string,
): Promise<void> {
  const ports = await portsRepository.list(scope.tx, {
    equals: { network_id: [networkId], device_owner: ['network:dhcp'], 'binding:host_id': [host] },
  });
  for (const port of ports) {
    if (port.deviceId === RESERVED_DHCP_PORT) continue;
    const reserved: PortRecord = {
      ...port,
      deviceId: RESERVED_DHCP_PORT,
      updatedAt: formatTimestamp(deps.clock()),
      revisionNumber: port.revisionNumber + 1,
    };
    await portsRepository.update(scope.tx, reserved);
    await scope.emit('port', 'updated', port.id, networkId, portView(reserved, deps.config.dnsDomain, true));
  }
}

/** Agent use-cases. */
export function createAgentService(deps: SchedulerDeps) {
  const { database, config, clock } = deps;
  const view = (agent: AgentRecord) => agentView(agent, clock(), config.agentDownTime);

  async function existing(db: Queryable, id: string): Promise<AgentRecord> {
    const agent = await agentsRepository.get(db, id);
    if (!agent) throw new QdhcpError('AGENT_NOT_FOUND', { id });
    return agent;
  }

  async function networkViews(db: Queryable, ids: readonly string[]): Promise<NetworkView[]> {
    const subnetIds = await subnetsRepository.idsByNetwork(db, ids);
    const views: NetworkView[] = [];
    for (const id of ids) {
      const network = await networksRepository.get(db, id);
      if (network) views.push(networkView(network, subnetIds.get(id) ?? [], true));
    }
    return views;
  }

  return {
    /** A heartbeat: creates or refreshes the agent row and says whether the agent is new or revived. */
    async reportState(
      params: MethodParams<'agent.report_state'>,
    ): Promise<MethodResult<'agent.report_state'>> {
      return runSchedulingMutation(deps, async (scope) => {
        const now = clock();
        const stamp = formatTimestamp(now);
        const reported = params.configurations;
        const configurations: Record<string, unknown> = {
          dhcp_driver: reported.driver,
          dhcp_lease_duration: config.dhcpLeaseDuration,
          networks: reported.networks,
          subnets: reported.subnets,
          ports: reported.ports,
          physical_networks: reported.physicalNetworks,
          ...(reported.tunnelIp !== undefined && { tunnel_ip: reported.tunnelIp }),
        };
        const load = reported[config.dhcpLoadType];
        const before = await agentsRepository.getByTypeAndHost(scope.tx, params.agentType, params.host);
        if (!before) {
          const agent: AgentRecord = {
            id: randomUUID(),
            agentType: params.agentType,
            binary: params.binary,
            host: params.host,
            topic: 'dhcp_agent',
            availabilityZone: params.availabilityZone,
            adminStateUp: true,
            configurations,
            load,
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
          binary: params.binary,
          availabilityZone: params.availabilityZone,
          configurations,
          load,
          heartbeatTimestamp: stamp,
          ...(params.startFlag && { startedAt: stamp }),
        });
        return { agentId: before.id, status: wasAlive ? ('alive' as const) : ('revived' as const) };
      });
    },

    async list(context: RequestContext, equals: EqualsFilter = {}): Promise<AgentView[]> {
      if (!context.isAdmin) return [];
      return (await agentsRepository.list(database.db, equals)).map(view);
    },

    async get(context: RequestContext, id: string): Promise<AgentView> {
      const agent = await existing(database.db, id);
      hiddenFromNonAdmin(context);
      return view(agent);
    },

    /** Admin-down starts a drain of the agent's networks, admin-up ends it (src/service/agent-drain.ts). */
    async update(context: RequestContext, id: string, input: AgentUpdate): Promise<AgentView> {
      return runSchedulingMutation(deps, async (scope, changes) => {
        const agent = await existing(scope.tx, id);
        hiddenFromNonAdmin(context);
        const updated: AgentRecord = {
          ...agent,
          ...(input.admin_state_up !== undefined && { adminStateUp: input.admin_state_up }),
          ...(input.description !== undefined && { description: input.description }),
        };
        await agentsRepository.update(scope.tx, updated);
        if (agent.adminStateUp && !updated.adminStateUp) await startDrain(scope, deps, updated, changes);
        if (!agent.adminStateUp && updated.adminStateUp) await cancelDrain(scope, updated);
        return view(updated);
      });
    },

    /** Deletes the agent; its networks are unbound (and announced) like a manual unbind. */
    async delete(context: RequestContext, id: string): Promise<void> {
      await runSchedulingMutation(deps, async (scope, changes) => {
        const agent = await existing(scope.tx, id);
        hiddenFromNonAdmin(context);
        for (const networkId of await agentsRepository.networkIdsOfAgent(scope.tx, id)) {
          changes.push({ host: agent.host, networkId, action: 'unbound' });
        }
        await agentsRepository.delete(scope.tx, id);
      });
    },

    /** `GET /v2.0/agents/{id}/dhcp-networks`. */
    async networksOfAgent(context: RequestContext, id: string): Promise<NetworkView[]> {
      requireAdmin(context, 'get_dhcp-networks');
      await existing(database.db, id);
      return networkViews(database.db, await agentsRepository.networkIdsOfAgent(database.db, id));
    },

    /** `GET /v2.0/networks/{id}/dhcp-agents`. */
    async agentsOfNetwork(context: RequestContext, networkId: string): Promise<AgentView[]> {
      requireAdmin(context, 'get_dhcp-agents');
      if (!(await networksRepository.get(database.db, networkId))) {
        throw new QdhcpError('NETWORK_NOT_FOUND', { net_id: networkId });
      }
      const bindings = await agentsRepository.bindingsOfNetwork(database.db, networkId);
      const agents = await agentsRepository.listByIds(
        database.db,
        bindings.map((b) => b.agentId),
      );
      return agents.map(view);
    },

    /** Manual (forced) binding: may exceed `dhcp_agents_per_network` (spec §1.10). */
    async bindNetwork(context: RequestContext, agentId: string, networkId: string): Promise<void> {
      requireAdmin(context, 'create_dhcp-network');
      await runSchedulingMutation(deps, async (scope, changes) => {
        const agent = await existing(scope.tx, agentId);
        if (agent.agentType !== DHCP_AGENT_TYPE || !agent.adminStateUp) {
          throw new QdhcpError('INVALID_DHCP_AGENT', { id: agentId });
        }
        await scope.lockNetwork(networkId);
        const bindings = await agentsRepository.bindingsOfNetwork(scope.tx, networkId);
        if (bindings.some((b) => b.agentId === agentId)) {
          throw new QdhcpError('NETWORK_HOSTED_BY_DHCP_AGENT', { network_id: networkId, agent_id: agentId });
        }
        const [index] = freeIndexes(
          bindings.map((b) => b.bindingIndex),
          1,
        );
        await agentsRepository.insertBinding(scope.tx, { networkId, agentId, bindingIndex: index! });
        changes.push({ host: agent.host, networkId, action: 'bound' } satisfies BindingChange);
      });
    },

    /** Manual unbinding; the agent's DHCP port stays, reserved for the next agent (spec §1.10). */
    async unbindNetwork(context: RequestContext, agentId: string, networkId: string): Promise<void> {
      requireAdmin(context, 'delete_dhcp-network');
      await runSchedulingMutation(deps, async (scope, changes) => {
        const agent = await existing(scope.tx, agentId);
        const notHosted = new QdhcpError('NETWORK_NOT_HOSTED_BY_DHCP_AGENT', {
          network_id: networkId,
          agent_id: agentId,
        });
        await scope.lockNetwork(networkId).catch(() => {
          throw notHosted;
        });
        if (!(await agentsRepository.deleteBinding(scope.tx, networkId, agentId))) throw notHosted;
        await reserveDhcpPorts(scope, deps, networkId, agent.host);
        changes.push({ host: agent.host, networkId, action: 'unbound' });
      });
    },
  };
}

/** The agent use-cases, as built by {@link createAgentService}. */
export type AgentService = ReturnType<typeof createAgentService>;
