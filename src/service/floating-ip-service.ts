/**
 * Floating IP use-cases (issue 13; neutron/db/l3_db.py `_create_floatingip`, `_update_fip_assoc`): an
 * address on an external network held by a `network:floatingip` port, associated with one fixed IP of a
 * port whose subnet is an interface of a router that has its gateway on that external network. One
 * floating IP per fixed IP per external network. Status: ACTIVE while associated, DOWN otherwise (no L3
 * agent reports it yet).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { QdhcpError } from '../common/errors.js';
import {
  type EqualsFilter,
  type FloatingIpRecord,
  floatingIpsRepository,
  networksRepository,
  portsRepository,
  routersRepository,
  subnetsRepository,
} from '../db/index.js';
import { DEVICE_OWNER_FLOATINGIP, DEVICE_OWNER_ROUTER_INTERFACE, parseIp } from '../ipam/index.js';
import { formatTimestamp } from './clock.js';
import { ADMIN_CONTEXT, type RequestContext, visibilityScope } from './context.js';
import type { FloatingIpInput } from './inputs.js';
import { checkRevision, ownerProject, requireOwner, visibleOr404 } from './policy.js';
import { floatingIpChangeOf } from './router-l3-sync.js';
import { routerChanged } from './router-scheduler.js';
import type { RouterServiceDeps } from './router-service.js';
import { runMutation, type WriteScope } from './unit-of-work.js';
import { type FloatingIpView, floatingIpView } from './views.js';

function floatingIpNotFound(id: string): QdhcpError {
  return new QdhcpError('FLOATINGIP_NOT_FOUND', { floatingip_id: id });
}

function badRequest(msg: string): QdhcpError {
  return new QdhcpError('BAD_RESOURCE_REQUEST', { resource: 'floatingip', msg });
}

function isIpv4(address: string): boolean {
  const parsed = parseIp(address);
  return parsed.ok && parsed.value.version === 4;
}

/** The association of a floating IP: port, fixed address and the router reaching it. */
interface Association {
  readonly fixedPortId: string | null;
  readonly fixedIpAddress: string | null;
  readonly routerId: string | null;
}

const NONE: Association = { fixedPortId: null, fixedIpAddress: null, routerId: null };

/** Floating IP use-cases. */
export function createFloatingIpService(deps: RouterServiceDeps) {
  const { database, clock, ports } = deps;

  /** The router with an interface on `subnetId` and its gateway on `networkId`, if any. */
  async function routerReaching(scope: WriteScope, subnetId: string, networkId: string) {
    const interfaces = await portsRepository.list(scope.tx, {
      equals: { device_owner: [DEVICE_OWNER_ROUTER_INTERFACE] },
      fixedIps: { subnetIds: [subnetId], ipAddresses: [], ipSubstrings: [] },
    });
    for (const port of interfaces) {
      const router = await routersRepository.get(scope.tx, port.deviceId);
      if (router?.gatewayNetworkId === networkId) return router;
    }
    return undefined;
  }

  /** Neutron's `_get_assoc_data`: checks the port, picks the fixed IP, finds the router. */
  async function association(
    scope: WriteScope,
    context: RequestContext,
    fip: Pick<FloatingIpRecord, 'id' | 'projectId' | 'floatingNetworkId' | 'floatingIpAddress'>,
    portId: string,
    fixedIp: string | undefined,
  ): Promise<Association> {
    const port = await portsRepository.get(scope.tx, portId);
    // The caller sees its own ports and every port of its networks (Neutron's get_port policy), so a
    // port of another project on the caller's network is the 400 below, not a 404.
    const networkOwner =
      port !== undefined &&
      (await networksRepository.get(scope.tx, port.networkId))?.projectId === context.projectId;
    if (!port || (!context.isAdmin && port.projectId !== context.projectId && !networkOwner))
      throw new QdhcpError('PORT_NOT_FOUND', { port_id: portId });
    if (!context.isAdmin && port.projectId !== fip.projectId) {
      throw badRequest(
        `Cannot process floating IP association with Port ${portId}, since that port is owned by a different tenant`,
      );
    }
    let chosen = port.fixedIps.find((ip) => ip.ipAddress === fixedIp);
    if (fixedIp !== undefined && chosen === undefined)
      throw badRequest(`Port ${portId} does not have fixed ip ${fixedIp}`);
    if (chosen === undefined) {
      const ipv4 = port.fixedIps.filter((ip) => isIpv4(ip.ipAddress));
      if (ipv4.length === 0)
        throw badRequest(`Cannot add floating IP to port ${portId} that has no fixed IPv4 addresses`);
      if (ipv4.length > 1) {
        throw badRequest(
          `Port ${portId} has multiple fixed IPv4 addresses.  Must provide a specific IPv4 address when assigning a floating IP`,
        );
      }
      chosen = ipv4[0]!;
    }
    const router = await routerReaching(scope, chosen.subnetId, fip.floatingNetworkId);
    if (!router) {
      throw new QdhcpError('EXTERNAL_GATEWAY_FOR_FLOATINGIP_NOT_FOUND', {
        external_network_id: fip.floatingNetworkId,
        subnet_id: chosen.subnetId,
        port_id: portId,
      });
    }
    const taken = await floatingIpsRepository.findByFixed(
      scope.tx,
      fip.floatingNetworkId,
      portId,
      chosen.ipAddress,
    );
    if (taken && taken.id !== fip.id) {
      throw new QdhcpError('FLOATINGIP_PORT_ALREADY_ASSOCIATED', {
        floating_ip_address: fip.floatingIpAddress,
        fip_id: fip.id,
        port_id: portId,
        fixed_ip: chosen.ipAddress,
        net_id: fip.floatingNetworkId,
      });
    }
    return { fixedPortId: portId, fixedIpAddress: chosen.ipAddress, routerId: router.id };
  }

  async function createOne(
    scope: WriteScope,
    context: RequestContext,
    input: FloatingIpInput,
  ): Promise<FloatingIpView> {
    const networkId = input.floating_network_id!;
    const stored = await networksRepository.get(scope.tx, networkId);
    // External networks are visible to every project (policy.ts `external`).
    const network = visibleOr404(
      context,
      stored && { ...stored, external: stored.routerExternal },
      () => new QdhcpError('NETWORK_NOT_FOUND', { net_id: networkId }),
    );
    if (!network.routerExternal) throw badRequest(`Network ${networkId} is not a valid external network`);
    if (input.subnet_id !== undefined) {
      const subnet = await subnetsRepository.get(scope.tx, input.subnet_id);
      if (!subnet) throw new QdhcpError('SUBNET_NOT_FOUND', { subnet_id: input.subnet_id });
      if (subnet.networkId !== networkId)
        throw badRequest(`Subnet ${subnet.id} does not belong to network ${networkId}`);
    }
    if (input.fixed_ip_address != null && input.port_id == null)
      throw badRequest('fixed_ip_address cannot be specified without a port_id');
    const id = randomUUID();
    const projectId = ownerProject(context, input.project_id);
    const requested =
      input.floating_ip_address !== undefined || input.subnet_id !== undefined
        ? [
            {
              ...(input.subnet_id !== undefined && { subnet_id: input.subnet_id }),
              ...(input.floating_ip_address !== undefined && { ip_address: input.floating_ip_address }),
            },
          ]
        : undefined;
    const port = await ports.createWithin(scope, ADMIN_CONTEXT, {
      network_id: networkId,
      project_id: '',
      name: '',
      admin_state_up: true,
      device_id: id,
      device_owner: DEVICE_OWNER_FLOATINGIP,
      ...(requested !== undefined && { fixed_ips: requested }),
    });
    const address = port.fixed_ips.find((ip) => isIpv4(ip.ip_address))?.ip_address;
    if (address === undefined) throw badRequest(`No IPv4 address could be allocated on network ${networkId}`);
    const base = { id, projectId, floatingNetworkId: networkId, floatingIpAddress: address };
    const assoc =
      input.port_id != null
        ? await association(scope, context, base, input.port_id, input.fixed_ip_address ?? undefined)
        : NONE;
    const now = formatTimestamp(clock());
    const record: FloatingIpRecord = {
      ...base,
      description: input.description ?? '',
      floatingPortId: port.id,
      ...assoc,
      status: assoc.fixedPortId === null ? 'DOWN' : 'ACTIVE',
      tags: [],
      createdAt: now,
      updatedAt: now,
      revisionNumber: 0,
    };
    await floatingIpsRepository.insert(scope.tx, record);
    if (record.routerId !== null)
      await routerChanged(
        scope,
        deps,
        record.routerId,
        floatingIpChangeOf(record, record.id, record.routerId),
      );
    return floatingIpView(record);
  }

  async function lockedFip(scope: WriteScope, context: RequestContext, id: string) {
    const record = await floatingIpsRepository.get(scope.tx, id);
    return visibleOr404(context, record, () => floatingIpNotFound(id));
  }

  return {
    async create(context: RequestContext, inputs: readonly FloatingIpInput[]): Promise<FloatingIpView[]> {
      return runMutation(deps, async (scope) => {
        const views: FloatingIpView[] = [];
        for (const input of inputs) views.push(await createOne(scope, context, input));
        return views;
      });
    },

    async list(context: RequestContext, equals: EqualsFilter): Promise<FloatingIpView[]> {
      const project = visibilityScope(context);
      const records = await floatingIpsRepository.list(database.db, {
        equals,
        ...(project !== undefined && { visibleToProject: project }),
      });
      return records.map(floatingIpView);
    },

    async get(context: RequestContext, id: string): Promise<FloatingIpView> {
      const record = await floatingIpsRepository.get(database.db, id);
      return floatingIpView(visibleOr404(context, record, () => floatingIpNotFound(id)));
    },

    /** `port_id` associates (null, or an empty body, disassociates); `fixed_ip_address` picks the port's address. */
    async update(
      context: RequestContext,
      id: string,
      input: FloatingIpInput,
      ifMatch?: number,
    ): Promise<FloatingIpView> {
      return runMutation(deps, async (scope) => {
        const current = await lockedFip(scope, context, id);
        checkRevision(current.revisionNumber, ifMatch);
        requireOwner(context, current, 'update_floatingip');
        let assoc: Association = current;
        // An empty body clears the association (Neutron kept this from when the association was the only
        // writable attribute); a body with other attributes and no port_id keeps it.
        if (Object.keys(input).length === 0) assoc = NONE;
        else if (input.port_id !== undefined) {
          assoc =
            input.port_id === null
              ? NONE
              : await association(
                  scope,
                  context,
                  current,
                  input.port_id,
                  input.fixed_ip_address ?? undefined,
                );
        } else if (input.fixed_ip_address != null) {
          throw badRequest('fixed_ip_address cannot be specified without a port_id');
        }
        const updated: FloatingIpRecord = {
          ...current,
          ...(input.description !== undefined && { description: input.description }),
          fixedPortId: assoc.fixedPortId,
          fixedIpAddress: assoc.fixedIpAddress,
          routerId: assoc.routerId,
          status: assoc.fixedPortId === null ? 'DOWN' : 'ACTIVE',
          updatedAt: formatTimestamp(clock()),
          revisionNumber: current.revisionNumber + 1,
        };
        await floatingIpsRepository.update(scope.tx, updated);
        // The router it leaves and the one it joins (the same one when only the fixed IP changed).
        for (const routerId of new Set([current.routerId, updated.routerId]))
          if (routerId !== null)
            await routerChanged(scope, deps, routerId, floatingIpChangeOf(updated, id, routerId));
        return floatingIpView(updated);
      });
    },

    /** The row, then its port: the address goes back to the external network's pool. */
    async delete(context: RequestContext, id: string, ifMatch?: number): Promise<void> {
      await runMutation(deps, async (scope) => {
        const current = await lockedFip(scope, context, id);
        checkRevision(current.revisionNumber, ifMatch);
        requireOwner(context, current, 'delete_floatingip');
        await floatingIpsRepository.delete(scope.tx, id);
        if (current.routerId !== null)
          await routerChanged(
            scope,
            deps,
            current.routerId,
            floatingIpChangeOf(undefined, id, current.routerId),
          );
        if (await portsRepository.get(scope.tx, current.floatingPortId))
          await ports.deleteWithin(scope, ADMIN_CONTEXT, current.floatingPortId);
      });
    },
  };
}

/** The floating IP use-cases, as built by {@link createFloatingIpService}. */
export type FloatingIpService = ReturnType<typeof createFloatingIpService>;
