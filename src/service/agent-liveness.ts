/**
 * Failover from dead DHCP agents (spec §4.13) and scheduling triggered by resource events (spec §4.11:
 * a new DHCP subnet or a new port on an unhosted network schedules it).
 *
 * Differences from Neutron, on purpose: an agent is dead once its heartbeat is older than
 * `agent_down_time` (Neutron waits 2×), and there is no start-up grace period; the first check runs one
 * interval after start (no random delay).
 *
 * @module
 */
import type { BusEvent } from '../bus/index.js';
import { agentsRepository, networksRepository, subnetsRepository } from '../db/index.js';
import { reserveDhcpPorts } from './agent-service.js';
import { formatTimestamp } from './clock.js';
import {
  DHCP_AGENT_TYPE,
  eligibleAgents,
  hasNetworkAccess,
  isAlive,
  runSchedulingMutation,
  type SchedulerDeps,
  scheduleNetwork,
} from './scheduler.js';
import { createTunnelPeerWatch } from './tunnel-peers.js';

/** What one liveness check did. */
export interface LivenessReport {
  /** Bindings of dead agents removed. */
  readonly moved: number;
  /** True when no DHCP agent was alive, so nothing was touched. */
  readonly skipped: boolean;
}

/**
 * Moves the networks of dead agents: binding deleted, the dead agent's DHCP port reserved (keeps its
 * IP), the network rescheduled to live agents (if `network_auto_schedule`), `unbound`/`bound`
 * published. Does nothing when no DHCP agent is alive (a control-plane outage must not empty everything).
 */
export async function moveNetworksOfDeadAgents(deps: SchedulerDeps): Promise<LivenessReport> {
  const { config, database, clock } = deps;
  const now = clock();
  const alive = await eligibleAgents(database.db, config, now, new Set());
  if (alive.length === 0) return { moved: 0, skipped: true };
  // Whole-second timestamps: dead ⇔ heartbeat ≤ now − agent_down_time, truncated to the second.
  const cutoff = formatTimestamp(new Date(now.getTime() - config.agentDownTime * 1000));
  const stale = await agentsRepository.bindingsOfAgentsSilentSince(database.db, cutoff);
  let moved = 0;
  for (const binding of stale) {
    const done = await runSchedulingMutation(deps, async (scope, changes) => {
      try {
        await scope.lockNetwork(binding.networkId);
      } catch {
        return false; // network deleted meanwhile (its bindings went with it)
      }
      const agent = await agentsRepository.get(scope.tx, binding.agentId);
      if (!agent || agent.agentType !== DHCP_AGENT_TYPE) return false;
      if (agent.heartbeatTimestamp > cutoff) return false; // reported meanwhile
      if (!(await agentsRepository.deleteBinding(scope.tx, binding.networkId, binding.agentId))) return false;
      await reserveDhcpPorts(scope, deps, binding.networkId, agent.host);
      changes.push({ host: agent.host, networkId: binding.networkId, action: 'unbound' });
      if (config.networkAutoSchedule) {
        changes.push(...(await scheduleNetwork(scope.tx, config, clock(), binding.networkId)));
      }
      return true;
    });
    if (done) moved++;
  }
  return { moved, skipped: false };
}

/**
 * The periodic check of the control plane: moves the networks of dead agents, then (when any agent is
 * alive) re-announces vxlan networks if the set of live tunnel IPs changed (tunnel-peers.ts), so agents
 * drop a dead host's flooding entry and add a new host's within one interval.
 */
export function createLivenessCheck(deps: SchedulerDeps): () => Promise<LivenessReport> {
  const peers = createTunnelPeerWatch(deps);
  return async () => {
    const report = await moveNetworksOfDeadAgents(deps);
    if (!report.skipped) await peers.check();
    return report;
  };
}

/** The check interval: `agent_check_interval`, or Neutron's `max(agent_down_time / 2, 1)` seconds. */
export function livenessIntervalMs(config: SchedulerDeps['config']): number {
  const seconds =
    config.agentCheckInterval > 0
      ? config.agentCheckInterval
      : Math.max(Math.floor(config.agentDownTime / 2), 1);
  return seconds * 1000;
}

/** A running periodic task. */
export interface PeriodicTask {
  /** Stops it and waits for a run in progress. */
  stop(): Promise<void>;
}

/** Runs `run` every `intervalMs` (never overlapping); failures go to `onError`, the task keeps going. */
export function startPeriodic(
  run: () => Promise<unknown>,
  intervalMs: number,
  onError: (error: unknown) => void,
): PeriodicTask {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const schedule = () => {
    timer = setTimeout(() => {
      current = run()
        .then(() => undefined)
        .catch(onError)
        .finally(() => {
          if (!stopped) schedule();
        });
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}

/**
 * Whether a resource event may need the network scheduled (spec §4.11): a subnet with DHCP enabled was
 * created or updated, or a port other than a reserved DHCP port was created.
 */
export function schedulingTrigger(event: BusEvent): string | undefined {
  if (event.schema !== 'qdhcp.resource-event' || event.action === 'deleted') return undefined;
  if (event.resource === 'subnet' && event.state['enable_dhcp'] === true) return event.networkId;
  if (
    event.resource === 'port' &&
    event.action === 'created' &&
    event.state['device_owner'] !== 'network:dhcp'
  )
    return event.networkId;
  return undefined;
}

/**
 * Schedules the network if it has a DHCP-enabled subnet and fewer agents than wanted. Cheap reads
 * first, so the common case (already hosted) costs no write transaction.
 */
export async function scheduleIfNeeded(deps: SchedulerDeps, networkId: string): Promise<void> {
  const { database, config } = deps;
  const bindings = await agentsRepository.bindingsOfNetwork(database.db, networkId);
  if (bindings.filter((b) => !b.draining).length >= config.dhcpAgentsPerNetwork) return;
  const subnets = await subnetsRepository.listByNetwork(database.db, networkId);
  if (!subnets.some((s) => s.enableDhcp)) return;
  // No usable agent (e.g. none deployed yet, or none with the physnet): no write transaction on every
  // port create.
  const hosting = new Set(bindings.map((b) => b.agentId));
  const now = deps.clock();
  const usable = (
    await agentsRepository.list(database.db, { agent_type: [DHCP_AGENT_TYPE], admin_state_up: [true] })
  ).filter((a) => !hosting.has(a.id) && isAlive(a, now, config.agentDownTime));
  if (usable.length === 0) return;
  const network = await networksRepository.get(database.db, networkId);
  if (!network || !usable.some((a) => hasNetworkAccess(a, network))) return;
  await runSchedulingMutation(deps, async (scope, changes) => {
    try {
      await scope.lockNetwork(networkId);
    } catch {
      return;
    }
    changes.push(...(await scheduleNetwork(scope.tx, config, deps.clock(), networkId)));
  });
}
