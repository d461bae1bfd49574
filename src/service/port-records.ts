/**
 * The port use-cases' pure steps: the policy checks on a create or update body (spec 1.1 default policy)
 * and the stored record a create or an update produces once MAC and addresses are decided.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { QdhcpError } from '../common/errors.js';
import type { AddressPair, FixedIp, NetworkRecord, PortRecord } from '../db/index.js';
import type { RequestContext } from './context.js';
import { initialExtraDhcpOpts, mergeExtraDhcpOpts } from './extra-dhcp-opts.js';
import type { PortInput } from './inputs.js';
import { forbidden, ownerProject } from './policy.js';

function withMacs(pairs: NonNullable<PortInput['allowed_address_pairs']>, mac: string): AddressPair[] {
  return pairs.map((pair) => ({ ip_address: pair.ip_address, mac_address: pair.mac_address ?? mac }));
}

/** Network-owner-only attributes on create (spec 1.1 default policy). */
export function checkCreatePolicy(context: RequestContext, network: NetworkRecord, input: PortInput): void {
  if (!context.isAdmin && network.projectId !== context.projectId) {
    if (input.mac_address !== undefined) throw forbidden('create_port:mac_address');
    if (input.fixed_ips?.some((ip) => ip.ip_address !== undefined))
      throw forbidden('create_port:fixed_ips:ip_address');
    if (input.device_owner?.startsWith('network:')) throw forbidden('create_port:device_owner');
    if (input['binding:host_id'] !== undefined || input['binding:profile'] !== undefined) {
      throw forbidden('create_port:binding:host_id');
    }
    // Both default to "not specified" in Neutron's attribute map, so any value given is enforced.
    if (input.port_security_enabled !== undefined) throw forbidden('create_port:port_security_enabled');
    if (input.allowed_address_pairs !== undefined) throw forbidden('create_port:allowed_address_pairs');
  }
}

/** Network-owner-only attributes on update (the MAC, admin-only, is checked where it is decided). */
export function checkUpdatePolicy(input: PortInput, networkOwner: boolean): void {
  if (input.fixed_ips?.some((ip) => ip.ip_address !== undefined) && !networkOwner) {
    throw forbidden('update_port:fixed_ips:ip_address');
  }
  if (input.device_owner?.startsWith('network:') && !networkOwner)
    throw forbidden('update_port:device_owner');
  if (input.port_security_enabled !== undefined && !networkOwner)
    throw forbidden('update_port:port_security_enabled');
  if (input.allowed_address_pairs !== undefined && !networkOwner)
    throw forbidden('update_port:allowed_address_pairs');
}

/**
 * Allowed address pairs need port security (Neutron's ML2 `_portsec_ext_port_*_processing`): a port
 * that ends up with security off and pairs is 409, however it got there — pairs given while security
 * is off, or security turned off while pairs are stored.
 */
export function checkAddressPairs(port: PortRecord): void {
  if (!port.portSecurityEnabled && port.allowedAddressPairs.length > 0)
    throw new QdhcpError('ADDRESS_PAIR_AND_PORT_SECURITY_REQUIRED');
}

/** What the use-case decided before the record is built. */
export interface PortDecisions {
  readonly mac: string;
  readonly deviceOwner: string;
  readonly fixedIps: readonly FixedIp[];
  /** The port's security groups (`port-security-groups.ts`). */
  readonly securityGroups: readonly string[];
  /** The stored timestamp (`formatTimestamp`). */
  readonly now: string;
}

/** A new port's record: the body's attributes, defaults for the rest (spec 1.5). */
export function newPortRecord(
  context: RequestContext,
  network: NetworkRecord,
  input: PortInput,
  { mac, deviceOwner, fixedIps, securityGroups, now }: PortDecisions,
): PortRecord {
  const hostId = input['binding:host_id'] ?? '';
  return {
    id: randomUUID(),
    networkId: network.id,
    projectId: ownerProject(context, input.project_id),
    name: input.name ?? '',
    description: input.description ?? '',
    adminStateUp: input.admin_state_up ?? true,
    macAddress: mac,
    deviceId: input.device_id ?? '',
    deviceOwner,
    status: 'DOWN',
    bindingHostId: hostId,
    bindingVnicType: input['binding:vnic_type'] ?? 'normal',
    bindingProfile: input['binding:profile'] ?? {},
    bindingVifType: hostId === '' ? 'unbound' : 'binding_failed',
    dnsName: input.dns_name ?? '',
    dnsDomain: input.dns_domain ?? '',
    portSecurityEnabled: input.port_security_enabled ?? network.portSecurityEnabled,
    extraDhcpOpts: initialExtraDhcpOpts(input.extra_dhcp_opts),
    allowedAddressPairs: withMacs(input.allowed_address_pairs ?? [], mac),
    ipAllocation: input.fixed_ips !== undefined && input.fixed_ips.length === 0 ? 'none' : 'immediate',
    tags: [...(input.tags ?? [])].sort(),
    fixedIps,
    securityGroups: [...securityGroups],
    createdAt: now,
    updatedAt: now,
    revisionNumber: 1,
  };
}

/** The record after an update: given attributes replaced, the binding re-evaluated, revision + 1. */
export function updatedPortRecord(
  current: PortRecord,
  input: PortInput,
  { mac, deviceOwner, fixedIps, securityGroups, now }: PortDecisions,
): PortRecord {
  const hostId = input['binding:host_id'] ?? current.bindingHostId;
  return {
    ...current,
    ...(input.name !== undefined && { name: input.name }),
    ...(input.description !== undefined && { description: input.description }),
    ...(input.admin_state_up !== undefined && { adminStateUp: input.admin_state_up }),
    ...(input.device_id !== undefined && { deviceId: input.device_id }),
    ...(input['binding:vnic_type'] !== undefined && { bindingVnicType: input['binding:vnic_type'] }),
    ...(input['binding:profile'] !== undefined && { bindingProfile: input['binding:profile'] ?? {} }),
    ...(input.dns_name !== undefined && { dnsName: input.dns_name }),
    ...(input.dns_domain !== undefined && { dnsDomain: input.dns_domain }),
    ...(input.port_security_enabled !== undefined && { portSecurityEnabled: input.port_security_enabled }),
    ...(input.allowed_address_pairs !== undefined && {
      allowedAddressPairs: withMacs(input.allowed_address_pairs, mac),
    }),
    ...(input.extra_dhcp_opts !== undefined && {
      extraDhcpOpts: mergeExtraDhcpOpts(current.extraDhcpOpts, input.extra_dhcp_opts),
    }),
    deviceOwner,
    macAddress: mac,
    bindingHostId: hostId,
    bindingVifType:
      hostId === ''
        ? 'unbound'
        : current.bindingHostId === hostId
          ? current.bindingVifType
          : 'binding_failed',
    fixedIps,
    securityGroups: [...securityGroups],
    ipAllocation: fixedIps.length === 0 && input.fixed_ips !== undefined ? 'none' : 'immediate',
    updatedAt: now,
    revisionNumber: current.revisionNumber + 1,
  };
}
