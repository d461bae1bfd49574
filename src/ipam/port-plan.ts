/**
 * The pure part of allocating a port's addresses (spec 3.3 and 3.4): which subnets are candidates,
 * and — from the request's `fixed_ips` or their absence — the ordered list of allocation steps the
 * service layer then executes against the database (checking "already allocated" and choosing free
 * addresses with {@link chooseAddress}).
 *
 * @module
 */

import { formatIp, type IpVersion, parseIp } from './address.js';
import type { Cidr } from './cidr.js';
import { DEVICE_OWNER_DHCP, ROUTER_INTERFACE_OWNERS, ROUTER_INTERFACE_OWNERS_SNAT } from './device-owners.js';
import { eui64Address } from './eui64.js';
import {
  allocationOnAutoAddressSubnet,
  invalidIpForNetwork,
  invalidIpForSubnet,
  noMatchingServiceSubnet,
  subnetNotFound,
} from './port-messages.js';
import { invalidAttribute, invalidInput, ok, type ParseResult } from './result.js';
import { classifySubnet, type Ipv6Modes, isAutoAddressSubnet, isValidIpForSubnet } from './subnet-rules.js';

/** What port planning needs to know about a subnet. */
export interface SubnetInfo extends Ipv6Modes {
  readonly id: string;
  readonly cidr: Cidr;
  /** Device owners this subnet is reserved for (`service_types`); empty = any. */
  readonly serviceTypes?: readonly string[];
  readonly enableDhcp?: boolean;
}

/**
 * Candidate subnets for a port (spec 3.3 steps 1, 3, 4; routed-network segment filtering is not
 * modelled): a subnet qualifies if it has no service types, lists `deviceOwner`, or has DHCP enabled and
 * the owner is `network:dhcp`. Subnets with service types come first, otherwise the input order is kept.
 * A network without subnets yields `[]`; subnets but no candidate → 409
 * IpAddressGenerationFailureNoMatchingSubnet.
 */
export function selectCandidateSubnets<T extends SubnetInfo>(
  networkId: string,
  subnets: readonly T[],
  deviceOwner: string,
): ParseResult<T[]> {
  const qualifies = (s: T): boolean => {
    const types = s.serviceTypes ?? [];
    return (
      types.length === 0 ||
      types.includes(deviceOwner) ||
      (deviceOwner === DEVICE_OWNER_DHCP && s.enableDhcp === true)
    );
  };
  const kept = subnets.filter(qualifies);
  if (subnets.length > 0 && kept.length === 0) return noMatchingServiceSubnet(networkId, deviceOwner);
  const typed = kept.filter((s) => (s.serviceTypes ?? []).length > 0);
  const untyped = kept.filter((s) => (s.serviceTypes ?? []).length === 0);
  return ok([...typed, ...untyped]);
}

/** One `fixed_ips` entry as the API carries it. */
export interface FixedIpRequest {
  readonly subnetId?: string;
  readonly ipAddress?: string;
}

const UUID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i;

/**
 * The API-level `fixed_ips` validator (`validate_fixed_ips`): each `ip_address` a valid address and not
 * repeated (`Duplicate IP address '<ip>'`), each `subnet_id` a UUID (`'<id>' is not a valid UUID`);
 * failures are 400 `Invalid input for fixed_ips. Reason: ….`. Duplicate subnet ids are legal.
 */
export function validateFixedIps(entries: readonly FixedIpRequest[]): ParseResult<FixedIpRequest[]> {
  const seen: string[] = [];
  for (const entry of entries) {
    if (entry.ipAddress !== undefined) {
      if (seen.includes(entry.ipAddress)) {
        return invalidAttribute('fixed_ips', `Duplicate IP address '${entry.ipAddress}'`);
      }
      const parsed = parseIp(entry.ipAddress, 'fixed_ips');
      if (!parsed.ok) return parsed;
      seen.push(entry.ipAddress);
    }
    if (entry.subnetId !== undefined && !UUID.test(entry.subnetId)) {
      return invalidAttribute('fixed_ips', `'${entry.subnetId}' is not a valid UUID`);
    }
  }
  return ok([...entries]);
}

/** One step of a port's allocation, in execution order. */
export type AllocationStep =
  /** A named address: the caller must check it is free (409 IpAddressAlreadyAllocated). Pools do not apply. */
  | {
      readonly kind: 'specific';
      readonly subnetId: string;
      readonly version: IpVersion;
      readonly ip: bigint;
      /** Canonical text of `ip`. */
      readonly ipText: string;
    }
  /**
   * A free address from the first of `subnetIds` that has one (one id for an explicit `{subnet_id}`
   * entry; the whole IPv4 or IPv6-stateful group when `fixed_ips` was not given). None free → 409
   * IpAddressGenerationFailure.
   */
  | {
      readonly kind: 'any';
      readonly subnetIds: readonly string[];
      readonly group: 'requested' | 'ipv4' | 'ipv6-stateful';
    }
  /** The EUI-64 address of an automatic IPv6 subnet (SLAAC / DHCPv6-stateless). */
  | { readonly kind: 'eui64'; readonly subnetId: string; readonly ip: bigint; readonly ipText: string };

/** Inputs of {@link planPortAllocation}. */
export interface PortAllocationInput {
  /** Candidate subnets in candidate order ({@link selectCandidateSubnets}). */
  readonly candidates: readonly SubnetInfo[];
  readonly deviceOwner: string;
  /** The port's MAC (lower-case colon form), for EUI-64 addresses. */
  readonly mac: string;
  /** `fixed_ips` from the request; `undefined` when not given (automatic); `[]` means no addresses. */
  readonly fixedIps: readonly FixedIpRequest[] | undefined;
  /** Subnet ids to leave out of the automatic EUI-64 additions (update path: already handled). */
  readonly excludeAutoSubnetIds?: ReadonlySet<string>;
}

/**
 * Plans a port's addresses (spec 3.4):
 * - no `fixed_ips`: one `any` step over the IPv4 candidates, one over the IPv6-stateful candidates;
 * - `fixed_ips` given: each entry resolved to its subnet — with `subnet_id` it must be a candidate (else
 *   404 SubnetNotFound: if the id exists on another network the caller answers
 *   {@link fixedIpSubnetNotOnNetwork} instead) and its `ip_address`, if any, valid there (400
 *   InvalidIpForSubnet); with only `ip_address` the first candidate where it is valid (400
 *   InvalidIpForNetwork); neither → 400; no candidates at all → 400 `IP allocation requires subnets
 *   for network`. An address on an automatic subnet for a non-router-interface owner → 400
 *   AllocationOnAutoAddressSubnet; a subnet-only entry for an automatic subnet is dropped (it gets its
 *   EUI-64 address anyway). Entries naming an address come before entries naming only a subnet, so a
 *   free choice cannot take an address the same request names;
 * - then an `eui64` step for every automatic IPv6 candidate, unless the owner is a router interface or
 *   SNAT port. `fixed_ips: []` plans nothing (address-less port).
 */
export function planPortAllocation(input: PortAllocationInput): ParseResult<AllocationStep[]> {
  const { candidates, deviceOwner, fixedIps } = input;
  if (fixedIps !== undefined && fixedIps.length === 0) return ok([]);
  const specific: AllocationStep[] = [];
  const anySteps: AllocationStep[] = [];
  if (fixedIps === undefined) {
    const v4 = candidates.filter((s) => classifySubnet(s) === 'ipv4').map((s) => s.id);
    const v6 = candidates.filter((s) => classifySubnet(s) === 'ipv6-stateful').map((s) => s.id);
    if (v4.length > 0) anySteps.push({ kind: 'any', subnetIds: v4, group: 'ipv4' });
    if (v6.length > 0) anySteps.push({ kind: 'any', subnetIds: v6, group: 'ipv6-stateful' });
  } else {
    for (const entry of fixedIps) {
      const resolved = resolveFixedIp(candidates, entry, deviceOwner);
      if (!resolved.ok) return resolved;
      const { subnet, ip } = resolved.value;
      const auto = isAutoAddressSubnet(subnet);
      if (ip !== undefined) {
        if (auto && !ROUTER_INTERFACE_OWNERS.includes(deviceOwner)) {
          return allocationOnAutoAddressSubnet(entry.ipAddress ?? '', subnet.id);
        }
        const ipText = formatIp(subnet.cidr.version, ip);
        specific.push({ kind: 'specific', subnetId: subnet.id, version: subnet.cidr.version, ip, ipText });
      } else if (!auto || ROUTER_INTERFACE_OWNERS_SNAT.includes(deviceOwner)) {
        anySteps.push({ kind: 'any', subnetIds: [subnet.id], group: 'requested' });
      }
    }
  }
  const steps = [...specific, ...anySteps];
  if (!ROUTER_INTERFACE_OWNERS_SNAT.includes(deviceOwner)) {
    const exclude = input.excludeAutoSubnetIds ?? new Set<string>();
    const named = new Set(steps.map((s) => ('subnetId' in s ? s.subnetId : '')));
    for (const s of candidates) {
      if (classifySubnet(s) !== 'ipv6-auto' || exclude.has(s.id) || named.has(s.id)) continue;
      const ip = eui64Address(s.cidr, input.mac);
      steps.push({ kind: 'eui64', subnetId: s.id, ip, ipText: formatIp(6, ip) });
    }
  }
  return ok(steps);
}

/** The subnet an entry resolves to, and its parsed address if it names one (`_get_subnet_for_fixed_ip`). */
export function resolveFixedIp<T extends SubnetInfo>(
  candidates: readonly T[],
  entry: FixedIpRequest,
  deviceOwner: string,
): ParseResult<{ subnet: T; ip: bigint | undefined }> {
  if (candidates.length === 0) return invalidInput('IP allocation requires subnets for network');
  let ip: { version: IpVersion; value: bigint } | undefined;
  if (entry.ipAddress !== undefined) {
    const parsed = parseIp(entry.ipAddress, 'fixed_ips');
    if (!parsed.ok) return parsed;
    ip = parsed.value;
  }
  const validIn = (s: T): boolean =>
    ip !== undefined && ip.version === s.cidr.version && isValidIpForSubnet(s.cidr, ip.value, deviceOwner);
  if (entry.subnetId !== undefined) {
    const subnet = candidates.find((s) => s.id === entry.subnetId);
    if (subnet === undefined) return subnetNotFound(entry.subnetId);
    if (ip !== undefined && !validIn(subnet)) return invalidIpForSubnet(entry.ipAddress ?? '');
    return ok({ subnet, ip: ip?.value });
  }
  if (ip === undefined) return invalidInput('IP allocation requires subnet_id or ip_address');
  const subnet = candidates.find(validIn);
  if (subnet === undefined) return invalidIpForNetwork(entry.ipAddress ?? '');
  return ok({ subnet, ip: ip.value });
}
