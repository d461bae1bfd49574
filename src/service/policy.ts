/**
 * Neutron's default policy, reduced to what this server enforces: admins see and change everything;
 * a project sees its own resources, shared networks (and their subnets) and external networks (not
 * their subnets: Neutron's `get_network` allows `rule:external`, `get_subnet` only `rule:shared` without
 * the subnet-external-network extension), changes only its own, and gets 404 — not 403 — for what it may
 * not see, so existence does not leak (spec 1.1).
 *
 * @module
 */
import { QdhcpError } from '../common/errors.js';
import type { RequestContext } from './context.js';

/** Ownership facts of a resource. */
export interface Ownership {
  readonly projectId: string;
  readonly shared?: boolean;
  /** A network with `router:external=true` (networks only: a subnet never inherits it). */
  readonly external?: boolean;
}

/** Returns `record` when the caller may see it; otherwise throws `notFound()`. */
export function visibleOr404<T extends Ownership>(
  context: RequestContext,
  record: T | undefined,
  notFound: () => QdhcpError,
): T {
  if (record === undefined) throw notFound();
  if (context.isAdmin || record.projectId === context.projectId || record.shared === true) return record;
  if (record.external === true) return record;
  throw notFound();
}

/** The 403 of a policy rule, worded as Neutron's policy engine words it (`rule:ACTION is disallowed by policy`). */
export function forbidden(action: string): QdhcpError {
  return new QdhcpError('FORBIDDEN', { message: `rule:${action} is disallowed by policy` });
}

/** Throws 403 unless the caller is admin or owns the resource. */
export function requireOwner(context: RequestContext, record: Ownership, action: string): void {
  if (!context.isAdmin && record.projectId !== context.projectId) throw forbidden(action);
}

/** The project a new resource belongs to (the edge already refused foreign projects for non-admins). */
export function ownerProject(context: RequestContext, requested: string | undefined): string {
  return requested ?? context.projectId;
}

/** `If-Match: revision_number=N` (spec 1.1): 412 when the resource's revision differs. */
export function checkRevision(current: number, expected: number | undefined): void {
  if (expected !== undefined && expected !== current) {
    throw new QdhcpError('REVISION_MISMATCH', { expected: `revision_number=${expected}`, current });
  }
}

/**
 * Creating a subnet or port on someone else's network (spec 1.1 ownership validation): allowed for
 * admins, the network's project, and anyone on a shared network; otherwise 403 — the network exists,
 * Neutron says so here rather than hiding it.
 */
export function requireNetworkAccess(context: RequestContext, network: Ownership, resource: string): void {
  if (context.isAdmin || network.projectId === context.projectId || network.shared === true) return;
  throw new QdhcpError('FORBIDDEN', {
    message: `Tenant ${context.projectId} not allowed to create ${resource} on this network`,
  });
}
