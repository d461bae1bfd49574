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
import { securityGroupRuleView } from './security-group-views.js';

/** `securitygroups.info`: the ports' groups, those groups' rules, and the members of remote groups. */
export async function securityGroupInfo(
  database: Database,
  params: SecurityGroupParams<'securitygroups.info'>,
): Promise<SecurityGroupResult<'securitygroups.info'>> {
  const db = database.db;
  const ports =
    params.portIds.length === 0 ? [] : await portsRepository.list(db, { equals: { id: params.portIds } });
  const groupIds = [...new Set(ports.flatMap((p) => p.securityGroups))];
  const groups = await securityGroupsRepository.getMany(db, groupIds);
  const rules = await securityGroupRulesRepository.ofGroups(db, groupIds);
  const securityGroups: AgentSecurityGroup[] = groups.map((group) => ({
    id: group.id,
    stateful: group.stateful,
    rules: (rules.get(group.id) ?? []).map((rule) => {
      const view = securityGroupRuleView(rule);
      return {
        id: view.id,
        security_group_id: view.security_group_id,
        direction: view.direction,
        ethertype: view.ethertype,
        protocol: view.protocol,
        port_range_min: view.port_range_min,
        port_range_max: view.port_range_max,
        remote_ip_prefix: view.remote_ip_prefix,
        normalized_cidr: view.normalized_cidr,
        remote_group_id: view.remote_group_id,
      };
    }),
  }));
  const remoteIds = [
    ...new Set(securityGroups.flatMap((g) => g.rules.flatMap((r) => r.remote_group_id ?? []))),
  ];
  const memberPorts = await securityGroupsRepository.portsOfGroups(db, remoteIds);
  const allMembers = [...new Set([...memberPorts.values()].flat())];
  const memberRecords =
    allMembers.length === 0 ? [] : await portsRepository.list(db, { equals: { id: allMembers } });
  // Address pairs are members too, as in Neutron (`_select_ips_for_remote_group`): traffic an instance
  // may send from a pair address is traffic of the group (a pair may be a CIDR: the sets are hash:net).
  const addressesOf = new Map(
    memberRecords.map((p) => [
      p.id,
      [...p.fixedIps.map((ip) => ip.ipAddress), ...p.allowedAddressPairs.map((pair) => pair.ip_address)],
    ]),
  );
  const members: SecurityGroupResult<'securitygroups.info'>['members'] = {};
  for (const id of remoteIds) {
    const addresses = (memberPorts.get(id) ?? []).flatMap((port) => addressesOf.get(port) ?? []);
    members[id] = {
      IPv4: addresses.filter((a) => !a.includes(':')),
      IPv6: addresses.filter((a) => a.includes(':')),
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
