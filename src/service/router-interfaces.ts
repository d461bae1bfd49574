/**
 * `PUT /v2.0/routers/{id}/add_router_interface` and `remove_router_interface` (issue 13; l3_db.py
 * `add_router_interface`, `remove_router_interface`): by subnet, the router gets a
 * `network:router_interface` port holding the subnet's gateway IP; by port, an unused port of the caller
 * becomes that interface. Removing deletes the interface port (also one that was added by port, as
 * Neutron does; by subnet on a port with several subnets only that address), unless routes or floating IPs
 * still need the subnet.
 *
 * @module
 */
import { QdhcpError } from '../common/errors.js';
import {
  floatingIpsRepository,
  networksRepository,
  type PortRecord,
  portsRepository,
  type RouterRecord,
  routersRepository,
  type SubnetRecord,
  subnetsRepository,
} from '../db/index.js';
import { DEVICE_OWNER_ROUTER_GATEWAY, DEVICE_OWNER_ROUTER_INTERFACE } from '../ipam/index.js';
import { formatTimestamp } from './clock.js';
import { ADMIN_CONTEXT, type RequestContext } from './context.js';
import type { RouterInterfaceRequest } from './inputs.js';
import { requireOwner } from './policy.js';
import { checkInterfaceNotInUse, checkNewInterfaceSubnets, type SubnetOnRouter } from './router-rules.js';
import { routerChanged } from './router-scheduler.js';
import { lockedRouter, type RouterServiceDeps, routerPorts } from './router-service.js';
import { runMutation, type WriteScope } from './unit-of-work.js';

/** The answer of both actions (Neutron's `_make_router_interface_info`, not wrapped in a resource key). */
export interface RouterInterfaceInfo {
  readonly id: string;
  readonly tenant_id: string;
  readonly project_id: string;
  readonly port_id: string;
  readonly network_id: string;
  readonly subnet_id: string;
  readonly subnet_ids: string[];
}

function badRequest(msg: string): QdhcpError {
  return new QdhcpError('BAD_RESOURCE_REQUEST', { resource: 'router', msg });
}

function interfaceInfo(
  router: RouterRecord,
  port: PortRecord,
  subnetIds: readonly string[],
): RouterInterfaceInfo {
  return {
    id: router.id,
    tenant_id: router.projectId,
    project_id: router.projectId,
    port_id: port.id,
    network_id: port.networkId,
    subnet_id: subnetIds[0] ?? '',
    subnet_ids: [...subnetIds],
  };
}

/** Router interface use-cases. */
export function createRouterInterfaces(deps: RouterServiceDeps) {
  const { database, ports, clock } = deps;

  /** A router's interfaces are part of it: adding or removing one is a new revision (Neutron's revision plugin). */
  async function bumpRevision(scope: WriteScope, router: RouterRecord): Promise<void> {
    await routersRepository.update(scope.tx, {
      ...router,
      updatedAt: formatTimestamp(clock()),
      revisionNumber: router.revisionNumber + 1,
    });
    await routerChanged(scope, deps, router.id);
  }
  const forUpdate = database.kind === 'postgres';

  async function subnetsOf(scope: WriteScope, ids: readonly string[]): Promise<SubnetRecord[]> {
    const out: SubnetRecord[] = [];
    for (const id of ids) {
      const subnet = await subnetsRepository.get(scope.tx, id);
      if (subnet) out.push(subnet);
    }
    return out;
  }

  /** 400 unless `added` can join the router (not on it yet, no overlap with its interfaces). */
  async function checkJoin(scope: WriteScope, router: RouterRecord, added: readonly SubnetOnRouter[]) {
    const own = await routerPorts(scope.tx, router.id);
    const onRouter = own.flatMap((p) => p.fixedIps.map((ip) => ip.subnetId));
    const interfaceSubnetIds = own
      .filter((p) => p.deviceOwner !== DEVICE_OWNER_ROUTER_GATEWAY)
      .flatMap((p) => p.fixedIps.map((ip) => ip.subnetId));
    checkNewInterfaceSubnets(onRouter, await subnetsOf(scope, interfaceSubnetIds), added);
  }

  /** The subnet, if the caller may attach it (own subnet, or admin; Neutron's 404 otherwise). */
  async function visibleSubnet(
    scope: WriteScope,
    context: RequestContext,
    id: string,
  ): Promise<SubnetRecord> {
    const subnet = await subnetsRepository.get(scope.tx, id);
    if (!subnet) throw new QdhcpError('SUBNET_NOT_FOUND', { subnet_id: id });
    if (context.isAdmin || subnet.projectId === context.projectId) return subnet;
    const network = await networksRepository.get(scope.tx, subnet.networkId);
    if (network?.shared === true) return subnet;
    throw new QdhcpError('SUBNET_NOT_FOUND', { subnet_id: id });
  }

  async function addBySubnet(
    scope: WriteScope,
    context: RequestContext,
    router: RouterRecord,
    subnetId: string,
  ): Promise<RouterInterfaceInfo> {
    const subnet = await visibleSubnet(scope, context, subnetId);
    if (subnet.gatewayIp === null) throw badRequest('Subnet for router interface must have a gateway IP');
    await checkJoin(scope, router, [subnet]);
    const view = await ports.createWithin(scope, ADMIN_CONTEXT, {
      network_id: subnet.networkId,
      project_id: subnet.projectId,
      name: '',
      admin_state_up: true,
      device_id: router.id,
      device_owner: DEVICE_OWNER_ROUTER_INTERFACE,
      fixed_ips: [{ subnet_id: subnet.id, ip_address: subnet.gatewayIp }],
    });
    const port = (await portsRepository.get(scope.tx, view.id))!;
    return interfaceInfo(router, port, [subnet.id]);
  }

  async function addByPort(
    scope: WriteScope,
    context: RequestContext,
    router: RouterRecord,
    portId: string,
  ): Promise<RouterInterfaceInfo> {
    const port = await portsRepository.get(scope.tx, portId);
    if (!port || (!context.isAdmin && port.projectId !== context.projectId))
      throw new QdhcpError('PORT_NOT_FOUND', { port_id: portId });
    if (port.deviceId !== '') {
      throw new QdhcpError('PORT_IN_USE', {
        port_id: port.id,
        net_id: port.networkId,
        device_id: port.deviceId,
      });
    }
    if (port.fixedIps.length === 0) throw badRequest('Router port must have at least one fixed IP');
    const subnets = await subnetsOf(
      scope,
      port.fixedIps.map((ip) => ip.subnetId),
    );
    if (subnets.filter((s) => s.ipVersion === 4).length > 1)
      throw badRequest('Cannot have multiple IPv4 subnets on router port');
    await checkJoin(scope, router, subnets);
    await ports.updateWithin(scope, ADMIN_CONTEXT, port.id, {
      device_id: router.id,
      device_owner: DEVICE_OWNER_ROUTER_INTERFACE,
    });
    return interfaceInfo(
      router,
      port,
      subnets.map((s) => s.id),
    );
  }

  /** The router's interface port named by the request (by port, by subnet, or both must agree). */
  async function interfaceToRemove(
    scope: WriteScope,
    router: RouterRecord,
    request: RouterInterfaceRequest,
  ): Promise<PortRecord> {
    const interfaces = (await routerPorts(scope.tx, router.id)).filter(
      (p) => p.deviceOwner === DEVICE_OWNER_ROUTER_INTERFACE,
    );
    const { port_id: portId, subnet_id: subnetId } = request;
    if (portId !== undefined) {
      const port = interfaces.find((p) => p.id === portId);
      if (!port)
        throw new QdhcpError('ROUTER_INTERFACE_NOT_FOUND', { router_id: router.id, port_id: portId });
      if (subnetId !== undefined && !port.fixedIps.some((ip) => ip.subnetId === subnetId))
        throw new QdhcpError('ROUTER_INTERFACE_NOT_FOUND_FOR_SUBNET', {
          router_id: router.id,
          subnet_id: subnetId,
        });
      return port;
    }
    const port = interfaces.find((p) => p.fixedIps.some((ip) => ip.subnetId === subnetId));
    if (!port) {
      throw new QdhcpError('ROUTER_INTERFACE_NOT_FOUND_FOR_SUBNET', {
        router_id: router.id,
        subnet_id: subnetId ?? '',
      });
    }
    return port;
  }

  /** 400 unless the body names exactly what the action takes (Neutron's `_validate_interface_info`). */
  function checkRequest(request: RouterInterfaceRequest, removing: boolean): void {
    const { port_id: portId, subnet_id: subnetId } = request;
    if (portId === undefined && subnetId === undefined)
      throw badRequest('Either subnet_id or port_id must be specified');
    if (!removing && portId !== undefined && subnetId !== undefined)
      throw badRequest('Cannot specify both subnet-id and port-id');
  }

  return {
    async add(
      context: RequestContext,
      routerId: string,
      request: RouterInterfaceRequest,
    ): Promise<RouterInterfaceInfo> {
      checkRequest(request, false);
      return runMutation(deps, async (scope) => {
        const router = await lockedRouter(scope, context, routerId, forUpdate);
        requireOwner(context, router, 'add_router_interface');
        const info =
          request.port_id !== undefined
            ? await addByPort(scope, context, router, request.port_id)
            : await addBySubnet(scope, context, router, request.subnet_id!);
        await bumpRevision(scope, router);
        return info;
      });
    },

    async remove(
      context: RequestContext,
      routerId: string,
      request: RouterInterfaceRequest,
    ): Promise<RouterInterfaceInfo> {
      checkRequest(request, true);
      return runMutation(deps, async (scope) => {
        const router = await lockedRouter(scope, context, routerId, forUpdate);
        requireOwner(context, router, 'remove_router_interface');
        if (request.subnet_id !== undefined) await visibleSubnet(scope, context, request.subnet_id);
        const port = await interfaceToRemove(scope, router, request);
        // By subnet alone on a port with several subnets (IPv6), only that subnet's address goes.
        const onlyOne = request.port_id === undefined && port.fixedIps.length > 1;
        const leaving = onlyOne ? [request.subnet_id!] : port.fixedIps.map((ip) => ip.subnetId);
        const subnets = await subnetsOf(scope, leaving);
        const floating = (await floatingIpsRepository.listByRouter(scope.tx, router.id)).flatMap((f) =>
          f.fixedIpAddress === null ? [] : [f.fixedIpAddress],
        );
        for (const subnet of subnets) checkInterfaceNotInUse(router.id, subnet, router.routes, floating);
        if (onlyOne) {
          const kept = port.fixedIps.filter((ip) => ip.subnetId !== request.subnet_id);
          await ports.updateWithin(scope, ADMIN_CONTEXT, port.id, {
            fixed_ips: kept.map((ip) => ({ subnet_id: ip.subnetId, ip_address: ip.ipAddress })),
          });
        } else {
          await ports.deleteWithin(scope, ADMIN_CONTEXT, port.id);
        }
        await bumpRevision(scope, router);
        return interfaceInfo(
          router,
          port,
          subnets.map((s) => s.id),
        );
      });
    },
  };
}

/** The router interface use-cases, as built by {@link createRouterInterfaces}. */
export type RouterInterfaces = ReturnType<typeof createRouterInterfaces>;
