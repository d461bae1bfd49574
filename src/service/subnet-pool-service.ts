/**
 * Subnet pool use-cases (spec §1.11): create, list, show, update, delete, and the
 * `subnetpool-prefix-ops` actions `add_prefixes` / `remove_prefixes`. Subnets are allocated from a pool
 * by `subnet-from-pool.ts`, inside the subnet's own transaction.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { QdhcpError } from '../common/errors.js';
import {
  type EqualsFilter,
  type SubnetPoolRecord,
  subnetPoolsRepository,
  subnetsRepository,
} from '../db/index.js';
import { compactPrefixes, prefixDifference, prefixesIntersect } from '../ipam/index.js';
import { checkScopeMembership, ownsScope } from './address-scope-rules.js';
import { formatTimestamp } from './clock.js';
import { type RequestContext, visibilityScope } from './context.js';
import type { SubnetPoolInput } from './inputs.js';
import { checkRevision, forbidden, ownerProject, requireOwner, visibleOr404 } from './policy.js';
import { grownPrefixes, parsePrefixes, readPoolShape } from './subnet-pool-rules.js';
import { runMutation, type UnitOfWorkDeps, type WriteScope } from './unit-of-work.js';
import { type SubnetPoolView, subnetPoolView } from './views.js';

/** The answer of `add_prefixes` / `remove_prefixes`: the pool's prefixes afterwards. */
export interface PrefixesView {
  readonly prefixes: string[];
}

export function subnetPoolNotFound(id: string): QdhcpError {
  return new QdhcpError('SUBNETPOOL_NOT_FOUND', { subnetpool_id: id });
}

/** Only one default pool per family (InvalidInput). */
async function checkNoOtherDefault(scope: WriteScope, ipVersion: 4 | 6, except?: string): Promise<void> {
  const existing = await subnetPoolsRepository.findDefault(scope.tx, ipVersion);
  if (existing !== undefined && existing.id !== except) {
    throw new QdhcpError('INVALID_INPUT', {
      error_message:
        'A default subnetpool for this IP family has already been set. Only one default may exist per IP family',
    });
  }
}

/** Subnet pool use-cases. */
export function createSubnetPoolService(deps: UnitOfWorkDeps) {
  const { database, clock } = deps;
  const forUpdate = database.kind === 'postgres';

  async function lockedPool(
    scope: WriteScope,
    context: RequestContext,
    id: string,
  ): Promise<SubnetPoolRecord> {
    const record = await subnetPoolsRepository.get(scope.tx, id, forUpdate);
    return visibleOr404(context, record, () => subnetPoolNotFound(id));
  }

  /** Stores `next` (the rules already ran) with a new revision. */
  async function save(scope: WriteScope, next: SubnetPoolRecord, current: SubnetPoolRecord) {
    const updated = {
      ...next,
      updatedAt: formatTimestamp(clock()),
      revisionNumber: current.revisionNumber + 1,
    };
    await subnetPoolsRepository.update(scope.tx, updated);
    return updated;
  }

  async function createOne(
    scope: WriteScope,
    context: RequestContext,
    input: SubnetPoolInput,
  ): Promise<SubnetPoolView> {
    if (input.shared === true && !context.isAdmin) throw forbidden('create_subnetpool:shared');
    if (input.is_default === true && !context.isAdmin) throw forbidden('create_subnetpool:is_default');
    const shape = readPoolShape({
      prefixes: input.prefixes ?? [],
      ...(input.default_prefixlen !== undefined && { defaultPrefixlen: input.default_prefixlen }),
      ...(input.min_prefixlen !== undefined && { minPrefixlen: input.min_prefixlen }),
      ...(input.max_prefixlen !== undefined && { maxPrefixlen: input.max_prefixlen }),
    });
    const isDefault = input.is_default ?? false;
    if (isDefault) await checkNoOtherDefault(scope, shape.ipVersion);
    const id = randomUUID();
    const addressScopeId = input.address_scope_id ?? null;
    await checkScopeMembership(scope.tx, context, addressScopeId, { id, ...shape }, forUpdate);
    const now = formatTimestamp(clock());
    const record: SubnetPoolRecord = {
      id,
      projectId: ownerProject(context, input.project_id),
      name: input.name ?? '',
      description: input.description ?? '',
      ...shape,
      defaultQuota: input.default_quota ?? null,
      isDefault,
      shared: input.shared ?? false,
      addressScopeId,
      tags: [],
      createdAt: now,
      updatedAt: now,
      revisionNumber: 0,
    };
    await subnetPoolsRepository.insert(scope.tx, record);
    return subnetPoolView(record);
  }

  /** Neutron's update: the stored pool with the given attributes over it, read again by the pool rules. */
  async function updateOne(
    scope: WriteScope,
    context: RequestContext,
    current: SubnetPoolRecord,
    input: SubnetPoolInput,
  ): Promise<SubnetPoolRecord> {
    if (input.is_default !== undefined && !context.isAdmin) throw forbidden('update_subnetpool:is_default');
    const prefixes =
      input.prefixes === undefined ? current.prefixes : grownPrefixes(current.prefixes, input.prefixes);
    const shape = readPoolShape({
      prefixes,
      defaultPrefixlen: input.default_prefixlen ?? current.defaultPrefixlen,
      minPrefixlen: input.min_prefixlen ?? current.minPrefixlen,
      maxPrefixlen: input.max_prefixlen ?? current.maxPrefixlen,
    });
    const isDefault = input.is_default ?? current.isDefault;
    if (isDefault && !current.isDefault) await checkNoOtherDefault(scope, shape.ipVersion, current.id);
    if (current.addressScopeId !== null && !(await ownsScope(scope.tx, context, current.addressScopeId))) {
      throw new QdhcpError('ILLEGAL_SUBNETPOOL_UPDATE', {
        reason: `subnetpool ${current.id} cannot be updated when associated with shared address scope ${current.addressScopeId}`,
      });
    }
    const addressScopeId =
      input.address_scope_id === undefined ? current.addressScopeId : input.address_scope_id;
    await checkScopeMembership(scope.tx, context, addressScopeId, { id: current.id, ...shape }, forUpdate);
    return save(
      scope,
      {
        ...current,
        ...shape,
        ...(input.name !== undefined && { name: input.name }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.default_quota !== undefined && { defaultQuota: input.default_quota }),
        isDefault,
        addressScopeId,
      },
      current,
    );
  }

  return {
    async create(context: RequestContext, inputs: readonly SubnetPoolInput[]): Promise<SubnetPoolView[]> {
      return runMutation(deps, async (scope) => {
        const views: SubnetPoolView[] = [];
        for (const input of inputs) views.push(await createOne(scope, context, input));
        return views;
      });
    },

    async list(context: RequestContext, equals: EqualsFilter): Promise<SubnetPoolView[]> {
      const project = visibilityScope(context);
      const records = await subnetPoolsRepository.list(database.db, {
        equals,
        ...(project !== undefined && { visibleToProject: project }),
      });
      return records.map(subnetPoolView);
    },

    async get(context: RequestContext, id: string): Promise<SubnetPoolView> {
      const record = await subnetPoolsRepository.get(database.db, id);
      return subnetPoolView(visibleOr404(context, record, () => subnetPoolNotFound(id)));
    },

    async update(
      context: RequestContext,
      id: string,
      input: SubnetPoolInput,
      ifMatch?: number,
    ): Promise<SubnetPoolView> {
      return runMutation(deps, async (scope) => {
        const current = await lockedPool(scope, context, id);
        checkRevision(current.revisionNumber, ifMatch);
        requireOwner(context, current, 'update_subnetpool');
        return subnetPoolView(await updateOne(scope, context, current, input));
      });
    },

    /** 400 SubnetPoolDeleteError while subnets were allocated from the pool. */
    async delete(context: RequestContext, id: string, ifMatch?: number): Promise<void> {
      await runMutation(deps, async (scope) => {
        const current = await lockedPool(scope, context, id);
        checkRevision(current.revisionNumber, ifMatch);
        requireOwner(context, current, 'delete_subnetpool');
        if ((await subnetsRepository.listByPool(scope.tx, id)).length > 0) {
          throw new QdhcpError('SUBNETPOOL_DELETE_ERROR', { reason: 'Subnet pool has existing allocations' });
        }
        await subnetPoolsRepository.delete(scope.tx, id);
      });
    },

    /** `PUT .../add_prefixes`: the union, through the update rules (scope overlap included). */
    async addPrefixes(
      context: RequestContext,
      id: string,
      prefixes: readonly string[],
    ): Promise<PrefixesView> {
      return runMutation(deps, async (scope) => {
        const current = await lockedPool(scope, context, id);
        requireOwner(context, current, 'add_prefixes');
        if (prefixes.length === 0) return { prefixes: [...current.prefixes] };
        const updated = await updateOne(scope, context, current, {
          prefixes: [...current.prefixes, ...prefixes],
        });
        return { prefixes: [...updated.prefixes] };
      });
    },

    /**
     * `PUT .../remove_prefixes`: the difference; prefixes that were not in the pool change nothing, and
     * a prefix holding an allocated subnet cannot go (IllegalSubnetPoolPrefixUpdate).
     */
    async removePrefixes(
      context: RequestContext,
      id: string,
      prefixes: readonly string[],
    ): Promise<PrefixesView> {
      return runMutation(deps, async (scope) => {
        const current = await lockedPool(scope, context, id);
        requireOwner(context, current, 'remove_prefixes');
        const own = parsePrefixes(current.prefixes);
        const removal = parsePrefixes(prefixes).filter((c) => c.version === current.ipVersion);
        if (!prefixesIntersect(own, removal)) return { prefixes: [...current.prefixes] };
        const allocated = (await subnetsRepository.listByPool(scope.tx, id)).map((s) => s.cidr);
        if (prefixesIntersect(parsePrefixes(allocated), removal)) {
          throw new QdhcpError('ILLEGAL_SUBNETPOOL_PREFIX_UPDATE', {
            msg: 'One or more the prefixes to be removed is in use by a subnet',
          });
        }
        const remaining = compactPrefixes(
          current.ipVersion,
          prefixDifference(current.ipVersion, own, removal),
        );
        if (remaining.length === 0) throw new QdhcpError('EMPTY_SUBNETPOOL_PREFIX_LIST');
        const updated = await save(scope, { ...current, prefixes: remaining.map((c) => c.text) }, current);
        return { prefixes: [...updated.prefixes] };
      });
    },
  };
}

/** The subnet pool use-cases, as built by {@link createSubnetPoolService}. */
export type SubnetPoolService = ReturnType<typeof createSubnetPoolService>;
