/**
 * The server side of the security group contract (`bus/security-group-rpc.ts`, issue 14): what an agent
 * enforcing groups on its host needs for its ports (Neutron's `security_group_info_for_devices`), read in
 * one go, and the bus serving of that contract with its params checked at the edge.
 *
 * @module
 */
import { Value } from '@sinclair/typebox/value';
import type { Bus, Unsubscribe } from '../bus/index.js';
import {
  type AgentSecurityGroup,
  SECURITY_GROUP_METHODS,
  type SecurityGroupMethod,
  type SecurityGroupParams,
  type SecurityGroupResult,
} from '../bus/security-group-rpc.js';
import { QdhcpError } from '../common/errors.js';
import {
  type Database,
  portsRepository,
  securityGroupRulesRepository,
  securityGroupsRepository,
} from '../db/index.js';
import { memberAddresses } from './port-security-groups.js';
import { agentRuleView } from './security-group-views.js';

/** `securitygroups.info`: the ports' groups, those groups' rules, and the members of remote groups. */
export async function securityGroupInfo(
  database: Database,
  params: SecurityGroupParams<'securitygroups.info'>,
): Promise<SecurityGroupResult<'securitygroups.info'>> {
  const db = database.db;
  const ports =
    params.portIds.length === 0 ? [] : await portsRepository.list(db, { equals: { id: params.portIds } });
  const groupIds = [...new Set(ports.flatMap((p) => p.securityGroups))];
  // Revisions are read before what they version, so what is returned is at least that new: a change the
  // agent then applies on top of the revision is already in it, and applying it again changes nothing.
  const groups = await securityGroupsRepository.getMany(db, groupIds);
  const rules = await securityGroupRulesRepository.ofGroups(db, groupIds);
  const securityGroups: AgentSecurityGroup[] = groups.map((group) => ({
    id: group.id,
    stateful: group.stateful,
    rules: (rules.get(group.id) ?? []).map(agentRuleView),
    revision_number: group.revisionNumber,
  }));
  const remoteIds = [
    ...new Set(securityGroups.flatMap((g) => g.rules.flatMap((r) => r.remote_group_id ?? []))),
  ];
  const revisions = await securityGroupsRepository.membersRevisions(db, remoteIds);
  // Members the agent already holds at their revision are not read nor sent again (a tap wired at 1,000
  // ports would otherwise carry the default group's 1,000 members each time).
  const known = params.knownMembers ?? {};
  const sent = remoteIds.filter((id) => known[id] === undefined || known[id] !== revisions.get(id));
  const memberPorts = await securityGroupsRepository.portsOfGroups(db, sent);
  const allMembers = [...new Set([...memberPorts.values()].flat())];
  const memberRecords =
    allMembers.length === 0 ? [] : await portsRepository.list(db, { equals: { id: allMembers } });
  const addressesOf = new Map(memberRecords.map((p) => [p.id, memberAddresses(p)]));
  const members: SecurityGroupResult<'securitygroups.info'>['members'] = {};
  const byPort: NonNullable<SecurityGroupResult<'securitygroups.info'>['memberPorts']> = {};
  for (const id of sent) {
    const portIds = (memberPorts.get(id) ?? []).filter((port) => addressesOf.has(port));
    const addresses = portIds.flatMap((port) => addressesOf.get(port) ?? []);
    members[id] = {
      IPv4: addresses.filter((a) => !a.includes(':')),
      IPv6: addresses.filter((a) => a.includes(':')),
    };
    byPort[id] = {
      revision: revisions.get(id) ?? 0,
      ports: Object.fromEntries(portIds.map((port) => [port, addressesOf.get(port) ?? []])),
    };
  }
  return {
    ports: ports.map((p) => ({
      id: p.id,
      port_security_enabled: p.portSecurityEnabled,
      security_groups: [...p.securityGroups],
      fixed_ips: p.fixedIps.map((ip) => ip.ipAddress),
    })),
    securityGroups,
    members,
    memberPorts: byPort,
  };
}

/** Serves the security group contract; returns the unsubscribe functions. */
export function serveSecurityGroupContract(bus: Bus, database: Database): Unsubscribe[] {
  const handlers: {
    readonly [M in SecurityGroupMethod]: (params: SecurityGroupParams<M>) => Promise<SecurityGroupResult<M>>;
  } = { 'securitygroups.info': (params) => securityGroupInfo(database, params) };
  return (Object.keys(SECURITY_GROUP_METHODS) as SecurityGroupMethod[]).map((method) =>
    bus.serve(method, async (params) => {
      const schema = SECURITY_GROUP_METHODS[method].params;
      if (!Value.Check(schema, params)) {
        const first = Value.Errors(schema, params).First();
        throw new QdhcpError('AGENT_REQUEST_INVALID', {
          method,
          reason: `params do not match the contract at ${first?.path || '/'}: ${first?.message ?? '?'}`,
        });
      }
      return handlers[method](params);
    }),
  );
}
