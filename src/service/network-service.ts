/**
 * Network use-cases: create (single and bulk), list, show, update, delete, with Neutron's defaults,
 * provider segments, MTU limits, sharing rules and delete semantics (spec 1.3, 1.8).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { ServerConfig } from '../common/config.js';
import { QdhcpError } from '../common/errors.js';
import {
  type EqualsFilter,
  type NetworkRecord,
  networksRepository,
  portsRepository,
  subnetsRepository,
} from '../db/index.js';
import { DEVICE_OWNER_FLOATINGIP } from '../ipam/index.js';
import { formatTimestamp } from './clock.js';
import { type RequestContext, visibilityScope } from './context.js';
import type { NetworkInput } from './inputs.js';
import { checkRevision, forbidden, ownerProject, requireOwner, visibleOr404 } from './policy.js';
import { chooseSegment, maxMtu } from './segments.js';
import { deleteFloatingIpsOfNetwork } from './service-ports.js';
import { runMutation, type UnitOfWorkDeps, type WriteScope } from './unit-of-work.js';
import { type NetworkView, networkView, portView, subnetView } from './views.js';

/** Ports deleted together with their network; any other port makes the network "in use" (spec 1.8). */
export const AUTO_DELETE_PORT_OWNERS: readonly string[] = [
  'network:dhcp',
  'network:distributed',
  'network:floatingip_agent_gateway',
];

export interface NetworkServiceDeps extends UnitOfWorkDeps {
  readonly config: ServerConfig;
}

function notFound(id: string): QdhcpError {
  return new QdhcpError('NETWORK_NOT_FOUND', { net_id: id });
}

/** The network when the caller may see it (own, shared or external); otherwise 404 NetworkNotFound. */
function visibleNetwork(
  context: RequestContext,
  record: NetworkRecord | undefined,
  id: string,
): NetworkRecord {
  const ownership = record && { ...record, external: record.routerExternal };
  visibleOr404(context, ownership, () => notFound(id));
  return record!;
}

function checkMtu(config: ServerConfig, networkType: string, mtu: number): number {
  const max = maxMtu(config, networkType);
  if (mtu === 0) return max;
  if (mtu > max)
    throw new QdhcpError('INVALID_INPUT', { error_message: `Requested MTU is too big, maximum is ${max}` });
  return mtu;
}

/** Network use-cases. */
export function createNetworkService(deps: NetworkServiceDeps) {
  const { database, config, clock } = deps;

  async function toView(record: NetworkRecord, context: RequestContext): Promise<NetworkView> {
    const ids = await subnetsRepository.idsByNetwork(database.db, [record.id]);
    const scopes = await subnetsRepository.addressScopesByNetwork(database.db, [record.id]);
    return networkView(record, ids.get(record.id) ?? [], context.isAdmin, scopes.get(record.id));
  }

  async function createOne(
    scope: WriteScope,
    context: RequestContext,
    input: NetworkInput,
  ): Promise<NetworkView> {
    const hasProvider =
      input['provider:network_type'] !== undefined ||
      input['provider:physical_network'] !== undefined ||
      input['provider:segmentation_id'] !== undefined;
    if (hasProvider && !context.isAdmin) {
      throw new QdhcpError('FORBIDDEN', { message: 'Provider attributes may only be set by an admin' });
    }
    if (input.shared === true && !context.isAdmin) {
      throw forbidden('create_network:shared');
    }
    // Neutron's create_network:router:external is admin-only; `false` is the default, not enforced.
    if (input['router:external'] === true && !context.isAdmin) {
      throw forbidden('create_network:router:external');
    }
    const segment = await chooseSegment(scope.tx, config, {
      ...(input['provider:network_type'] !== undefined && { networkType: input['provider:network_type'] }),
      ...(input['provider:physical_network'] !== undefined && {
        physicalNetwork: input['provider:physical_network'],
      }),
      ...(input['provider:segmentation_id'] !== undefined && {
        segmentationId: input['provider:segmentation_id'],
      }),
    });
    const now = formatTimestamp(clock());
    const record: NetworkRecord = {
      id: randomUUID(),
      projectId: ownerProject(context, input.project_id),
      name: input.name ?? '',
      description: input.description ?? '',
      adminStateUp: input.admin_state_up ?? true,
      status: 'ACTIVE',
      shared: input.shared ?? false,
      mtu: checkMtu(config, segment.networkType, input.mtu ?? 0),
      dnsDomain: input.dns_domain ?? '',
      portSecurityEnabled: input.port_security_enabled ?? true,
      routerExternal: input['router:external'] ?? false,
      networkType: segment.networkType,
      physicalNetwork: segment.physicalNetwork,
      segmentationId: segment.segmentationId,
      availabilityZoneHints: input.availability_zone_hints ?? [],
      // Only ports take `tags` in a create body; other resources start untagged.
      tags: [],
      createdAt: now,
      updatedAt: now,
      revisionNumber: 1,
      syncRevision: 0,
    };
    await networksRepository.insert(scope.tx, record);
    const view = networkView(record, [], context.isAdmin);
    await scope.emit('network', 'created', record.id, record.id, networkView(record, [], true));
    return view;
  }

  return {
    /** Creates all networks or none (bulk is one transaction). */
    async create(context: RequestContext, inputs: readonly NetworkInput[]): Promise<NetworkView[]> {
      return runMutation(deps, async (scope) => {
        const views: NetworkView[] = [];
        for (const input of inputs) views.push(await createOne(scope, context, input));
        return views;
      });
    },

    async list(context: RequestContext, equals: EqualsFilter): Promise<NetworkView[]> {
      const scope = visibilityScope(context);
      const records = await networksRepository.list(database.db, {
        equals,
        ...(scope !== undefined && { visibleToProject: scope }),
      });
      const ids = records.map((r) => r.id);
      const subnetIds = await subnetsRepository.idsByNetwork(database.db, ids);
      const scopes = await subnetsRepository.addressScopesByNetwork(database.db, ids);
      return records.map((r) => networkView(r, subnetIds.get(r.id) ?? [], context.isAdmin, scopes.get(r.id)));
    },

    async get(context: RequestContext, id: string): Promise<NetworkView> {
      const record = visibleNetwork(context, await networksRepository.get(database.db, id), id);
      return toView(record, context);
    },

    async update(
      context: RequestContext,
      id: string,
      input: NetworkInput,
      ifMatch?: number,
    ): Promise<NetworkView> {
      return runMutation(deps, async (scope) => {
        await scope.lockNetwork(id);
        const record = visibleNetwork(context, await networksRepository.get(scope.tx, id), id);
        checkRevision(record.revisionNumber, ifMatch);
        requireOwner(context, record, 'update_network');
        if (input.shared !== undefined && input.shared !== record.shared && !context.isAdmin) {
          throw forbidden('update_network:shared');
        }
        if (input['router:external'] !== undefined && !context.isAdmin) {
          throw forbidden('update_network:router:external');
        }
        if (input.shared === false && record.shared) {
          const foreignPorts = (await portsRepository.listByNetwork(scope.tx, id)).some(
            (p) => p.projectId !== record.projectId,
          );
          const foreignSubnets = (await subnetsRepository.listByNetwork(scope.tx, id)).some(
            (s) => s.projectId !== record.projectId,
          );
          if (foreignPorts || foreignSubnets) throw new QdhcpError('INVALID_SHARED_SETTING', { network: id });
        }
        const updated: NetworkRecord = {
          ...record,
          ...(input.name !== undefined && { name: input.name }),
          ...(input.description !== undefined && { description: input.description }),
          ...(input.admin_state_up !== undefined && { adminStateUp: input.admin_state_up }),
          ...(input.shared !== undefined && { shared: input.shared }),
          ...(input.mtu !== undefined && { mtu: checkMtu(config, record.networkType, input.mtu) }),
          ...(input.dns_domain !== undefined && { dnsDomain: input.dns_domain }),
          ...(input.port_security_enabled !== undefined && {
            portSecurityEnabled: input.port_security_enabled,
          }),
          ...(input['router:external'] !== undefined && { routerExternal: input['router:external'] }),
          updatedAt: formatTimestamp(clock()),
          revisionNumber: record.revisionNumber + 1,
        };
        await networksRepository.update(scope.tx, updated);
        const subnetIds = (await subnetsRepository.idsByNetwork(scope.tx, [id])).get(id) ?? [];
        await scope.emit('network', 'updated', id, id, networkView(updated, subnetIds, true));
        const scopes = await subnetsRepository.addressScopesByNetwork(scope.tx, [id]);
        return networkView(updated, subnetIds, context.isAdmin, scopes.get(id));
      });
    },

    /** Deletes the network with its DHCP-style ports and its subnets; 409 while other ports exist. */
    async delete(context: RequestContext, id: string, ifMatch?: number): Promise<void> {
      await runMutation(deps, async (scope) => {
        await scope.lockNetwork(id);
        const record = visibleNetwork(context, await networksRepository.get(scope.tx, id), id);
        checkRevision(record.revisionNumber, ifMatch);
        requireOwner(context, record, 'delete_network');
        await deleteFloatingIpsOfNetwork(scope.tx, id);
        const ports = await portsRepository.listByNetwork(scope.tx, id);
        const inUse = ports.filter(
          (p) =>
            !AUTO_DELETE_PORT_OWNERS.includes(p.deviceOwner) && p.deviceOwner !== DEVICE_OWNER_FLOATINGIP,
        );
        if (inUse.length > 0) {
          throw new QdhcpError('NETWORK_IN_USE', {
            net_id: id,
            reason: `There are one or more ports still in use on the network, id for these ports is: ${inUse
              .map((p) => p.id)
              .join(',')}.`,
          });
        }
        for (const port of ports) {
          await portsRepository.delete(scope.tx, port.id);
          await scope.emit('port', 'deleted', port.id, id, portView(port, config.dnsDomain, true));
        }
        for (const subnet of await subnetsRepository.listByNetwork(scope.tx, id)) {
          await subnetsRepository.delete(scope.tx, subnet.id);
          await scope.emit('subnet', 'deleted', subnet.id, id, subnetView(subnet));
        }
        await scope.emit('network', 'deleted', id, id, networkView(record, [], true));
        await networksRepository.delete(scope.tx, id);
      });
    },
  };
}

/** The network use-cases, as built by {@link createNetworkService}. */
export type NetworkService = ReturnType<typeof createNetworkService>;
