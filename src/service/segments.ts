/**
 * Provider segments (ML2 type drivers in miniature): validating requested `provider:*` attributes,
 * choosing a free VLAN id or VNI for tenant networks, and the MTU each type allows. The uniqueness of a
 * segment is finally guaranteed by the `segment_key` unique column; the choices here are random among
 * the free ids so that concurrent creators rarely collide (and retry when they do).
 *
 * @module
 */
import type { ServerConfig } from '../common/config.js';
import { QdhcpError } from '../common/errors.js';
import { networksRepository, type Queryable } from '../db/index.js';

/** A network's segment. */
export interface Segment {
  readonly networkType: 'local' | 'flat' | 'vlan' | 'vxlan';
  readonly physicalNetwork: string | null;
  readonly segmentationId: number | null;
}

/** The `provider:*` attributes of a create request (each may be absent). */
export interface ProviderRequest {
  readonly networkType?: string;
  readonly physicalNetwork?: string;
  readonly segmentationId?: number;
}

/** VXLAN over IPv4 costs 50 bytes of the physical MTU (spec 1.3). */
const VXLAN_OVERHEAD = 50;

/** Largest MTU a network of this type may have. */
export function maxMtu(config: ServerConfig, networkType: string): number {
  return networkType === 'vxlan' ? config.globalPhysnetMtu - VXLAN_OVERHEAD : config.globalPhysnetMtu;
}

function invalid(message: string): QdhcpError {
  return new QdhcpError('INVALID_INPUT', { error_message: message });
}

function pickRandom(candidates: readonly number[]): number | undefined {
  return candidates[Math.floor(Math.random() * candidates.length)];
}

function freeIds(
  ranges: readonly { min: number; max: number }[],
  used: ReadonlySet<number>,
  cap = 4096,
): number[] {
  const free: number[] = [];
  for (const { min, max } of ranges) {
    for (let id = min; id <= max && free.length < cap; id++) if (!used.has(id)) free.push(id);
  }
  return free;
}

async function allocateVlan(
  db: Queryable,
  config: ServerConfig,
  physnet?: string,
): Promise<Segment | undefined> {
  const ranges = config.networkVlanRanges.filter(
    (r) => r.min !== undefined && (physnet === undefined || r.physicalNetwork === physnet),
  );
  const physnets = [...new Set(ranges.map((r) => r.physicalNetwork))];
  for (const name of physnets) {
    const used = await networksRepository.usedSegmentationIds(db, 'vlan', name);
    const mine = ranges.filter((r) => r.physicalNetwork === name).map((r) => ({ min: r.min!, max: r.max! }));
    const id = pickRandom(freeIds(mine, used));
    if (id !== undefined) return { networkType: 'vlan', physicalNetwork: name, segmentationId: id };
  }
  return undefined;
}

async function allocateVxlan(db: Queryable, config: ServerConfig): Promise<Segment | undefined> {
  const used = await networksRepository.usedSegmentationIds(db, 'vxlan', null);
  const id = pickRandom(freeIds(config.vniRanges, used));
  return id === undefined ? undefined : { networkType: 'vxlan', physicalNetwork: null, segmentationId: id };
}

/** A tenant network's segment: the first type of `tenant_network_types` with a free segment. */
async function allocateTenantSegment(db: Queryable, config: ServerConfig): Promise<Segment> {
  for (const type of config.tenantNetworkTypes) {
    if (type === 'local') return { networkType: 'local', physicalNetwork: null, segmentationId: null };
    const segment =
      type === 'vlan'
        ? await allocateVlan(db, config)
        : type === 'vxlan'
          ? await allocateVxlan(db, config)
          : undefined;
    if (segment) return segment;
  }
  throw new QdhcpError('NO_NETWORK_AVAILABLE');
}

/** Validates a requested provider segment and fills what was left to the server (spec 1.3, ML2). */
async function validateProviderSegment(
  db: Queryable,
  config: ServerConfig,
  request: ProviderRequest,
): Promise<Segment> {
  const { networkType, physicalNetwork, segmentationId } = request;
  switch (networkType) {
    case 'local':
      if (physicalNetwork !== undefined || segmentationId !== undefined) {
        throw invalid(
          'provider:physical_network and provider:segmentation_id are not allowed for local networks',
        );
      }
      return { networkType: 'local', physicalNetwork: null, segmentationId: null };
    case 'flat': {
      if (physicalNetwork === undefined) throw invalid('physical_network required for flat provider network');
      if (segmentationId !== undefined) throw invalid('segmentation_id specified for flat provider network');
      if (!config.flatNetworks.includes('*') && !config.flatNetworks.includes(physicalNetwork)) {
        throw invalid(`physical_network '${physicalNetwork}' unknown for flat provider network`);
      }
      if (await networksRepository.flatPhysicalNetworkInUse(db, physicalNetwork)) {
        throw new QdhcpError('FLAT_NETWORK_IN_USE', { physical_network: physicalNetwork });
      }
      return { networkType: 'flat', physicalNetwork, segmentationId: null };
    }
    case 'vlan': {
      if (segmentationId === undefined) {
        const segment = await allocateVlan(db, config, physicalNetwork);
        if (!segment) throw new QdhcpError('NO_NETWORK_AVAILABLE');
        return segment;
      }
      if (physicalNetwork === undefined) throw invalid('physical_network required for VLAN provider network');
      if (!config.networkVlanRanges.some((r) => r.physicalNetwork === physicalNetwork)) {
        throw invalid(`physical_network '${physicalNetwork}' unknown for VLAN provider network`);
      }
      if (segmentationId < 1 || segmentationId > 4094) {
        throw invalid(`segmentation_id out of range (1 through 4094)`);
      }
      const used = await networksRepository.usedSegmentationIds(db, 'vlan', physicalNetwork);
      if (used.has(segmentationId)) {
        throw new QdhcpError('VLAN_ID_IN_USE', {
          vlan_id: segmentationId,
          physical_network: physicalNetwork,
        });
      }
      return { networkType: 'vlan', physicalNetwork, segmentationId };
    }
    case 'vxlan': {
      if (physicalNetwork !== undefined)
        throw invalid('provider:physical_network specified for vxlan network');
      if (segmentationId === undefined) {
        const segment = await allocateVxlan(db, config);
        if (!segment) throw new QdhcpError('NO_NETWORK_AVAILABLE');
        return segment;
      }
      if (segmentationId < 1 || segmentationId > 16777215) {
        throw invalid('segmentation_id out of range (1 through 16777215)');
      }
      const used = await networksRepository.usedSegmentationIds(db, 'vxlan', null);
      if (used.has(segmentationId)) throw new QdhcpError('TUNNEL_ID_IN_USE', { tunnel_id: segmentationId });
      return { networkType: 'vxlan', physicalNetwork: null, segmentationId };
    }
    default:
      throw invalid(`network_type value '${networkType}' not supported`);
  }
}

/**
 * The segment of a new network: validated from `provider:*` when any is given (the type is then
 * required), else allocated from `tenant_network_types`.
 */
export async function chooseSegment(
  db: Queryable,
  config: ServerConfig,
  request: ProviderRequest,
): Promise<Segment> {
  const anyGiven =
    request.networkType !== undefined ||
    request.physicalNetwork !== undefined ||
    request.segmentationId !== undefined;
  if (!anyGiven) return allocateTenantSegment(db, config);
  if (request.networkType === undefined) throw invalid('provider:network_type required');
  return validateProviderSegment(db, config, request);
}
