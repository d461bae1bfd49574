import type { ServerConfig } from '../common/config.js';
import { QdhcpError } from '../common/errors.js';
import {
  type EqualsFilter,
  type FixedIp,
  type FixedIpsFilter,
  type NetworkRecord,
  networksRepository,
  type PortRecord,
  portsRepository,
  type Queryable,
  securityGroupsRepository,
  subnetsRepository,
} from '../db/index.js';
import { AllocationCache, type SubnetAllocations } from './allocation-cache.js';
import { formatTimestamp } from './clock.js';
import { type RequestContext, visibilityScope } from './context.js';
import { freeMac } from './free-mac.js';
import type { FixedIpRequest, PortInput } from './inputs.js';
import { checkRevision, forbidden, ownerProject, requireNetworkAccess } from './policy.js';
import { allocateFixedIps } from './port-allocation.js';
import {
  addAddresses,
  loadAllocations,
  type MutationState,
  removeAddresses,
  withLocalCache,
} from './port-mutation.js';
import {
  checkAddressPairs,
  checkCreatePolicy,
  checkUpdatePolicy,
  newPortRecord,
  updatedPortRecord,
} from './port-records.js';
import {
  checkGroupsWithoutPortSecurity,
  newPortGroups,
  portMembershipChanged,
  updatedPortGroups,
} from './port-security-groups.js';
import { rebindIfMoved } from './provisioning-blocks.js';
import { routerChanged } from './router-scheduler.js';
import { disassociateFloatingIps, isServicePortInUse } from './service-ports.js';
import { runMutation, type UnitOfWorkDeps, type WriteScope } from './unit-of-work.js';
import { type PortView, portView } from './views.js';

export interface PortServiceDeps extends UnitOfWorkDeps {
  readonly config: ServerConfig;
  /** Uniform in [0, 1); defaults to Math.random. */
  readonly random?: () => number;
  /** The control plane's allocation cache (shared with `dhcp.ports_ready`); a private one by default. */
  readonly allocationCache?: AllocationCache;
}

function portNotFound(id: string): QdhcpError {
  return new QdhcpError('PORT_NOT_FOUND', { port_id: id });
}

/** Port use-cases. */
export function createPortService(deps: PortServiceDeps) {
  const { database, config, clock } = deps;
  const random = deps.random ?? Math.random;
  const cache = deps.allocationCache ?? new AllocationCache();

  /** Foreign or unknown subnet ids in a fixed_ips request fail before anything is allocated. */
  async function checkRequestedSubnets(
    tx: Queryable,
    network: NetworkRecord,
    requested: readonly FixedIpRequest[],
  ) {
    const own = new Set((await subnetsRepository.idsByNetwork(tx, [network.id])).get(network.id) ?? []);
    for (const entry of requested) {
      if (entry.subnet_id === undefined || own.has(entry.subnet_id)) continue;
      if (await subnetsRepository.get(tx, entry.subnet_id)) {
        throw new QdhcpError('INVALID_INPUT', {
          error_message: `Failed to create port on network ${network.id}, because fixed_ips included invalid subnet ${entry.subnet_id}`,
        });
      }
      throw new QdhcpError('SUBNET_NOT_FOUND', { subnet_id: entry.subnet_id });
    }
  }

  /**
   * The network's allocations at `revision`, owned by this transaction from here on (it changes them in
   * place): from its own earlier steps, taken from the shared cache, or loaded (and sorted) from the
   * database. Call with the network locked.
   */
  async function allocationsAt(
    scope: MutationState,
    networkId: string,
    revision: number,
    subnetIds: readonly string[],
  ): Promise<SubnetAllocations> {
    const known = scope.local.take(networkId, revision) ?? cache.take(networkId, revision);
    if (known && subnetIds.every((id) => known.has(id))) return known;
    return loadAllocations(await portsRepository.allocatedBySubnet(scope.tx, subnetIds));
  }

  /** Remembers the allocations at `revision`: now for this transaction, after commit for everyone. */
  function remember(
    scope: MutationState,
    networkId: string,
    revision: number,
    allocations: SubnetAllocations,
  ) {
    scope.local.set(networkId, revision, allocations);
    scope.afterCommit(() => cache.set(networkId, revision, allocations));
  }

  async function allocate(
    scope: MutationState,
    network: NetworkRecord,
    revision: number,
    deviceOwner: string,
    macAddress: string,
    requested: readonly FixedIpRequest[] | undefined,
    existing: readonly FixedIp[],
  ): Promise<{ fixedIps: FixedIp[]; after: SubnetAllocations }> {
    if (requested) await checkRequestedSubnets(scope.tx, network, requested);
    const subnets = await subnetsRepository.listByNetwork(scope.tx, network.id);
    const before = await allocationsAt(
      scope,
      network.id,
      revision,
      subnets.map((s) => s.id),
    );
    removeAddresses(before, existing);
    const fixedIps = allocateFixedIps(
      { networkId: network.id, subnets, allocated: before, deviceOwner, macAddress, random },
      requested,
      existing,
    );
    // The port's addresses, all of them (the allocation adds what it chose, kept and reused; adding is idempotent).
    addAddresses(before, fixedIps);
    return { fixedIps, after: before };
  }

  async function createOne(
    scope: MutationState,
    context: RequestContext,
    input: PortInput,
  ): Promise<PortView> {
    const networkId = input.network_id!;
    const revision = await scope.lockNetwork(networkId);
    const network = await networksRepository.get(scope.tx, networkId);
    if (!network) throw new QdhcpError('NETWORK_NOT_FOUND', { net_id: networkId });
    requireNetworkAccess(context, network, 'port');
    checkCreatePolicy(context, network, input);
    let mac: string;
    if (typeof input.mac_address === 'string') {
      mac = input.mac_address;
      if (await portsRepository.macInUse(scope.tx, networkId, mac)) {
        throw new QdhcpError('MAC_ADDRESS_IN_USE', { net_id: networkId, mac });
      }
    } else {
      mac = await freeMac(scope.tx, networkId, config.baseMac);
    }
    const deviceOwner = input.device_owner ?? '';
    const securityGroups = await newPortGroups(scope, deps, context, input, {
      projectId: ownerProject(context, input.project_id),
      deviceOwner,
      portSecurity: input.port_security_enabled ?? network.portSecurityEnabled,
    });
    const { fixedIps, after } = await allocate(
      scope,
      network,
      revision,
      deviceOwner,
      mac,
      input.fixed_ips,
      [],
    );
    const now = formatTimestamp(clock());
    const record = newPortRecord(context, network, input, {
      mac,
      deviceOwner,
      fixedIps,
      securityGroups,
      now,
    });
    checkAddressPairs(record);
    await portsRepository.insert(scope.tx, record);
    await portMembershipChanged(scope, undefined, record);
    const newRevision = await scope.emit(
      'port',
      'created',
      record.id,
      networkId,
      portView(record, config.dnsDomain, true),
    );
    remember(scope, networkId, newRevision, after);
    return portView(record, config.dnsDomain, context.isAdmin);
  }

  /** The port as the caller may see it (own ports, and every port of the caller's networks). */
  async function visiblePort(db: Queryable, context: RequestContext, id: string): Promise<PortRecord> {
    const port = await portsRepository.get(db, id);
    if (!port) throw portNotFound(id);
    if (context.isAdmin || port.projectId === context.projectId) return port;
    const network = await networksRepository.get(db, port.networkId);
    if (network?.projectId === context.projectId) return port;
    throw portNotFound(id);
  }

  async function updateInScope(
    scope: MutationState,
    context: RequestContext,
    id: string,
    input: PortInput,
    ifMatch: number | undefined,
  ): Promise<PortView> {
    const before = await portsRepository.get(scope.tx, id);
    if (!before) throw portNotFound(id);
    const revision = await scope.lockNetwork(before.networkId);
    const current = await visiblePort(scope.tx, context, id);
    checkRevision(current.revisionNumber, ifMatch);
    const network = (await networksRepository.get(scope.tx, current.networkId))!;
    const networkOwner = context.isAdmin || network.projectId === context.projectId;
    let mac = current.macAddress;
    if (input.mac_address !== undefined) {
      if (!context.isAdmin) throw forbidden('update_port:mac_address');
      const requested = input.mac_address ?? (await freeMac(scope.tx, current.networkId, config.baseMac));
      if (requested !== current.macAddress) {
        if (current.deviceOwner.startsWith('network:')) {
          throw new QdhcpError('UNSUPPORTED_PORT_DEVICE_OWNER', {
            op: 'mac_address update',
            port_id: id,
            device_owner: current.deviceOwner,
          });
        }
        if (!['unbound', 'binding_failed'].includes(current.bindingVifType)) {
          throw new QdhcpError('PORT_BOUND', {
            port_id: id,
            vif_type: current.bindingVifType,
            old_mac: current.macAddress,
            new_mac: requested,
          });
        }
        if (await portsRepository.macInUse(scope.tx, current.networkId, requested)) {
          throw new QdhcpError('MAC_ADDRESS_IN_USE', { net_id: current.networkId, mac: requested });
        }
        mac = requested;
      }
    }
    checkUpdatePolicy(input, networkOwner);
    const deviceOwner = input.device_owner ?? current.deviceOwner;
    const securityGroups = await updatedPortGroups(scope, context, current, input, deviceOwner);
    const addressesChange = input.fixed_ips !== undefined || mac !== current.macAddress;
    const allocation = addressesChange
      ? await allocate(
          scope,
          network,
          revision,
          deviceOwner,
          mac,
          input.fixed_ips ??
            current.fixedIps.map((ip) => ({ subnet_id: ip.subnetId, ip_address: ip.ipAddress })),
          current.fixedIps,
        )
      : undefined;
    const fixedIps = allocation?.fixedIps ?? current.fixedIps;
    const now = formatTimestamp(clock());
    const next = updatedPortRecord(current, input, { mac, deviceOwner, fixedIps, securityGroups, now });
    const updated = await rebindIfMoved(scope.tx, current, next, clock(), config.agentDownTime);
    checkAddressPairs(updated);
    checkGroupsWithoutPortSecurity(current, input, updated);
    await portsRepository.update(scope.tx, updated);
    if (securityGroups !== current.securityGroups)
      await securityGroupsRepository.bindPort(scope.tx, id, securityGroups);
    if (addressesChange) await portsRepository.replaceFixedIps(scope.tx, updated);
    await portMembershipChanged(scope, current, updated);
    const newRevision = await scope.emit(
      'port',
      'updated',
      id,
      updated.networkId,
      portView(updated, config.dnsDomain, true),
    );
    const after =
      allocation?.after ??
      scope.local.take(updated.networkId, revision) ??
      cache.take(updated.networkId, revision);
    if (after) remember(scope, updated.networkId, newRevision, after);
    return portView(updated, config.dnsDomain, context.isAdmin);
  }

  async function deleteInScope(
    scope: WriteScope,
    context: RequestContext,
    id: string,
    ifMatch: number | undefined,
  ): Promise<void> {
    const before = await portsRepository.get(scope.tx, id);
    if (!before) throw portNotFound(id);
    const revision = await scope.lockNetwork(before.networkId).catch(() => {
      throw portNotFound(id);
    });
    const port = await visiblePort(scope.tx, context, id);
    checkRevision(port.revisionNumber, ifMatch);
    const allocations = cache.take(port.networkId, revision);
    for (const routerId of await disassociateFloatingIps(scope.tx, id, formatTimestamp(clock())))
      await routerChanged(scope, deps, routerId);
    await portsRepository.delete(scope.tx, id);
    await portMembershipChanged(scope, port, undefined);
    const newRevision = await scope.emit(
      'port',
      'deleted',
      id,
      port.networkId,
      portView(port, config.dnsDomain, true),
    );
    if (allocations !== undefined) {
      // The cache stays valid across deletes (churn: create/delete pairs never reload the network).
      removeAddresses(allocations, port.fixedIps);
      scope.afterCommit(() => cache.set(port.networkId, newRevision, allocations));
    }
  }

  return {
    async create(context: RequestContext, inputs: readonly PortInput[]): Promise<PortView[]> {
      return runMutation(deps, async (writeScope) => {
        const scope = withLocalCache(writeScope);
        const views: PortView[] = [];
        for (const input of inputs) views.push(await createOne(scope, context, input));
        return views;
      });
    },

    async list(
      context: RequestContext,
      equals: EqualsFilter,
      fixedIps?: FixedIpsFilter,
    ): Promise<PortView[]> {
      const scope = visibilityScope(context);
      const records = await portsRepository.list(database.db, {
        equals,
        ...(fixedIps !== undefined && { fixedIps }),
        ...(scope !== undefined && { visibleToProject: scope }),
      });
      return records.map((r) => portView(r, config.dnsDomain, context.isAdmin));
    },

    async get(context: RequestContext, id: string): Promise<PortView> {
      return portView(await visiblePort(database.db, context, id), config.dnsDomain, context.isAdmin);
    },

    async update(context: RequestContext, id: string, input: PortInput, ifMatch?: number): Promise<PortView> {
      return runMutation(deps, (scope) => updateInScope(withLocalCache(scope), context, id, input, ifMatch));
    },

    /**
     * Updates a port inside another use-case's unit of work (an instance taking or releasing its ports):
     * the same checks and the same `port.updated` event, committed with the caller's own changes.
     */
    updateWithin(
      scope: WriteScope,
      context: RequestContext,
      id: string,
      input: PortInput,
    ): Promise<PortView> {
      return updateInScope(withLocalCache(scope), context, id, input, undefined);
    },

    /**
     * Creates a port inside another use-case's unit of work (a router's gateway and interfaces, a
     * floating IP's address): the same allocation and `port.created` event, committed with the caller.
     */
    createWithin(scope: WriteScope, context: RequestContext, input: PortInput): Promise<PortView> {
      return createOne(withLocalCache(scope), context, input);
    },

    /**
     * 409 ServicePortInUse for a router's or floating IP's own port while its owner exists: those go
     * with `remove_router_interface`, the gateway update or the floating IP's delete (Neutron's
     * `prevent_l3_port_deletion`).
     */
    async delete(context: RequestContext, id: string, ifMatch?: number): Promise<void> {
      await runMutation(deps, async (scope) => {
        const port = await portsRepository.get(scope.tx, id);
        if (port !== undefined && (await isServicePortInUse(scope.tx, port))) {
          throw new QdhcpError('SERVICE_PORT_IN_USE', {
            port_id: id,
            reason: `has device owner ${port.deviceOwner}`,
          });
        }
        await deleteInScope(scope, context, id, ifMatch);
      });
    },

    /** Deletes a port inside another use-case's unit of work (no service-port guard: the owner decides). */
    deleteWithin(scope: WriteScope, context: RequestContext, id: string): Promise<void> {
      return deleteInScope(scope, context, id, undefined);
    },
  };
}

/** The port use-cases, as built by {@link createPortService}. */
export type PortService = ReturnType<typeof createPortService>;
