/**
 * Whether a subnet pool may join an address scope (spec §1.11, Neutron's `_validate_address_scope_id`):
 * the caller must see the scope (else 404) and own it or be admin (sharing a scope lets projects see it,
 * not put pools in it: qdhcp has no RBAC, so this is Neutron's rule before `rbac-address-scope`); the
 * families must match; every network holding subnets of the pool must hold only subnets of this pool in
 * that family; and no other pool of the scope may share an address with the pool's prefixes.
 *
 * @module
 */
import { QdhcpError } from '../common/errors.js';
import {
  type AddressScopeRecord,
  addressScopesRepository,
  type Queryable,
  subnetPoolsRepository,
  subnetsRepository,
} from '../db/index.js';
import { prefixesIntersect } from '../ipam/index.js';
import type { RequestContext } from './context.js';
import { visibleOr404 } from './policy.js';
import { parsePrefixes } from './subnet-pool-rules.js';

function scopeNotFound(id: string): QdhcpError {
  return new QdhcpError('ADDRESS_SCOPE_NOT_FOUND', { address_scope_id: id });
}

/** The scope if the caller may see it; 404 otherwise. */
export async function visibleScope(
  db: Queryable,
  context: RequestContext,
  id: string,
  forUpdate = false,
): Promise<AddressScopeRecord> {
  return visibleOr404(context, await addressScopesRepository.get(db, id, forUpdate), () => scopeNotFound(id));
}

/** True when the caller may act on pools of the scope as its owner (admin or the scope's project). */
export async function ownsScope(db: Queryable, context: RequestContext, id: string): Promise<boolean> {
  const scope = await visibleScope(db, context, id);
  return context.isAdmin || scope.projectId === context.projectId;
}

/**
 * Re-scoping a pool moves its subnets: a network holding them must not keep subnets of the same family
 * from elsewhere (NetworkAddressScopeAffinityError).
 */
async function checkNetworkAffinity(db: Queryable, poolId: string, ipVersion: 4 | 6): Promise<void> {
  const own = await subnetsRepository.listByPool(db, poolId);
  const networks = new Set(own.map((s) => s.networkId));
  for (const networkId of networks) {
    const siblings = await subnetsRepository.listByNetwork(db, networkId);
    if (siblings.some((s) => s.ipVersion === ipVersion && s.subnetpoolId !== poolId)) {
      throw new QdhcpError('NETWORK_ADDRESS_SCOPE_AFFINITY_ERROR');
    }
  }
}

/**
 * Checks that the pool (new or existing) may be in scope `scopeId` with these prefixes. With `forUpdate`
 * (PostgreSQL) the scope's row stays locked, so pools joining one scope are checked one after the other
 * and a scope cannot be deleted while a pool joins it.
 */
export async function checkScopeMembership(
  db: Queryable,
  context: RequestContext,
  scopeId: string | null,
  pool: { readonly id: string; readonly prefixes: readonly string[]; readonly ipVersion: 4 | 6 },
  forUpdate: boolean,
): Promise<void> {
  if (scopeId === null) return;
  const scope = await visibleScope(db, context, scopeId, forUpdate);
  if (!context.isAdmin && scope.projectId !== context.projectId) {
    throw new QdhcpError('ILLEGAL_SUBNETPOOL_ASSOCIATION_TO_ADDRESS_SCOPE', {
      subnetpool_id: pool.id,
      address_scope_id: scopeId,
    });
  }
  if (scope.ipVersion !== pool.ipVersion) {
    throw new QdhcpError('ILLEGAL_SUBNETPOOL_IP_VERSION_ASSOCIATION_TO_ADDRESS_SCOPE', {
      subnetpool_id: pool.id,
      address_scope_id: scopeId,
      ip_version: scope.ipVersion,
    });
  }
  await checkNetworkAffinity(db, pool.id, pool.ipVersion);
  const prefixes = parsePrefixes(pool.prefixes);
  for (const other of await subnetPoolsRepository.listByScope(db, scopeId)) {
    if (other.id === pool.id) continue;
    if (prefixesIntersect(parsePrefixes(other.prefixes), prefixes)) {
      throw new QdhcpError('ADDRESS_SCOPE_PREFIX_CONFLICT');
    }
  }
}
