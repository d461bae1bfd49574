/**
 * Which security groups a port is in (issue 14), decided as ML2 decides it
 * (`_portsec_ext_port_create_processing`, `_portsec_ext_port_update_processing`,
 * securitygroups_db.py `_ensure_default_security_group_on_port`): ports Neutron trusts
 * (`network:*` owners: DHCP, router) are in none; with port security a new port not given any is in its
 * project's `default` group; without port security a port can be in none.
 *
 * @module
 */
import { QdhcpError } from '../common/errors.js';
import { type PortRecord, securityGroupsRepository } from '../db/index.js';
import type { RequestContext } from './context.js';
import type { PortInput } from './inputs.js';
import { checkPortGroups, ensureDefaultGroup } from './security-group-defaults.js';
import type { UnitOfWorkDeps, WriteScope } from './unit-of-work.js';

/** `is_port_trusted`: Neutron never filters the network's own ports. */
function isTrusted(deviceOwner: string): boolean {
  return deviceOwner.startsWith('network:');
}

/** What a new port's groups depend on. */
export interface NewPortFacts {
  readonly projectId: string;
  readonly deviceOwner: string;
  readonly portSecurity: boolean;
}

/** A new port's groups; 400 when groups are asked for without port security. */
export async function newPortGroups(
  scope: WriteScope,
  deps: Pick<UnitOfWorkDeps, 'clock'>,
  context: RequestContext,
  input: PortInput,
  facts: NewPortFacts,
): Promise<string[]> {
  const requested = input.security_groups;
  if (isTrusted(facts.deviceOwner)) return [];
  if (!facts.portSecurity) {
    if (requested !== undefined && requested.length > 0)
      throw new QdhcpError('PORT_SECURITY_AND_IP_REQUIRED_FOR_SECURITY_GROUPS');
    return [];
  }
  if (requested === undefined) {
    const id = await ensureDefaultGroup(scope, deps, context, facts.projectId);
    return id === undefined ? [] : [id];
  }
  return checkPortGroups(scope.tx, context, facts.projectId, requested);
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}

/** An updated port's groups: the requested ones (checked) when they differ, else the current ones. */
export async function updatedPortGroups(
  scope: WriteScope,
  context: RequestContext,
  current: PortRecord,
  input: PortInput,
  deviceOwner: string,
): Promise<readonly string[]> {
  const requested = input.security_groups;
  if (requested === undefined || sameMembers(requested, current.securityGroups))
    return current.securityGroups;
  return isTrusted(deviceOwner) ? [] : checkPortGroups(scope.tx, context, current.projectId, requested);
}

/**
 * Without port security after an update, a port is in no group: groups given → 400; groups kept from
 * before (not given, port in some) → 409 PortSecurityPortHasSecurityGroup. Checked after the address
 * pairs, as ML2's `_portsec_ext_port_update_processing` does.
 */
export function checkGroupsWithoutPortSecurity(
  current: PortRecord,
  input: PortInput,
  updated: PortRecord,
): void {
  if (updated.portSecurityEnabled) return;
  const requested = input.security_groups;
  if (requested !== undefined && requested.length > 0)
    throw new QdhcpError('PORT_SECURITY_AND_IP_REQUIRED_FOR_SECURITY_GROUPS');
  if (requested === undefined && current.securityGroups.length > 0)
    throw new QdhcpError('PORT_SECURITY_PORT_HAS_SECURITY_GROUP');
}

/**
 * A member port's addresses in its groups: its fixed IPs and its address pairs, as in Neutron
 * (`_select_ips_for_remote_group`: traffic an instance may send from a pair address is traffic of the
 * group; a pair may be a CIDR, so the hosts' sets are hash:net).
 */
export function memberAddresses(port: PortRecord): string[] {
  return [...port.fixedIps.map((ip) => ip.ipAddress), ...port.allowedAddressPairs.map((p) => p.ip_address)];
}

/**
 * A port's change as the hosts enforcing groups see it: when its groups, addresses, address pairs or port
 * security changed (or it came or went), the groups it was and is in change members — each one's members
 * revision + 1, the port's addresses in it now carried by the event (none: it left) — and the port itself
 * is re-read wherever it is plugged (`undefined`: the port did not exist before, or no longer exists).
 */
export async function portMembershipChanged(
  scope: WriteScope,
  before: PortRecord | undefined,
  after: PortRecord | undefined,
): Promise<void> {
  const facts = (port: PortRecord | undefined) =>
    port === undefined
      ? undefined
      : JSON.stringify([
          [...port.securityGroups].sort(),
          port.fixedIps.map((ip) => ip.ipAddress).sort(),
          port.allowedAddressPairs,
          port.portSecurityEnabled,
        ]);
  if (facts(before) === facts(after)) return;
  const groups = [...new Set([...(before?.securityGroups ?? []), ...(after?.securityGroups ?? [])])];
  const id = (before ?? after)?.id;
  scope.securityGroupsChanged(groups, id === undefined ? [] : [id]);
  if (id === undefined) return;
  const revisions = await securityGroupsRepository.bumpMembersRevisions(scope.tx, groups);
  for (const group of groups) {
    const revision = revisions.get(group) ?? 1;
    const addresses = after?.securityGroups.includes(group) ? memberAddresses(after) : [];
    scope.securityGroupMembersChanged({
      securityGroupId: group,
      baseRevision: revision - 1,
      revision,
      ports: [{ id, addresses }],
    });
  }
}
