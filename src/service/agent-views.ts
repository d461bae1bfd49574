/**
 * The agent as the agents API shows it (Neutron's `agent` extension, transcript 14): timestamps as
 * `YYYY-MM-DD HH:MM:SS`, `alive` computed from the heartbeat at read time.
 *
 * @module
 */
import type { AgentRecord } from '../db/index.js';
import { isAlive } from './scheduler.js';

/** One agent in API form. */
export interface AgentView {
  readonly id: string;
  readonly agent_type: string;
  readonly binary: string;
  readonly topic: string;
  readonly host: string;
  readonly admin_state_up: boolean;
  readonly created_at: string;
  readonly started_at: string;
  readonly heartbeat_timestamp: string;
  readonly description: string | null;
  readonly resources_synced: null;
  readonly availability_zone: string | null;
  readonly alive: boolean;
  readonly configurations: Record<string, unknown>;
  readonly resource_versions: Record<string, never>;
}

/** `2026-11-22T10:12:36Z` → `2026-11-22 10:12:36` (the agents API's format). */
function agentTime(stored: string): string {
  return stored.replace('T', ' ').replace(/Z$/, '');
}

/** The API view of `agent` at `now`. */
export function agentView(agent: AgentRecord, now: Date, agentDownTime: number): AgentView {
  return {
    id: agent.id,
    agent_type: agent.agentType,
    binary: agent.binary,
    topic: agent.topic,
    host: agent.host,
    admin_state_up: agent.adminStateUp,
    created_at: agentTime(agent.createdAt),
    started_at: agentTime(agent.startedAt),
    heartbeat_timestamp: agentTime(agent.heartbeatTimestamp),
    description: agent.description,
    resources_synced: null,
    availability_zone: agent.availabilityZone,
    alive: isAlive(agent, now, agentDownTime),
    configurations: agent.configurations,
    resource_versions: {},
  };
}
