/**
 * Security groups and their rules as the API shows them (issue 14), from stored records; the types are
 * the one definition in `bus/resources.ts`.
 *
 * @module
 */
import { SecurityGroupResource, SecurityGroupRuleResource } from '../bus/resources.js';
import type { AgentSecurityGroupRule } from '../bus/security-group-rpc.js';
import type { SecurityGroupRecord, SecurityGroupRuleRecord } from '../db/index.js';
import { normalizedCidr } from './security-group-rules.js';

/** A security group as returned by the API. */
export type SecurityGroupView = SecurityGroupResource;
/** A security group rule as returned by the API. */
export type SecurityGroupRuleView = SecurityGroupRuleResource;

/** The schemas of the views, for the API's response schemas (`api/` may import only `service/`). */
export { SecurityGroupResource, SecurityGroupRuleResource };

export function securityGroupRuleView(record: SecurityGroupRuleRecord): SecurityGroupRuleView {
  return {
    id: record.id,
    tenant_id: record.projectId,
    project_id: record.projectId,
    security_group_id: record.securityGroupId,
    direction: record.direction,
    ethertype: record.ethertype,
    protocol: record.protocol,
    port_range_min: record.portRangeMin,
    port_range_max: record.portRangeMax,
    remote_ip_prefix: record.remoteIpPrefix,
    normalized_cidr: normalizedCidr(record.remoteIpPrefix),
    remote_group_id: record.remoteGroupId,
    remote_address_group_id: null,
    description: record.description,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    revision_number: record.revisionNumber,
  };
}

/** A rule as an enforcing agent reads it (`securitygroups.info`, and the changes of a group event). */
export function agentRuleView(record: SecurityGroupRuleRecord): AgentSecurityGroupRule {
  const view = securityGroupRuleView(record);
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
}

export function securityGroupView(
  record: SecurityGroupRecord,
  rules: readonly SecurityGroupRuleRecord[],
): SecurityGroupView {
  return {
    id: record.id,
    name: record.name,
    tenant_id: record.projectId,
    project_id: record.projectId,
    stateful: record.stateful,
    security_group_rules: rules.map(securityGroupRuleView),
    description: record.description,
    tags: [...record.tags],
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    revision_number: record.revisionNumber,
  };
}
