/**
 * The agent as the agents API shows it (Neutron's `agent` extension, transcript 14): timestamps as
 * `YYYY-MM-DD HH:MM:SS`, `alive` computed from the heartbeat at read time.
 *
 * @module
 */
import { type Static, Type } from '@sinclair/typebox';
import type { AgentRecord } from '../db/index.js';
import { isAlive } from './scheduler.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

/** One agent in API form: the agent resource's one definition (also the API's response schema). */
export const AgentView = Type.Object({
  id: Type.String(),
  agent_type: Type.String(),
  binary: Type.String(),
  topic: Type.String(),
  host: Type.String(),
  admin_state_up: Type.Boolean(),
  created_at: Type.String(),
  started_at: Type.String(),
  heartbeat_timestamp: Type.String(),
  description: Nullable(Type.String()),
  resources_synced: Type.Null(),
  availability_zone: Nullable(Type.String()),
  alive: Type.Boolean(),
  configurations: Type.Record(Type.String(), Type.Unknown()),
  resource_versions: Type.Record(Type.String(), Type.Never()),
});
export type AgentView = Static<typeof AgentView>;

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
