/**
 * Subnet use-cases: create (single and bulk), list, show, update, delete (spec 1.4, 1.8). New SLAAC /
 * DHCPv6-stateless subnets give every existing port of the network its EUI-64 address (rule 12).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { ServerConfig } from '../common/config.js';
import { QdhcpError } from '../common/errors.js';
import {
  type EqualsFilter,
  networksRepository,
  type PortRecord,
  portsRepository,
  type SubnetRecord,
  subnetsRepository,
} from '../db/index.js';
import {
  DEVICE_OWNER_ROUTER_INTERFACE,
  eui64Address,
  formatIp,
  isAutoAddressSubnet,
  ROUTER_INTERFACE_OWNERS_SNAT,
} from '../ipam/index.js';
import { formatTimestamp } from './clock.js';
import { type RequestContext, visibilityScope } from './context.js';
import type { SubnetInput } from './inputs.js';
import { AUTO_DELETE_PORT_OWNERS } from './network-service.js';
import { checkRevision, ownerProject, requireNetworkAccess, requireOwner, visibleOr404 } from './policy.js';
import { portMembershipChanged } from './port-security-groups.js';
import { routerChanged } from './router-scheduler.js';
import { addressNewSubnet } from './subnet-from-pool.js';
import { storedCidr, validateSubnetUpdate } from './subnet-rules.js';
import { runMutation, type UnitOfWorkDeps, type WriteScope } from './unit-of-work.js';
import { portView, type SubnetView, subnetView } from './views.js';

export interface SubnetServiceDeps extends UnitOfWorkDeps {
  readonly config: ServerConfig;
}

function subnetNotFound(id: string): QdhcpError {
  return new QdhcpError('SUBNET_NOT_FOUND', { subnet_id: id });
}

function isAuto(subnet: SubnetRecord): boolean {
  return isAutoAddressSubnet({
    ipv6RaMode: subnet.ipv6RaMode as 'slaac' | null,
    ipv6AddressMode: subnet.ipv6AddressMode as 'slaac' | null,
  });
}

/** Subnet use-cases. */
export function createSubnetService(deps: SubnetServiceDeps) {
  const { database, config, clock } = deps;

  /** Rule 12: existing non-router ports get an EUI-64 address on a new automatic subnet. */
  async function addEui64Addresses(scope: WriteScope, subnet: SubnetRecord): Promise<void> {
    const cidr = storedCidr(subnet);
    for (const port of await portsRepository.listByNetwork(scope.tx, subnet.networkId)) {
      if (ROUTER_INTERFACE_OWNERS_SNAT.includes(port.deviceOwner)) continue;
      if (subnet.serviceTypes.length > 0 && !subnet.serviceTypes.includes(port.deviceOwner)) continue;
      const ipAddress = formatIp(6, eui64Address(cidr, port.macAddress));
      const updated = { ...port, fixedIps: [...port.fixedIps, { subnetId: subnet.id, ipAddress }] };
      await portsRepository.replaceFixedIps(scope.tx, updated);
      await portMembershipChanged(scope, port, updated);
      await scope.emit('port', 'updated', port.id, port.networkId, portView(updated, config.dnsDomain, true));
    }
  }

  async function createOne(
    scope: WriteScope,
    context: RequestContext,
    input: SubnetInput,
  ): Promise<SubnetView> {
    const networkId = input.network_id!;
    await scope.lockNetwork(networkId);
    const network = await networksRepository.get(scope.tx, networkId);
    if (!network) throw new QdhcpError('NETWORK_NOT_FOUND', { net_id: networkId });
    requireNetworkAccess(context, network, 'subnet');
    requireOwner(context, network, 'create_subnet');
    const siblings = await subnetsRepository.listByNetwork(scope.tx, networkId);
    const projectId = ownerProject(context, input.project_id);
    const { addressing, subnetpoolId } = await addressNewSubnet(scope.tx, config, context, input, siblings, {
      projectId,
      forUpdate: database.kind === 'postgres',
    });
    const now = formatTimestamp(clock());
    const record: SubnetRecord = {
      id: randomUUID(),
      networkId,
      projectId,
      name: input.name ?? '',
      description: input.description ?? '',
      ipVersion: addressing.cidr.version,
      cidr: addressing.cidr.text,
      gatewayIp: addressing.gatewayIp,
      enableDhcp: input.enable_dhcp ?? true,
      ipv6RaMode: addressing.ipv6RaMode,
      ipv6AddressMode: addressing.ipv6AddressMode,
      allocationPools: addressing.allocationPools,
      dnsNameservers: addressing.dnsNameservers,
      hostRoutes: addressing.hostRoutes,
      serviceTypes: [...(input.service_types ?? [])],
      dnsPublishFixedIp: input.dns_publish_fixed_ip ?? false,
      segmentId: input.segment_id ?? null,
      subnetpoolId,
      // Only ports take `tags` in a create body; other resources start untagged.
      tags: [],
      createdAt: now,
      updatedAt: now,
      revisionNumber: 0,
    };
    await subnetsRepository.insert(scope.tx, record);
    await networksRepository.bumpRevision(scope.tx, networkId);
    await scope.emit('subnet', 'created', record.id, networkId, subnetView(record));
    if (isAuto(record)) await addEui64Addresses(scope, record);
    return subnetView(record);
  }

  async function lockedSubnet(scope: WriteScope, context: RequestContext, id: string): Promise<SubnetRecord> {
    const before = await subnetsRepository.get(scope.tx, id);
    if (!before) throw subnetNotFound(id);
    await scope.lockNetwork(before.networkId);
    const network = await networksRepository.get(scope.tx, before.networkId);
    return visibleOr404(context, { ...before, shared: network?.shared ?? false }, () => subnetNotFound(id));
  }

  return {
    async create(context: RequestContext, inputs: readonly SubnetInput[]): Promise<SubnetView[]> {
      return runMutation(deps, async (scope) => {
        const views: SubnetView[] = [];
        for (const input of inputs) views.push(await createOne(scope, context, input));
        return views;
      });
    },

    async list(context: RequestContext, equals: EqualsFilter): Promise<SubnetView[]> {
      const scope = visibilityScope(context);
      const records = await subnetsRepository.list(database.db, {
        equals,
        ...(scope !== undefined && { visibleToProject: scope }),
      });
      return records.map(subnetView);
    },

    async get(context: RequestContext, id: string): Promise<SubnetView> {
      const record = await subnetsRepository.get(database.db, id);
      if (!record) throw subnetNotFound(id);
      const network = await networksRepository.get(database.db, record.networkId);
      visibleOr404(context, { ...record, shared: network?.shared ?? false }, () => subnetNotFound(id));
      return subnetView(record);
    },

    async update(
      context: RequestContext,
      id: string,
      input: SubnetInput,
      ifMatch?: number,
    ): Promise<SubnetView> {
      return runMutation(deps, async (scope) => {
        const current = await lockedSubnet(scope, context, id);
        checkRevision(current.revisionNumber, ifMatch);
        requireOwner(context, current, 'update_subnet');
        const changes = validateSubnetUpdate(config, current, input);
        const updated: SubnetRecord = {
          ...current,
          ...changes,
          updatedAt: formatTimestamp(clock()),
          revisionNumber: current.revisionNumber + 1,
        };
        await subnetsRepository.update(scope.tx, updated);
        await networksRepository.bumpRevision(scope.tx, updated.networkId);
        // An IPv6 subnet's DNS servers are in its routers' advertisements (RDNSS): those routers changed.
        if (updated.ipVersion === 6 && changes.dnsNameservers !== undefined) {
          for (const holder of await portsRepository.holdersOfSubnet(scope.tx, id)) {
            if (holder.deviceOwner !== DEVICE_OWNER_ROUTER_INTERFACE) continue;
            const port = await portsRepository.get(scope.tx, holder.portId);
            if (port !== undefined && port.deviceId !== '') await routerChanged(scope, deps, port.deviceId);
          }
        }
        await scope.emit('subnet', 'updated', id, updated.networkId, subnetView(updated));
        return subnetView(updated);
      });
    },

    /** 409 while ports other than DHCP-style ones hold addresses; otherwise those lose them. */
    async delete(context: RequestContext, id: string, ifMatch?: number): Promise<void> {
      await runMutation(deps, async (scope) => {
        const subnet = await lockedSubnet(scope, context, id);
        checkRevision(subnet.revisionNumber, ifMatch);
        requireOwner(context, subnet, 'delete_subnet');
        const holders = await portsRepository.holdersOfSubnet(scope.tx, id);
        const blocking = holders.filter((h) =>
          isAuto(subnet)
            ? ROUTER_INTERFACE_OWNERS_SNAT.includes(h.deviceOwner)
            : !AUTO_DELETE_PORT_OWNERS.includes(h.deviceOwner),
        );
        if (blocking.length > 0) {
          throw new QdhcpError('SUBNET_IN_USE', {
            subnet_id: id,
            reason: 'One or more ports have an IP allocation from this subnet',
          });
        }
        // What the holders were, for the hosts enforcing their groups (members lose these addresses).
        const before = new Map<string, PortRecord>();
        for (const { portId } of holders) {
          const port = await portsRepository.get(scope.tx, portId);
          if (port) before.set(portId, port);
        }
        const touched = await portsRepository.deleteAllocationsOfSubnet(scope.tx, id);
        for (const portId of touched) {
          const port = await portsRepository.get(scope.tx, portId);
          if (port) await portMembershipChanged(scope, before.get(portId), port);
          if (port)
            await scope.emit(
              'port',
              'updated',
              port.id,
              port.networkId,
              portView(port, config.dnsDomain, true),
            );
        }
        await subnetsRepository.delete(scope.tx, id);
        await networksRepository.bumpRevision(scope.tx, subnet.networkId);
        await scope.emit('subnet', 'deleted', id, subnet.networkId, subnetView(subnet));
      });
    },
  };
}

/** The subnet use-cases, as built by {@link createSubnetService}. */
export type SubnetService = ReturnType<typeof createSubnetService>;
