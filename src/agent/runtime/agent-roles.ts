/**
 * `agent_roles`: what an agent does on its host (issues 13 and 14). Each role reports as its Neutron agent
 * type under the same host; all of them by default, and in all-in-one.
 *
 * @module
 */
import { configInvalid as invalid, type OptionSpec } from '../../common/config-options.js';

export const AGENT_ROLES = ['dhcp', 'l3', 'l2'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export const AGENT_ROLES_OPTION: OptionSpec = {
  key: 'agent_roles',
  sections: ['DEFAULT'],
  flag: '--roles',
  kind: 'list',
  default: AGENT_ROLES.join(','),
  help: 'what this agent does on its host: dhcp (DHCP, DNS, metadata), l3 (routers, floating IPs), l2 (wire and protect instance taps); each reports as its Neutron agent type',
};

function isAgentRole(text: string): text is AgentRole {
  return (AGENT_ROLES as readonly string[]).includes(text);
}

/** The roles of `value` (comma-separated); `where` names the setting in errors. Never empty. */
export function parseAgentRoles(value: string, where: string): ReadonlySet<AgentRole> {
  const roles = new Set<AgentRole>();
  for (const entry of value.split(',')) {
    const role = entry.trim();
    if (role === '') continue;
    if (!isAgentRole(role)) throw invalid(`${where}: "${role}" is not a role (${AGENT_ROLES.join(', ')})`);
    roles.add(role);
  }
  if (roles.size === 0) throw invalid(`${where}: at least one role is needed`);
  return roles;
}
