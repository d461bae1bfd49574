/**
 * Address scope use-cases (spec §1.11): create, list, show, update, delete. Only admins share a scope
 * (403 otherwise, on create and on any update of `shared`), a shared scope cannot be unshared, and a
 * scope with subnet pools cannot be deleted.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { QdhcpError } from '../common/errors.js';
import {
  type AddressScopeRecord,
  addressScopesRepository,
  type EqualsFilter,
  subnetPoolsRepository,
} from '../db/index.js';
import { type RequestContext, visibilityScope } from './context.js';
import type { AddressScopeInput } from './inputs.js';
import { forbidden, ownerProject, requireOwner, visibleOr404 } from './policy.js';
import { runMutation, type UnitOfWorkDeps } from './unit-of-work.js';
import { type AddressScopeView, addressScopeView } from './views.js';

function scopeNotFound(id: string): QdhcpError {
  return new QdhcpError('ADDRESS_SCOPE_NOT_FOUND', { address_scope_id: id });
}

/** Address scope use-cases. */
export function createAddressScopeService(deps: UnitOfWorkDeps) {
  const { database } = deps;
  const forUpdate = database.kind === 'postgres';

  return {
    async create(context: RequestContext, inputs: readonly AddressScopeInput[]): Promise<AddressScopeView[]> {
      return runMutation(deps, async (scope) => {
        const views: AddressScopeView[] = [];
        for (const input of inputs) {
          if (input.shared === true && !context.isAdmin) throw forbidden('create_address_scope:shared');
          const record: AddressScopeRecord = {
            id: randomUUID(),
            projectId: ownerProject(context, input.project_id),
            name: input.name ?? '',
            shared: input.shared ?? false,
            // The edge requires ip_version on create.
            ipVersion: input.ip_version ?? 4,
          };
          await addressScopesRepository.insert(scope.tx, record);
          views.push(addressScopeView(record));
        }
        return views;
      });
    },

    async list(context: RequestContext, equals: EqualsFilter): Promise<AddressScopeView[]> {
      const project = visibilityScope(context);
      const records = await addressScopesRepository.list(database.db, {
        equals,
        ...(project !== undefined && { visibleToProject: project }),
      });
      return records.map(addressScopeView);
    },

    async get(context: RequestContext, id: string): Promise<AddressScopeView> {
      const record = await addressScopesRepository.get(database.db, id);
      return addressScopeView(visibleOr404(context, record, () => scopeNotFound(id)));
    },

    /** Address scopes have no revision number, so `If-Match` has nothing to compare and is ignored. */
    async update(context: RequestContext, id: string, input: AddressScopeInput): Promise<AddressScopeView> {
      return runMutation(deps, async (scope) => {
        const current = visibleOr404(
          context,
          await addressScopesRepository.get(scope.tx, id, forUpdate),
          () => scopeNotFound(id),
        );
        requireOwner(context, current, 'update_address_scope');
        if (input.shared !== undefined && !context.isAdmin) throw forbidden('update_address_scope:shared');
        if (current.shared && input.shared === false) {
          throw new QdhcpError('ADDRESS_SCOPE_UPDATE_ERROR', {
            address_scope_id: id,
            reason: "Shared address scope can't be unshared",
          });
        }
        const updated: AddressScopeRecord = {
          ...current,
          ...(input.name !== undefined && { name: input.name }),
          ...(input.shared !== undefined && { shared: input.shared }),
        };
        await addressScopesRepository.update(scope.tx, updated);
        return addressScopeView(updated);
      });
    },

    /** 409 AddressScopeInUse while subnet pools are in the scope. */
    async delete(context: RequestContext, id: string): Promise<void> {
      await runMutation(deps, async (scope) => {
        const current = visibleOr404(
          context,
          await addressScopesRepository.get(scope.tx, id, forUpdate),
          () => scopeNotFound(id),
        );
        requireOwner(context, current, 'delete_address_scope');
        if ((await subnetPoolsRepository.listByScope(scope.tx, id)).length > 0) {
          throw new QdhcpError('ADDRESS_SCOPE_IN_USE', { address_scope_id: id });
        }
        await addressScopesRepository.delete(scope.tx, id);
      });
    },
  };
}

/** The address scope use-cases, as built by {@link createAddressScopeService}. */
export type AddressScopeService = ReturnType<typeof createAddressScopeService>;
