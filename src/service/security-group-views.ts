/**
 * Security groups and their rules as the API shows them (issue 14), from stored records; the types are
 * the one definition in `bus/resources.ts`.
 *
 * @module
 */
import { SecurityGroupResource, SecurityGroupRuleResource } from '../bus/resources.js';
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
