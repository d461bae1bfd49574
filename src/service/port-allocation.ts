/**
 * Which addresses a port gets (spec 3.3, 3.4, 3.6): candidate subnets by device owner, automatic choice
 * per IP-version group, specific requests, EUI-64 addresses on SLAAC / DHCPv6-stateless subnets, and the
 * fixed_ips diff on update. Pure: the caller passes the network's subnets and what is allocated, and
 * stores the result in the same transaction (the unique key on (subnet, ip) is the final guard).
 *
 * @module
 */
import { QdhcpError } from '../common/errors.js';
import type { FixedIp, SubnetRecord } from '../db/index.js';
import {
  type Cidr,
  chooseAddress,
  classifySubnet,
  eui64Address,
  formatIp,
  type Ipv6Mode,
  isEui64Address,
  isValidIpForSubnet,
  parseIp,
  prefersNextAddress,
  ROUTER_INTERFACE_OWNERS_SNAT,
  ROUTER_PORT_OWNERS,
  SortedAddresses,
} from '../ipam/index.js';
import type { SubnetAllocations } from './allocation-cache.js';
import type { FixedIpRequest } from './inputs.js';
import { storedCidr, storedPools } from './subnet-rules.js';

/** Everything the allocation of one port needs to know. */
export interface AllocationContext {
  readonly networkId: string;
  /** All subnets of the network, oldest first. */
  readonly subnets: readonly SubnetRecord[];
  /**
   * Addresses allocated per subnet id, not counting this port's own. The caller owns the sets: the
   * addresses this allocation takes or keeps are added to them in place (a subnet without a set gets one).
   */
  readonly allocated: SubnetAllocations;
  readonly deviceOwner: string;
  readonly macAddress: string;
  readonly random: () => number;
}

interface Candidate {
  readonly subnet: SubnetRecord;
  readonly cidr: Cidr;
  readonly kind: ReturnType<typeof classifySubnet>;
}

/** Candidate subnets for the owner (spec 3.3): service-typed matches first, then untyped ones. */
function candidates(context: AllocationContext): Candidate[] {
  const owner = context.deviceOwner;
  const typed: Candidate[] = [];
  const untyped: Candidate[] = [];
  for (const subnet of context.subnets) {
    const matches =
      subnet.serviceTypes.length === 0 ||
      subnet.serviceTypes.includes(owner) ||
      (owner === 'network:dhcp' && subnet.enableDhcp);
    if (!matches) continue;
    const cidr = storedCidr(subnet);
    const candidate = {
      subnet,
      cidr,
      kind: classifySubnet({
        cidr,
        ipv6RaMode: subnet.ipv6RaMode as Ipv6Mode | null,
        ipv6AddressMode: subnet.ipv6AddressMode as Ipv6Mode | null,
      }),
    };
    (subnet.serviceTypes.length > 0 ? typed : untyped).push(candidate);
  }
  return [...typed, ...untyped];
}

/**
 * What is taken while one request allocates several addresses: the caller's sets, changed in place (no
 * copy of a subnet's allocations per port, issue 17).
 */
class Taken {
  constructor(private readonly context: AllocationContext) {}

  of(candidate: Candidate): SortedAddresses {
    let set = this.context.allocated.get(candidate.subnet.id);
    if (!set) {
      set = new SortedAddresses();
      this.context.allocated.set(candidate.subnet.id, set);
    }
    return set;
  }
}

function alreadyAllocated(ip: string, subnetId: string): QdhcpError {
  return new QdhcpError('IP_ADDRESS_ALREADY_ALLOCATED', { ip, subnet_id: subnetId });
}

function generationFailure(networkId: string): QdhcpError {
  return new QdhcpError('IP_ADDRESS_GENERATION_FAILURE', { net_id: networkId });
}

function chooseIn(context: AllocationContext, taken: Taken, candidate: Candidate): FixedIp | undefined {
  const used = taken.of(candidate);
  const ip = chooseAddress(storedPools(candidate.subnet), used, {
    preferNext: prefersNextAddress(context.deviceOwner),
    random: context.random,
  });
  if (ip === undefined) return undefined;
  used.add(ip);
  return { subnetId: candidate.subnet.id, ipAddress: formatIp(candidate.cidr.version, ip) };
}

function eui64For(context: AllocationContext, taken: Taken, candidate: Candidate): FixedIp {
  const ip = eui64Address(candidate.cidr, context.macAddress);
  const text = formatIp(6, ip);
  const used = taken.of(candidate);
  if (used.has(ip)) throw alreadyAllocated(text, candidate.subnet.id);
  used.add(ip);
  return { subnetId: candidate.subnet.id, ipAddress: text };
}

/** Automatic addresses for a port created without `fixed_ips` (spec 3.4, first half). */
function allocateAutomatically(context: AllocationContext, all: Candidate[], taken: Taken): FixedIp[] {
  const result: FixedIp[] = [];
  for (const group of ['ipv4', 'ipv6-stateful'] as const) {
    const members = all.filter((c) => c.kind === group);
    if (members.length === 0) continue;
    let chosen: FixedIp | undefined;
    for (const candidate of members) {
      chosen = chooseIn(context, taken, candidate);
      if (chosen) break;
    }
    if (!chosen) throw generationFailure(context.networkId);
    result.push(chosen);
  }
  if (!ROUTER_INTERFACE_OWNERS_SNAT.includes(context.deviceOwner)) {
    for (const candidate of all.filter((c) => c.kind === 'ipv6-auto'))
      result.push(eui64For(context, taken, candidate));
  }
  return result;
}

/** A request entry resolved to its subnet, with the address if one was named. */
interface ResolvedEntry {
  readonly candidate: Candidate;
  readonly ip?: bigint;
}

function resolveEntry(
  context: AllocationContext,
  all: Candidate[],
  entry: FixedIpRequest,
): ResolvedEntry | undefined {
  const isRouter = ROUTER_PORT_OWNERS.includes(context.deviceOwner);
  let ip: { version: 4 | 6; value: bigint } | undefined;
  if (entry.ip_address !== undefined) {
    const parsed = parseIp(entry.ip_address, 'fixed_ips');
    if (!parsed.ok) throw new QdhcpError('INVALID_ATTRIBUTE', {}, { message: parsed.message });
    ip = parsed.value;
  }
  if (entry.subnet_id !== undefined) {
    const candidate = all.find((c) => c.subnet.id === entry.subnet_id);
    if (!candidate) {
      throw new QdhcpError('IP_ADDRESS_GENERATION_FAILURE_NO_MATCHING_SUBNET', {
        network_id: context.networkId,
        service_type: context.deviceOwner,
      });
    }
    if (ip === undefined) return candidate.kind === 'ipv6-auto' && !isRouter ? undefined : { candidate };
    if (
      ip.version !== candidate.cidr.version ||
      !isValidIpForSubnet(candidate.cidr, ip.value, context.deviceOwner)
    ) {
      throw new QdhcpError('INVALID_IP_FOR_SUBNET', { ip_address: entry.ip_address! });
    }
    if (candidate.kind === 'ipv6-auto' && !isRouter) {
      throw new QdhcpError('ALLOCATION_ON_AUTO_ADDRESS_SUBNET', {
        ip: entry.ip_address!,
        subnet_id: candidate.subnet.id,
      });
    }
    return { candidate, ip: ip.value };
  }
  if (ip === undefined) {
    throw new QdhcpError('INVALID_INPUT', {
      error_message: 'IP allocation requires subnet_id or ip_address',
    });
  }
  const value = ip.value;
  const candidate = all.find(
    (c) => c.cidr.version === ip!.version && isValidIpForSubnet(c.cidr, value, context.deviceOwner),
  );
  if (!candidate) throw new QdhcpError('INVALID_IP_FOR_NETWORK', { ip_address: entry.ip_address! });
  if (candidate.kind === 'ipv6-auto' && !isRouter) {
    throw new QdhcpError('ALLOCATION_ON_AUTO_ADDRESS_SUBNET', {
      ip: entry.ip_address!,
      subnet_id: candidate.subnet.id,
    });
  }
  return { candidate, ip: value };
}

/**
 * The fixed IPs of a port (create: `existing` empty; update: the port's current addresses, spec 3.6).
 * `requested` undefined means "choose automatically" (create only). Subnet ids must belong to the
 * network (the caller maps foreign and unknown ids to their errors first).
 */
export function allocateFixedIps(
  context: AllocationContext,
  requested: readonly FixedIpRequest[] | undefined,
  existing: readonly FixedIp[] = [],
): FixedIp[] {
  const all = candidates(context);
  const taken = new Taken(context);
  if (requested === undefined) {
    if (context.subnets.length > 0 && all.length === 0) {
      throw new QdhcpError('IP_ADDRESS_GENERATION_FAILURE_NO_MATCHING_SUBNET', {
        network_id: context.networkId,
        service_type: context.deviceOwner,
      });
    }
    return allocateAutomatically(context, all, taken);
  }
  if (requested.length > 0 && context.subnets.length === 0) {
    throw new QdhcpError('INVALID_INPUT', {
      error_message: `Failed to create port on network ${context.networkId}, because fixed_ips included invalid subnet`,
    });
  }
  const resolved = requested.map((entry) => resolveEntry(context, all, entry));
  const unmatched = [...existing];
  const takeExisting = (predicate: (ip: FixedIp) => boolean): FixedIp | undefined => {
    const index = unmatched.findIndex(predicate);
    return index < 0 ? undefined : unmatched.splice(index, 1)[0];
  };
  const result: (FixedIp | undefined)[] = resolved.map(() => undefined);
  // Named addresses first, so a free choice cannot grab an address another entry asked for.
  for (const [index, entry] of resolved.entries()) {
    if (!entry || entry.ip === undefined) continue;
    const text = formatIp(entry.candidate.cidr.version, entry.ip);
    const kept = takeExisting((ip) => ip.subnetId === entry.candidate.subnet.id && ip.ipAddress === text);
    if (kept) {
      // Still the port's (the caller left its own addresses out): a free choice below must not take it.
      taken.of(entry.candidate).add(entry.ip);
      result[index] = kept;
      continue;
    }
    const used = taken.of(entry.candidate);
    if (
      used.has(entry.ip) ||
      result.some((r) => r?.ipAddress === text && r.subnetId === entry.candidate.subnet.id)
    ) {
      throw alreadyAllocated(text, entry.candidate.subnet.id);
    }
    used.add(entry.ip);
    result[index] = { subnetId: entry.candidate.subnet.id, ipAddress: text };
  }
  for (const [index, entry] of resolved.entries()) {
    if (!entry || entry.ip !== undefined) continue;
    const reused = takeExisting((ip) => ip.subnetId === entry.candidate.subnet.id);
    const reusedIp = reused && parseIp(reused.ipAddress);
    if (reusedIp?.ok) taken.of(entry.candidate).add(reusedIp.value.value);
    const chosen = reused ?? chooseIn(context, taken, entry.candidate);
    if (!chosen) throw generationFailure(context.networkId);
    result[index] = chosen;
  }
  const out = result.filter((r): r is FixedIp => r !== undefined);
  // Automatic IPv6 subnets always get their EUI-64 address (kept on update, unless a router port).
  if (!ROUTER_INTERFACE_OWNERS_SNAT.includes(context.deviceOwner)) {
    for (const candidate of all.filter((c) => c.kind === 'ipv6-auto')) {
      if (out.some((ip) => ip.subnetId === candidate.subnet.id)) continue;
      const kept = takeExisting((ip) => ip.subnetId === candidate.subnet.id);
      const parsed = kept && parseIp(kept.ipAddress);
      const stillEui64 =
        parsed?.ok === true &&
        isEui64Address(6, parsed.value.value) &&
        kept!.ipAddress === formatIp(6, eui64Address(candidate.cidr, context.macAddress));
      out.push(
        kept && (stillEui64 || !(parsed?.ok && isEui64Address(6, parsed.value.value)))
          ? kept
          : eui64For(context, taken, candidate),
      );
    }
  }
  return out;
}
