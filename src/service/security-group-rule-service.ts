/**
 * Security group rule use-cases (issue 14; securitygroups_db.py `create_security_group_rule_bulk_native`,
 * `_validate_security_group_rule`, `_check_for_duplicate_rules`): create (one or a bulk for one group and
 * project), list, show, update (`description` only, as the standard attribute allows) and delete. A rule
 * is seen by its project and by the project of its group.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { QdhcpError } from '../common/errors.js';
import {
  type EqualsFilter,
  type Queryable,
  type SecurityGroupRuleRecord,
  securityGroupRulesRepository,
  securityGroupsRepository,
} from '../db/index.js';
import { formatTimestamp } from './clock.js';
import { type RequestContext, visibilityScope } from './context.js';
import type { SecurityGroupRuleInput } from './inputs.js';
import { checkRevision, ownerProject } from './policy.js';
import {
  checkRuleQuota,
  type SecurityGroupQuotas,
  securityGroupNotFound,
  touchGroup,
} from './security-group-defaults.js';
import { canonicalRule, ruleKey } from './security-group-rules.js';
import { type SecurityGroupRuleView, securityGroupRuleView } from './security-group-views.js';
import { runMutation, type UnitOfWorkDeps } from './unit-of-work.js';

export interface SecurityGroupRuleServiceDeps extends UnitOfWorkDeps {
  readonly quotas: SecurityGroupQuotas;
}

function ruleNotFound(id: string): QdhcpError {
  return new QdhcpError('SECURITY_GROUP_RULE_NOT_FOUND', { id });
}

/** `_check_security_group(context, id, project_id=rule's project)`: an admin reaches any group. */
async function checkGroupOf(db: Queryable, context: RequestContext, id: string, projectId: string) {
  const group = await securityGroupsRepository.get(db, id);
  if (group === undefined || (!context.isAdmin && group.projectId !== projectId))
    throw securityGroupNotFound(id);
  return group;
}

/** Security group rule use-cases. */
export function createSecurityGroupRuleService(deps: SecurityGroupRuleServiceDeps) {
  const { database, clock, quotas } = deps;

  /** The rule if the caller may see it (its own, or one in a group of the caller's project). */
  async function visibleRule(
    db: Queryable,
    context: RequestContext,
    id: string,
  ): Promise<SecurityGroupRuleRecord> {
    const rule = await securityGroupRulesRepository.get(db, id);
    if (rule === undefined) throw ruleNotFound(id);
    if (context.isAdmin || rule.projectId === context.projectId) return rule;
    const group = await securityGroupsRepository.get(db, rule.securityGroupId);
    if (group?.projectId === context.projectId) return rule;
    throw ruleNotFound(id);
  }

  return {
    async create(
      context: RequestContext,
      inputs: readonly SecurityGroupRuleInput[],
    ): Promise<SecurityGroupRuleView[]> {
      const projects = new Set(inputs.map((i) => ownerProject(context, i.project_id)));
      const groups = new Set(inputs.map((i) => i.security_group_id));
      if (groups.size > 1) throw new QdhcpError('SECURITY_GROUP_NOT_SINGLE_GROUP_RULES');
      if (projects.size > 1) throw new QdhcpError('SECURITY_GROUP_RULES_NOT_SINGLE_PROJECT');
      return runMutation(deps, async (scope) => {
        const now = formatTimestamp(clock());
        const records: SecurityGroupRuleRecord[] = [];
        for (const input of inputs) {
          const projectId = ownerProject(context, input.project_id);
          const rule = canonicalRule({
            id: randomUUID(),
            securityGroupId: input.security_group_id!,
            projectId,
            direction: input.direction!,
            ethertype: input.ethertype ?? 'IPv4',
            protocol: input.protocol ?? null,
            portRangeMin: input.port_range_min ?? null,
            portRangeMax: input.port_range_max ?? null,
            remoteIpPrefix: input.remote_ip_prefix ?? null,
            remoteGroupId: input.remote_group_id ?? null,
            description: input.description ?? '',
            createdAt: now,
            updatedAt: now,
            revisionNumber: 0,
          });
          if (rule.remoteGroupId !== null)
            await checkGroupOf(scope.tx, context, rule.remoteGroupId, projectId);
          await checkGroupOf(scope.tx, context, rule.securityGroupId, projectId);
          records.push(rule);
        }
        const first = records[0];
        if (first === undefined) return [];
        const fresh = new Set<string>();
        for (const rule of records) {
          const key = ruleKey(rule);
          if (fresh.has(key)) throw new QdhcpError('DUPLICATE_SECURITY_GROUP_RULE_IN_POST');
          fresh.add(key);
        }
        const existing = (await securityGroupRulesRepository.ofGroups(scope.tx, [first.securityGroupId])).get(
          first.securityGroupId,
        );
        for (const rule of existing ?? []) {
          if (fresh.has(ruleKey(rule)))
            throw new QdhcpError('SECURITY_GROUP_RULE_EXISTS', { rule_id: rule.id });
        }
        await checkRuleQuota(scope.tx, quotas, first.projectId, records.length);
        for (const rule of records) await securityGroupRulesRepository.insert(scope.tx, rule);
        await touchGroup(scope, first.securityGroupId, now, { added: records, removed: [] });
        return records.map(securityGroupRuleView);
      });
    },

    async list(context: RequestContext, equals: EqualsFilter): Promise<SecurityGroupRuleView[]> {
      const project = visibilityScope(context);
      const records = await securityGroupRulesRepository.list(database.db, {
        equals,
        ...(project !== undefined && { visibleToProject: project }),
      });
      return records.map(securityGroupRuleView);
    },

    async get(context: RequestContext, id: string): Promise<SecurityGroupRuleView> {
      return securityGroupRuleView(await visibleRule(database.db, context, id));
    },

    async update(
      context: RequestContext,
      id: string,
      input: SecurityGroupRuleInput,
      ifMatch?: number,
    ): Promise<SecurityGroupRuleView> {
      return runMutation(deps, async (scope) => {
        const current = await visibleRule(scope.tx, context, id);
        checkRevision(current.revisionNumber, ifMatch);
        const updated: SecurityGroupRuleRecord = {
          ...current,
          ...(input.description !== undefined && { description: input.description }),
          updatedAt: formatTimestamp(clock()),
          revisionNumber: current.revisionNumber + 1,
        };
        await securityGroupRulesRepository.update(scope.tx, updated);
        return securityGroupRuleView(updated);
      });
    },

    async delete(context: RequestContext, id: string, ifMatch?: number): Promise<void> {
      await runMutation(deps, async (scope) => {
        const current = await visibleRule(scope.tx, context, id);
        checkRevision(current.revisionNumber, ifMatch);
        await securityGroupRulesRepository.delete(scope.tx, id);
        await touchGroup(scope, current.securityGroupId, formatTimestamp(clock()), {
          added: [],
          removed: [id],
        });
      });
    },
  };
}

/** The security group rule use-cases, as built by {@link createSecurityGroupRuleService}. */
export type SecurityGroupRuleService = ReturnType<typeof createSecurityGroupRuleService>;
