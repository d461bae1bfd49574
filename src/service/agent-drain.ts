/**
 * Admin-down is a drain, not a teardown (issue 17). When an agent is set `admin_state_up=false` it gets
 * nothing new (the scheduler's candidates are admin-up agents), and each of its networks is scheduled to
 * another live agent while its own binding stays, marked `draining`: it keeps serving, and
 * `dhcp.get_active_networks` keeps returning the network to it. The binding goes (and the agent is told
 * `unbound`, so it tears the network down) only when another agent reports with `dhcp.networks_served`
 * that it answers for the network. With no other agent the binding simply stays draining: the network
 * keeps its DHCP; an agent that appears later takes it through auto-scheduling (draining bindings do not
 * count towards `dhcp_agents_per_network`) and ends the drain with its report.
 *
 * Neutron only reschedules; why qdhcp drains: docs/neutron-behaviour.md.
 *
 * @module
 */
import type { MethodParams, MethodResult } from '../bus/dhcp-agent-rpc.js';
import { type AgentRecord, agentsRepository } from '../db/index.js';
import { formatTimestamp } from './clock.js';
import {
  type BindingChange,
  DHCP_AGENT_TYPE,
  runSchedulingMutation,
  type SchedulerDeps,
  scheduleNetwork,
} from './scheduler.js';
import type { WriteScope } from './unit-of-work.js';

/**
 * Starts the drain of an agent just set admin-down, inside the caller's transaction: its bindings are
 * marked draining; a network another agent already serves is released at once, the others are scheduled
 * to other agents (if any can take them).
 */
export async function startDrain(
  scope: WriteScope,
  deps: SchedulerDeps,
  agent: AgentRecord,
  changes: BindingChange[],
): Promise<void> {
  if (agent.agentType !== DHCP_AGENT_TYPE) return;
  await agentsRepository.setDraining(scope.tx, agent.id, true);
  for (const networkId of await agentsRepository.networkIdsOfAgent(scope.tx, agent.id)) {
    try {
      await scope.lockNetwork(networkId);
    } catch {
      continue; // deleted meanwhile: the binding went with it
    }
    const bindings = await agentsRepository.bindingsOfNetwork(scope.tx, networkId);
    const servedElsewhere = bindings.some((b) => !b.draining && b.servedAt !== null);
    if (servedElsewhere) {
      await agentsRepository.deleteBinding(scope.tx, networkId, agent.id);
      changes.push({ host: agent.host, networkId, action: 'unbound' });
      continue;
    }
    changes.push(...(await scheduleNetwork(scope.tx, deps.config, deps.clock(), networkId)));
  }
}

/** Ends the drain of an agent set admin-up again: its remaining bindings are ordinary ones. */
export async function cancelDrain(scope: WriteScope, agent: AgentRecord): Promise<void> {
  await agentsRepository.setDraining(scope.tx, agent.id, false);
}

/**
 * `dhcp.networks_served`: records that the agent serves the networks and, when it is admin-up, removes
 * the draining bindings of other agents on them (announced `unbound`, so those agents tear down).
 * An admin-down agent's report relieves nobody.
 */
export async function networksServed(
  deps: SchedulerDeps,
  params: MethodParams<'dhcp.networks_served'>,
): Promise<MethodResult<'dhcp.networks_served'>> {
  const { database, clock } = deps;
  const agent = await agentsRepository.getByTypeAndHost(database.db, DHCP_AGENT_TYPE, params.host);
  if (!agent || params.networkIds.length === 0) return {};
  await runSchedulingMutation(deps, async (scope, changes) => {
    await agentsRepository.markServed(scope.tx, agent.id, params.networkIds, formatTimestamp(clock()));
    if (!agent.adminStateUp) return;
    const draining = await agentsRepository.drainingBindingsOf(scope.tx, params.networkIds);
    if (draining.length === 0) return;
    const hosts = new Map(
      (
        await agentsRepository.listByIds(
          scope.tx,
          draining.map((b) => b.agentId),
        )
      ).map((a) => [a.id, a.host]),
    );
    for (const binding of draining) {
      if (binding.agentId === agent.id) continue;
      const mine = (await agentsRepository.bindingsOfNetwork(scope.tx, binding.networkId)).some(
        (b) => b.agentId === agent.id && !b.draining,
      );
      if (!mine) continue; // not bound to the reporter: a late report from before an unbind
      await agentsRepository.deleteBinding(scope.tx, binding.networkId, binding.agentId);
      changes.push({
        host: hosts.get(binding.agentId) ?? '',
        networkId: binding.networkId,
        action: 'unbound',
      });
    }
  });
  return {};
}
