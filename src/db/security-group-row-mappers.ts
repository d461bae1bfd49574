/**
 * The row mappings of security groups and their rules (issue 14), beside `row-mappers.ts`. Same rules:
 * JSON parsed here, booleans as 0/1.
 *
 * @module
 */
import type { SecurityGroupRecord, SecurityGroupRuleRecord } from './records.js';
import type { SecurityGroupRulesTable, SecurityGroupsTable } from './schema.js';

export function securityGroupFromRow(row: SecurityGroupsTable): SecurityGroupRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    description: row.description,
    stateful: row.stateful === 1,
    tags: JSON.parse(row.tags) as string[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    revisionNumber: row.revision_number,
  };
}

export function securityGroupToRow(record: SecurityGroupRecord): SecurityGroupsTable {
  return {
    id: record.id,
    project_id: record.projectId,
    name: record.name,
    description: record.description,
    stateful: record.stateful ? 1 : 0,
    tags: JSON.stringify(record.tags),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    revision_number: record.revisionNumber,
  };
}

export function ruleFromRow(row: SecurityGroupRulesTable): SecurityGroupRuleRecord {
  return {
    id: row.id,
    securityGroupId: row.security_group_id,
    projectId: row.project_id,
    direction: row.direction === 'egress' ? 'egress' : 'ingress',
    ethertype: row.ethertype === 'IPv6' ? 'IPv6' : 'IPv4',
    protocol: row.protocol,
    portRangeMin: row.port_range_min,
    portRangeMax: row.port_range_max,
    remoteIpPrefix: row.remote_ip_prefix,
    remoteGroupId: row.remote_group_id,
    description: row.description,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    revisionNumber: row.revision_number,
  };
}

export function ruleToRow(record: SecurityGroupRuleRecord): SecurityGroupRulesTable {
  return {
    id: record.id,
    security_group_id: record.securityGroupId,
    project_id: record.projectId,
    direction: record.direction,
    ethertype: record.ethertype,
    protocol: record.protocol,
    port_range_min: record.portRangeMin,
    port_range_max: record.portRangeMax,
    remote_ip_prefix: record.remoteIpPrefix,
    remote_group_id: record.remoteGroupId,
    description: record.description,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    revision_number: record.revisionNumber,
  };
}
