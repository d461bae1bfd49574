/**
 * What every security group gets and what each project has (issue 14): a new group's egress rules, the
 * project's `default` group created on first need with Neutron's default rules
 * (securitygroups_db.py `_ensure_default_security_group`, `create_security_group(default_sg=True)`), the
 * groups a port may be put in, and the quotas (Neutron's `[quotas] quota_security_group(_rule)`).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { QdhcpError } from '../common/errors.js';
import {
  type Queryable,
  type SecurityGroupRecord,
  type SecurityGroupRuleRecord,
  securityGroupRulesRepository,
  securityGroupsRepository,
} from '../db/index.js';
import { formatTimestamp } from './clock.js';
import type { RequestContext } from './context.js';
import { agentRuleView } from './security-group-views.js';
import type { UnitOfWorkDeps, WriteScope } from './unit-of-work.js';

/** Neutron's DEFAULT_SG_DESCRIPTION. */
const DEFAULT_DESCRIPTION = 'Default security group';

/** The per-project limits; -1 is unlimited. */
export interface SecurityGroupQuotas {
  readonly securityGroup: number;
  readonly securityGroupRule: number;
}

export function securityGroupNotFound(id: string): QdhcpError {
  return new QdhcpError('SECURITY_GROUP_NOT_FOUND', { id });
}

/** A rule of `group` allowing everything in one direction and family (from `remoteGroupId` when set). */
function openRule(
  group: SecurityGroupRecord,
  direction: 'ingress' | 'egress',
  ethertype: 'IPv4' | 'IPv6',
  remoteGroupId: string | null,
): SecurityGroupRuleRecord {
  return {
    id: randomUUID(),
    securityGroupId: group.id,
    projectId: group.projectId,
    direction,
    ethertype,
    protocol: null,
    portRangeMin: null,
    portRangeMax: null,
    remoteIpPrefix: null,
    remoteGroupId,
    description: '',
    createdAt: group.createdAt,
    updatedAt: group.createdAt,
    revisionNumber: 0,
  };
}

/**
 * The rules a new group starts with: egress to anywhere over IPv4 and IPv6; the `default` group also
 * ingress from its own members over both.
 */
export function initialRules(group: SecurityGroupRecord, isDefault: boolean): SecurityGroupRuleRecord[] {
  const rules: SecurityGroupRuleRecord[] = [];
  for (const ethertype of ['IPv4', 'IPv6'] as const) {
    if (isDefault) rules.push(openRule(group, 'ingress', ethertype, group.id));
    rules.push(openRule(group, 'egress', ethertype, null));
  }
  return rules;
}

/** 409 OverQuota when `adding` more rules would pass the project's rule limit. */
export async function checkRuleQuota(
  db: Queryable,
  quotas: SecurityGroupQuotas,
  projectId: string,
  adding: number,
): Promise<void> {
  if (quotas.securityGroupRule < 0) return;
  const used = await securityGroupRulesRepository.countOfProject(db, projectId);
  if (used + adding > quotas.securityGroupRule)
    throw new QdhcpError('OVER_QUOTA', { overs: "['security_group_rule']" });
}

/** Inserts a group with its initial rules (and, for the default group, the project's default row). */
export async function insertGroup(
  scope: WriteScope,
  group: SecurityGroupRecord,
  isDefault: boolean,
): Promise<SecurityGroupRuleRecord[]> {
  await securityGroupsRepository.insert(scope.tx, group);
  if (isDefault) await securityGroupsRepository.setDefault(scope.tx, group.projectId, group.id);
  const rules = initialRules(group, isDefault);
  for (const rule of rules) await securityGroupRulesRepository.insert(scope.tx, rule);
  return rules;
}

/**
 * The project's `default` group, created now if it has none — unless the caller is neither admin nor
 * in that project (Neutron does not let a project make another's default group: undefined then).
 */
export async function ensureDefaultGroup(
  scope: WriteScope,
  deps: Pick<UnitOfWorkDeps, 'clock'>,
  context: RequestContext,
  projectId: string,
): Promise<string | undefined> {
  const existing = await securityGroupsRepository.defaultOf(scope.tx, projectId);
  if (existing !== undefined) return existing;
  if (projectId !== context.projectId && !context.isAdmin) return undefined;
  const now = formatTimestamp(deps.clock());
  const group: SecurityGroupRecord = {
    id: randomUUID(),
    projectId,
    name: 'default',
    description: DEFAULT_DESCRIPTION,
    stateful: true,
    tags: [],
    createdAt: now,
    updatedAt: now,
    revisionNumber: 0,
  };
  await insertGroup(scope, group, true);
  return group.id;
}

/**
 * The groups `requested` for a port of `projectId` (`_get_security_groups_on_port`): each must exist
 * and belong to that project (any project for an admin), else 404 naming the missing ones; stateful and
 * stateless groups do not mix on one port (409).
 */
export async function checkPortGroups(
  db: Queryable,
  context: RequestContext,
  projectId: string,
  requested: readonly string[],
): Promise<string[]> {
  if (requested.length === 0) return [];
  const found = await securityGroupsRepository.getMany(db, requested);
  const valid = new Map(
    found.filter((g) => context.isAdmin || g.projectId === projectId).map((g) => [g.id, g] as const),
  );
  const missing = requested.filter((id) => !valid.has(id));
  if (missing.length > 0) throw securityGroupNotFound(missing.join(', '));
  const kinds = new Set([...valid.values()].map((g) => g.stateful));
  if (kinds.size > 1) {
    throw new QdhcpError('SECURITY_GROUP_CONFLICT', {
      reason: 'Cannot apply both stateful and stateless security groups on the same port at the same time',
    });
  }
  return [...requested];
}

/**
 * A rule change is a change of its group: revision + 1, `updated_at` now (Neutron's revises_on_change).
 * The hosts enforcing it apply the rules `added` and `removed` (ids) on top of the revision before, or
 * re-read the group (docs/compute.md).
 */
export async function touchGroup(
  scope: WriteScope,
  groupId: string,
  now: string,
  rules: { readonly added: readonly SecurityGroupRuleRecord[]; readonly removed: readonly string[] },
): Promise<void> {
  const group = await securityGroupsRepository.get(scope.tx, groupId);
  if (group === undefined) return;
  const revision = group.revisionNumber + 1;
  scope.securityGroupRulesChanged({
    securityGroupId: groupId,
    baseRevision: group.revisionNumber,
    revision,
    removed: [...rules.removed],
    added: rules.added.map(agentRuleView),
  });
  await securityGroupsRepository.update(scope.tx, { ...group, updatedAt: now, revisionNumber: revision });
}
