/**
 * The addressing of a new subnet, with or without a subnet pool (spec §1.11): which pool (given, or the
 * family's default with `use_default_subnetpool`), the CIDR taken from it (any block of `prefixlen`, or a
 * requested `cidr` that must be free in the pool), the pool's prefix length bounds and per-project quota,
 * then the ordinary subnet rules (`subnet-rules.ts`) and the one-pool-per-family rule of a network. The
 * subnet service calls {@link addressNewSubnet} inside its transaction, with the network locked.
 *
 * @module
 */
import type { ServerConfig } from '../common/config.js';
import { QdhcpError } from '../common/errors.js';
import {
  type Queryable,
  type SubnetPoolRecord,
  type SubnetRecord,
  subnetPoolsRepository,
  subnetsRepository,
} from '../db/index.js';
import {
  allocateAnySubnet,
  type Cidr,
  fitsAvailable,
  formatIp,
  makeCidr,
  parseCidr,
  parseIp,
  prefixDifference,
  quotaUnits,
} from '../ipam/index.js';
import type { RequestContext } from './context.js';
import type { SubnetInput } from './inputs.js';
import { unwrap } from './ipam-errors.js';
import { visibleOr404 } from './policy.js';
import { parsePrefixes } from './subnet-pool-rules.js';
import { subnetPoolNotFound } from './subnet-pool-service.js';
import { type SubnetAddressing, validateNewSubnet } from './subnet-rules.js';

function badRequest(msg: string): QdhcpError {
  return new QdhcpError('BAD_RESOURCE_REQUEST', { resource: 'subnets', msg });
}

/** The pool a create request names (Neutron's `_get_subnetpool_id`), or null for none. */
async function requestedPool(
  db: Queryable,
  context: RequestContext,
  input: SubnetInput,
  forUpdate: boolean,
): Promise<SubnetPoolRecord | null> {
  const poolId = input.subnetpool_id ?? null;
  const useDefault = input.use_default_subnetpool ?? false;
  if (useDefault && poolId !== null) {
    throw badRequest('subnetpool_id and use_default_subnetpool cannot both be specified');
  }
  if (poolId !== null) {
    const pool = await subnetPoolsRepository.get(db, poolId, forUpdate);
    return visibleOr404(context, pool, () => subnetPoolNotFound(poolId));
  }
  if (!useDefault) return null;
  const cidr = input.cidr === undefined ? undefined : parseCidr(input.cidr);
  const ipVersion = cidr?.ok ? cidr.value.version : input.ip_version;
  if (ipVersion === undefined) {
    throw badRequest('ip_version must be specified in the absence of cidr and subnetpool_id');
  }
  const found = await subnetPoolsRepository.findDefault(db, ipVersion);
  const visible = found && (context.isAdmin || found.shared || found.projectId === context.projectId);
  if (!found || !visible) throw badRequest(`No default subnetpool found for IPv${ipVersion}`);
  return forUpdate ? ((await subnetPoolsRepository.get(db, found.id, true)) ?? found) : found;
}

/** Prefix length bounds, quota and free space of the pool (Neutron's `SubnetAllocator`). */
async function checkAllocation(
  db: Queryable,
  pool: SubnetPoolRecord,
  projectId: string,
  prefixLength: number,
): Promise<Cidr[]> {
  if (prefixLength > pool.maxPrefixlen) {
    throw new QdhcpError('MAX_PREFIX_SUBNET_ALLOCATION_ERROR', {
      prefixlen: prefixLength,
      max_prefixlen: pool.maxPrefixlen,
    });
  }
  if (prefixLength < pool.minPrefixlen) {
    throw new QdhcpError('MIN_PREFIX_SUBNET_ALLOCATION_ERROR', {
      prefixlen: prefixLength,
      min_prefixlen: pool.minPrefixlen,
    });
  }
  const allocated = await subnetsRepository.listByPool(db, pool.id);
  // default_quota is per project (the API reference's reading); 0 or null means no quota.
  if (pool.defaultQuota) {
    const used = allocated
      .filter((s) => s.projectId === projectId)
      .reduce((sum, s) => sum + quotaUnits(pool.ipVersion, unwrap(parseCidr(s.cidr)).prefixLength), 0);
    if (used + quotaUnits(pool.ipVersion, prefixLength) > pool.defaultQuota) {
      throw new QdhcpError('SUBNETPOOL_QUOTA_EXCEEDED');
    }
  }
  return prefixDifference(
    pool.ipVersion,
    parsePrefixes(pool.prefixes),
    parsePrefixes(allocated.map((s) => s.cidr)),
  );
}

/** The request with its CIDR (and, for an "any" request, Neutron's first-address gateway) filled in. */
async function allocate(
  db: Queryable,
  pool: SubnetPoolRecord,
  input: SubnetInput,
  projectId: string,
): Promise<SubnetInput> {
  if (input.ip_version !== undefined && input.ip_version !== pool.ipVersion) {
    throw badRequest(`Cannot allocate IPv${input.ip_version} subnet from IPv${pool.ipVersion} subnet pool`);
  }
  const prefixLength = input.prefixlen ?? pool.defaultPrefixlen;
  const { prefixlen: _prefixlen, subnetpool_id: _pool, use_default_subnetpool: _default, ...rest } = input;
  let cidr: Cidr | undefined;
  if (input.cidr !== undefined) cidr = unwrap(parseCidr(input.cidr));
  else if (typeof input.gateway_ip === 'string') {
    // A gateway without a cidr asks for the block of the pool's length that holds it.
    const gateway = unwrap(parseIp(input.gateway_ip, 'gateway_ip'));
    cidr = makeCidr(gateway.version, gateway.value, prefixLength);
  }
  if (cidr !== undefined) {
    if (cidr.version !== pool.ipVersion) {
      throw badRequest(`Cannot allocate IPv${cidr.version} subnet from IPv${pool.ipVersion} subnet pool`);
    }
    const available = await checkAllocation(db, pool, projectId, cidr.prefixLength);
    if (!fitsAvailable(available, cidr)) {
      throw new QdhcpError('SUBNET_ALLOCATION_ERROR', {
        reason: 'Cannot allocate requested subnet from the available set of prefixes',
      });
    }
    return { ...rest, cidr: cidr.text };
  }
  const available = await checkAllocation(db, pool, projectId, prefixLength);
  const chosen = allocateAnySubnet(available, prefixLength);
  if (chosen === undefined) {
    throw new QdhcpError('SUBNET_ALLOCATION_ERROR', {
      reason: `Insufficient prefix space to allocate subnet size /${prefixLength}`,
    });
  }
  const gateway = input.gateway_ip === null ? null : formatIp(chosen.version, chosen.network + 1n);
  return { ...rest, cidr: chosen.text, gateway_ip: gateway };
}

/**
 * Neutron's `_validate_network_subnetpools`: subnets of one family on a network come from one pool, or
 * (with address scopes) from pools of one scope.
 */
async function checkNetworkAffinity(
  db: Queryable,
  pool: SubnetPoolRecord | null,
  ipVersion: 4 | 6,
  siblings: readonly SubnetRecord[],
): Promise<void> {
  let networkScope: string | null = null;
  for (const sibling of siblings) {
    if (sibling.ipVersion !== ipVersion || sibling.subnetpoolId === null) continue;
    const siblingPool = await subnetPoolsRepository.get(db, sibling.subnetpoolId);
    if (siblingPool?.addressScopeId) {
      networkScope = siblingPool.addressScopeId;
      break;
    }
  }
  if (networkScope !== null && pool !== null && pool.addressScopeId !== networkScope) {
    throw new QdhcpError('NETWORK_ADDRESS_SCOPE_AFFINITY_ERROR');
  }
  for (const sibling of siblings) {
    if (sibling.ipVersion !== ipVersion) continue;
    const mismatch =
      pool === null
        ? sibling.subnetpoolId !== null
        : sibling.subnetpoolId !== pool.id && networkScope === null;
    if (mismatch) throw new QdhcpError('NETWORK_SUBNETPOOL_AFFINITY_ERROR');
  }
}

/** The addressing of a new subnet and the pool it came from. */
export interface NewSubnetAddressing {
  readonly addressing: SubnetAddressing;
  readonly subnetpoolId: string | null;
}

/**
 * Everything a new subnet's addresses depend on, in Neutron's order (`_create_subnet_precommit`,
 * `allocate_subnet`, `_save_subnet`). `forUpdate` locks the pool's row (PostgreSQL) so that subnets taken
 * from one pool at the same time are chosen one after the other.
 */
export async function addressNewSubnet(
  db: Queryable,
  config: ServerConfig,
  context: RequestContext,
  input: SubnetInput,
  siblings: readonly SubnetRecord[],
  options: { readonly projectId: string; readonly forUpdate: boolean },
): Promise<NewSubnetAddressing> {
  if (input.cidr !== undefined && input.prefixlen !== undefined) {
    throw badRequest('cidr and prefixlen must not be supplied together');
  }
  const pool = await requestedPool(db, context, input, options.forUpdate);
  if (
    pool !== null &&
    input.cidr === undefined &&
    input.allocation_pools !== undefined &&
    input.allocation_pools !== null
  ) {
    throw badRequest('allocation_pools allowed only for specific subnet requests.');
  }
  const request = pool === null ? input : await allocate(db, pool, input, options.projectId);
  const addressing = validateNewSubnet(config, request, input.network_id!, siblings);
  await checkNetworkAffinity(db, pool, addressing.cidr.version, siblings);
  return { addressing, subnetpoolId: pool?.id ?? null };
}
