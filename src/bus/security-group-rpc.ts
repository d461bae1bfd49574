/**
 * The security group contract between the control plane and the agents that enforce groups on their
 * hosts (issue 14; the role of Neutron's `SecurityGroupServerRpcCallback.security_group_info_for_devices`):
 * for a host's ports, their groups, every rule of those groups and the addresses of the members of each
 * group a rule names as its remote, so a `remote_group_id` rule can be turned into a set of addresses.
 *
 * Separate from the DHCP agent contract (`dhcp-agent-rpc.ts`): an agent that enforces nothing never calls
 * it, and neither the DHCP agent nor the Neutron adapter has to know it. Both sides validate what they
 * receive against these schemas.
 *
 * History of `qdhcp.security-groups` methods:
 * - v1 (initial): securitygroups.info.
 * - plus event `qdhcp.security-group-event` v1 ({@link SecurityGroupEventV1}): sent to every agent after a
 *   rule or a membership changed, so enforcing hosts re-read the ports concerned at once.
 * - v1, compatible additions: `securitygroups.info`'s optional `revision_number` per group and
 *   `memberPorts` (each remote group's members by port, with its members revision), its params' optional
 *   `knownMembers` (members the agent holds: not sent again while unchanged), and the event's
 *   optional `changes` ({@link SecurityGroupChanges}: the rules added and removed, the members' new
 *   addresses, each from a base revision). An agent holding a group at the base revision applies the
 *   change without `securitygroups.info`; any other, or one that does not know the fields, re-reads as before.
 *
 * @module
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Id, SecurityGroupRuleResource } from './resources.js';

const Host = Type.String({ minLength: 1, maxLength: 255 });

/** A rule as an enforcing agent reads it (the API view's matching fields; null is "any"). */
export const AgentSecurityGroupRule = Type.Pick(SecurityGroupRuleResource, [
  'id',
  'security_group_id',
  'direction',
  'ethertype',
  'protocol',
  'port_range_min',
  'port_range_max',
  'remote_ip_prefix',
  'normalized_cidr',
  'remote_group_id',
]);
export type AgentSecurityGroupRule = Static<typeof AgentSecurityGroupRule>;

/** A group with its rules; `stateful: false` means replies are not let through on their own. */
export const AgentSecurityGroup = Type.Object({
  id: Id,
  stateful: Type.Boolean(),
  rules: Type.Array(AgentSecurityGroupRule),
  /** The group's revision when its rules were read (read first, so the rules are at least that new). */
  revision_number: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type AgentSecurityGroup = Static<typeof AgentSecurityGroup>;

/** One asked-for port: its groups and whether port security is on (off: no filtering at all). */
export const AgentPortSecurity = Type.Object({
  id: Id,
  port_security_enabled: Type.Boolean(),
  security_groups: Type.Array(Id),
  fixed_ips: Type.Array(Type.String()),
});
export type AgentPortSecurity = Static<typeof AgentPortSecurity>;

/** The members' addresses of a group, by family (what a `remote_group_id` rule matches). */
export const GroupMembers = Type.Object({ IPv4: Type.Array(Type.String()), IPv6: Type.Array(Type.String()) });

/**
 * A remote group's members by port (each port's fixed IPs and address pairs, both families) at a members
 * revision (read first, so the ports are at least that new): what a members change applies to.
 */
export const GroupMemberPorts = Type.Object({
  revision: Type.Integer({ minimum: 0 }),
  ports: Type.Record(Type.String(), Type.Array(Type.String())),
});
export type GroupMemberPorts = Static<typeof GroupMemberPorts>;

/** `securitygroups.info`: ports unknown to the server are left out of `ports`. */
export const SecurityGroupInfoParams = Type.Object({
  host: Host,
  portIds: Type.Array(Id, { maxItems: 1000 }),
  /**
   * v1, compatible addition: remote groups whose members the agent holds, at that members revision; a
   * group still at it is left out of `members` and `memberPorts` (a server that ignores it sends them all).
   */
  knownMembers: Type.Optional(Type.Record(Type.String(), Type.Integer({ minimum: 0 }))),
});
export const SecurityGroupInfoResult = Type.Object({
  ports: Type.Array(AgentPortSecurity),
  securityGroups: Type.Array(AgentSecurityGroup),
  /** For every group a returned rule names as `remote_group_id`. */
  members: Type.Record(Type.String(), GroupMembers),
  /** The same groups' members by port, with their members revision (absent: a server of before it). */
  memberPorts: Type.Optional(Type.Record(Type.String(), GroupMemberPorts)),
});
export type SecurityGroupInfoResult = Static<typeof SecurityGroupInfoResult>;

/** Every method: its name, params schema and result schema. */
export const SECURITY_GROUP_METHODS = {
  'securitygroups.info': { params: SecurityGroupInfoParams, result: SecurityGroupInfoResult },
} as const satisfies Record<string, { params: TSchema; result: TSchema }>;

export type SecurityGroupMethod = keyof typeof SECURITY_GROUP_METHODS;
export type SecurityGroupParams<M extends SecurityGroupMethod> = Static<
  (typeof SECURITY_GROUP_METHODS)[M]['params']
>;
export type SecurityGroupResult<M extends SecurityGroupMethod> = Static<
  (typeof SECURITY_GROUP_METHODS)[M]['result']
>;

/**
 * Groups whose rules or members changed, and the ports whose membership or addresses changed (v1). Sent to
 * every agent (Neutron fans `security_groups_rule_updated` / `security_groups_member_updated` out too: any
 * host may have a port whose rule names the group as its remote); an agent re-reads, with
 * `securitygroups.info`, its plugged ports that are in or name one of the groups, and the listed ports.
 */
/** A group's rules from `baseRevision` to `revision`: rules gone (by id) and rules new. */
export const SecurityGroupRulesChange = Type.Object({
  securityGroupId: Id,
  baseRevision: Type.Integer({ minimum: 0 }),
  revision: Type.Integer({ minimum: 0 }),
  removed: Type.Array(Id, { maxItems: 1000 }),
  added: Type.Array(AgentSecurityGroupRule, { maxItems: 1000 }),
});
export type SecurityGroupRulesChange = Static<typeof SecurityGroupRulesChange>;

/**
 * A group's members from `baseRevision` to `revision`: each listed port's addresses in the group now
 * (empty: no longer a member). Idempotent per port, so applying it to members read after it changes nothing.
 */
export const SecurityGroupMembersChange = Type.Object({
  securityGroupId: Id,
  baseRevision: Type.Integer({ minimum: 0 }),
  revision: Type.Integer({ minimum: 0 }),
  ports: Type.Array(Type.Object({ id: Id, addresses: Type.Array(Type.String()) }), { maxItems: 1000 }),
});
export type SecurityGroupMembersChange = Static<typeof SecurityGroupMembersChange>;

/** What changed, for an agent to apply without a fetch (the router events' `floatingIps` pattern). */
export const SecurityGroupChanges = Type.Object({
  rules: Type.Array(SecurityGroupRulesChange),
  members: Type.Array(SecurityGroupMembersChange),
});
export type SecurityGroupChanges = Static<typeof SecurityGroupChanges>;

export const SecurityGroupEventV1 = Type.Object({
  schema: Type.Literal('qdhcp.security-group-event'),
  version: Type.Literal(1),
  securityGroupIds: Type.Array(Id),
  portIds: Type.Array(Id),
  occurredAt: Type.String(),
  /** v1, compatible addition: a group named in `securityGroupIds` without a change here is re-read. */
  changes: Type.Optional(SecurityGroupChanges),
});
export type SecurityGroupEventV1 = Static<typeof SecurityGroupEventV1>;

/** Builds a v1 security group event (`changes` when the server knows them). */
export function securityGroupEvent(
  securityGroupIds: readonly string[],
  portIds: readonly string[],
  now: Date = new Date(),
  changes?: SecurityGroupChanges,
): SecurityGroupEventV1 {
  return {
    schema: 'qdhcp.security-group-event',
    version: 1,
    securityGroupIds: [...securityGroupIds],
    portIds: [...portIds],
    occurredAt: now.toISOString(),
    ...(changes !== undefined && { changes }),
  };
}
