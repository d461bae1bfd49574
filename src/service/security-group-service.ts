/**
 * Security group use-cases (issue 14; neutron/db/securitygroups_db.py): create (with egress rules),
 * list (which first gives the caller's project its `default` group, as Neutron's listing does), show,
 * update (name, description, `stateful`) and delete. Rules are `security-group-rule-service.ts`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { QdhcpError } from '../common/errors.js';
import {
  type EqualsFilter,
  type SecurityGroupRecord,
  securityGroupRulesRepository,
  securityGroupsRepository,
} from '../db/index.js';
import { formatTimestamp } from './clock.js';
import { type RequestContext, visibilityScope } from './context.js';
import type { SecurityGroupInput } from './inputs.js';
import { checkRevision, ownerProject, visibleOr404 } from './policy.js';
import {
  checkRuleQuota,
  ensureDefaultGroup,
  insertGroup,
  type SecurityGroupQuotas,
  securityGroupNotFound,
  touchGroup,
} from './security-group-defaults.js';
import { type SecurityGroupView, securityGroupView } from './security-group-views.js';
import { runMutation, type UnitOfWorkDeps } from './unit-of-work.js';

export interface SecurityGroupServiceDeps extends UnitOfWorkDeps {
  readonly quotas: SecurityGroupQuotas;
}

/** Security group use-cases. */
export function createSecurityGroupService(deps: SecurityGroupServiceDeps) {
  const { database, clock, quotas } = deps;

  async function views(
    records: readonly SecurityGroupRecord[],
    db = database.db,
  ): Promise<SecurityGroupView[]> {
    const rules = await securityGroupRulesRepository.ofGroups(
      db,
      records.map((r) => r.id),
    );
    return records.map((r) => securityGroupView(r, rules.get(r.id) ?? []));
  }

  /** The caller's project gets its default group on first listing (Neutron's `get_security_groups`). */
  async function ensureListedDefault(context: RequestContext, equals: EqualsFilter): Promise<void> {
    const filtered = equals['project_id']?.[0] ?? equals['tenant_id']?.[0];
    const project = typeof filtered === 'string' ? filtered : context.projectId;
    if (project !== context.projectId && !context.isAdmin) return;
    if ((await securityGroupsRepository.defaultOf(database.db, project)) !== undefined) return;
    await runMutation(deps, (scope) => ensureDefaultGroup(scope, deps, context, project));
  }

  return {
    async create(
      context: RequestContext,
      inputs: readonly SecurityGroupInput[],
    ): Promise<SecurityGroupView[]> {
      return runMutation(deps, async (scope) => {
        const out: SecurityGroupRecord[] = [];
        for (const input of inputs) {
          const projectId = ownerProject(context, input.project_id);
          await ensureDefaultGroup(scope, deps, context, projectId);
          if (quotas.securityGroup >= 0) {
            const used = await securityGroupsRepository.countOfProject(scope.tx, projectId);
            if (used + 1 > quotas.securityGroup)
              throw new QdhcpError('OVER_QUOTA', { overs: "['security_group']" });
          }
          await checkRuleQuota(scope.tx, quotas, projectId, 2);
          const now = formatTimestamp(clock());
          const record: SecurityGroupRecord = {
            id: randomUUID(),
            projectId,
            name: input.name ?? '',
            description: input.description ?? '',
            stateful: input.stateful ?? true,
            tags: [],
            createdAt: now,
            updatedAt: now,
            revisionNumber: 0,
          };
          await insertGroup(scope, record, false);
          out.push(record);
        }
        return views(out, scope.tx);
      });
    },

    async list(context: RequestContext, equals: EqualsFilter): Promise<SecurityGroupView[]> {
      await ensureListedDefault(context, equals);
      const project = visibilityScope(context);
      const records = await securityGroupsRepository.list(database.db, {
        equals,
        ...(project !== undefined && { visibleToProject: project }),
      });
      return views(records);
    },

    async get(context: RequestContext, id: string): Promise<SecurityGroupView> {
      const record = await securityGroupsRepository.get(database.db, id);
      const visible = visibleOr404(context, record, () => securityGroupNotFound(id));
      return (await views([visible]))[0]!;
    },

    /**
     * The default group keeps its name (409 SecurityGroupCannotUpdateDefault); `stateful` changes only
     * while no port is in the group (409 SecurityGroupInUse).
     */
    async update(
      context: RequestContext,
      id: string,
      input: SecurityGroupInput,
      ifMatch?: number,
    ): Promise<SecurityGroupView> {
      return runMutation(deps, async (scope) => {
        const current = visibleOr404(context, await securityGroupsRepository.get(scope.tx, id), () =>
          securityGroupNotFound(id),
        );
        checkRevision(current.revisionNumber, ifMatch);
        if (input.name !== undefined) {
          const defaults = await securityGroupsRepository.defaultsAmong(scope.tx, [id]);
          if (defaults.has(id)) throw new QdhcpError('SECURITY_GROUP_CANNOT_UPDATE_DEFAULT');
        }
        if (input.stateful !== undefined && input.stateful !== current.stateful) {
          if ((await securityGroupsRepository.portsOf(scope.tx, id)).length > 0)
            throw new QdhcpError('SECURITY_GROUP_IN_USE', { id, reason: 'in use' });
        }
        const updated: SecurityGroupRecord = {
          ...current,
          ...(input.name !== undefined && { name: input.name }),
          ...(input.description !== undefined && { description: input.description }),
          ...(input.stateful !== undefined && { stateful: input.stateful }),
          updatedAt: formatTimestamp(clock()),
          revisionNumber: current.revisionNumber + 1,
        };
        await securityGroupsRepository.update(scope.tx, updated);
        return (await views([updated], scope.tx))[0]!;
      });
    },

    /** 409 while ports are in it; the default group only by an admin. Its rules go with it. */
    async delete(context: RequestContext, id: string, ifMatch?: number): Promise<void> {
      await runMutation(deps, async (scope) => {
        const current = visibleOr404(context, await securityGroupsRepository.get(scope.tx, id), () =>
          securityGroupNotFound(id),
        );
        checkRevision(current.revisionNumber, ifMatch);
        if ((await securityGroupsRepository.portsOf(scope.tx, id)).length > 0)
          throw new QdhcpError('SECURITY_GROUP_IN_USE', { id, reason: 'in use' });
        const defaults = await securityGroupsRepository.defaultsAmong(scope.tx, [id]);
        if (defaults.has(id) && !context.isAdmin)
          throw new QdhcpError('SECURITY_GROUP_CANNOT_REMOVE_DEFAULT');
        // Rules of other groups naming it as their remote go with it (the schema's cascade, as Neutron's):
        // those groups change too, so their revisions move and agents holding them get the removal.
        const naming = await securityGroupRulesRepository.list(scope.tx, {
          equals: { remote_group_id: [id] },
        });
        const removedByGroup = new Map<string, string[]>();
        for (const rule of naming) {
          if (rule.securityGroupId === id) continue;
          removedByGroup.set(rule.securityGroupId, [
            ...(removedByGroup.get(rule.securityGroupId) ?? []),
            rule.id,
          ]);
        }
        const now = formatTimestamp(clock());
        for (const [groupId, removed] of removedByGroup)
          await touchGroup(scope, groupId, now, { added: [], removed });
        await securityGroupsRepository.delete(scope.tx, id);
        scope.securityGroupsChanged([id]);
      });
    },
  };
}

/** The security group use-cases, as built by {@link createSecurityGroupService}. */
export type SecurityGroupService = ReturnType<typeof createSecurityGroupService>;
