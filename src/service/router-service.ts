/**
 * Router use-cases (issue 13; neutron/db/l3_db.py with the `ext-gw-mode` and `extraroute` extensions):
 * create, list, show, update (gateway, extra routes) and delete. A router's gateway is a
 * `network:router_gateway` port on an external network, owned by the router and allocated by IPAM inside
 * the router's transaction; its interfaces are handled by `router-interfaces.ts`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { QdhcpError } from '../common/errors.js';
import {
  type EqualsFilter,
  type FixedIp,
  floatingIpsRepository,
  networksRepository,
  type PortRecord,
  portsRepository,
  type Queryable,
  type RouterRecord,
  routersRepository,
  subnetsRepository,
} from '../db/index.js';
import { DEVICE_OWNER_ROUTER_GATEWAY, DEVICE_OWNER_ROUTER_INTERFACE } from '../ipam/index.js';
import { formatTimestamp } from './clock.js';
import { ADMIN_CONTEXT, type RequestContext, visibilityScope } from './context.js';
import type { GatewayInfoRequest, RouterInput } from './inputs.js';
import { checkRevision, forbidden, ownerProject, requireOwner, visibleOr404 } from './policy.js';
import type { PortService } from './port-service.js';
import { checkRoutes } from './router-rules.js';
import { type RouterSchedulerDeps, routerChanged, routerDeleted } from './router-scheduler.js';
import { runMutation, type WriteScope } from './unit-of-work.js';
import { type RouterView, routerView } from './views.js';

/**
 * What the router use-cases need: the unit of work with the scheduling settings (every change reaches the
 * router's L3 agent, router-scheduler.ts), and the port use-cases for the router's ports.
 */
export interface RouterServiceDeps extends RouterSchedulerDeps {
  readonly ports: PortService;
}

export function routerNotFound(id: string): QdhcpError {
  return new QdhcpError('ROUTER_NOT_FOUND', { router_id: id });
}

/** A router's ports (gateway and interfaces: every port whose device is the router). */
export async function routerPorts(db: Queryable, routerId: string): Promise<PortRecord[]> {
  return portsRepository.list(db, { equals: { device_id: [routerId] } });
}

/** The router, locked for the rest of the transaction (PostgreSQL), if the caller may see it. */
export async function lockedRouter(
  scope: WriteScope,
  context: RequestContext,
  id: string,
  forUpdate: boolean,
): Promise<RouterRecord> {
  const record = await routersRepository.get(scope.tx, id, forUpdate);
  return visibleOr404(context, record, () => routerNotFound(id));
}

/** The gateway addresses of each of `routers`, by router id. */
async function gatewayIps(db: Queryable, routers: readonly RouterRecord[]): Promise<Map<string, FixedIp[]>> {
  const withGateway = routers.filter((r) => r.gatewayNetworkId !== null).map((r) => r.id);
  const out = new Map<string, FixedIp[]>();
  if (withGateway.length === 0) return out;
  const ports = await portsRepository.list(db, {
    equals: { device_owner: [DEVICE_OWNER_ROUTER_GATEWAY], device_id: withGateway },
  });
  for (const port of ports) out.set(port.deviceId, [...port.fixedIps]);
  return out;
}

/** The router's view, its gateway addresses read in `db`. */
export async function viewOf(db: Queryable, record: RouterRecord): Promise<RouterView> {
  return routerView(record, (await gatewayIps(db, [record])).get(record.id) ?? []);
}

/** Router use-cases. */
export function createRouterService(deps: RouterServiceDeps) {
  const { database, clock, ports } = deps;
  const forUpdate = database.kind === 'postgres';

  /** The `ext-gw-mode` attributes an ordinary project may not choose (Neutron's admin-only policy). */
  function checkGatewayPolicy(context: RequestContext, info: GatewayInfoRequest, action: string): void {
    if (context.isAdmin) return;
    if (info.enable_snat !== undefined) throw forbidden(`${action}:external_gateway_info:enable_snat`);
    if (info.external_fixed_ips !== undefined)
      throw forbidden(`${action}:external_gateway_info:external_fixed_ips`);
  }

  /** 409 while floating IPs reach their ports through the router's current gateway. */
  async function checkGatewayNotInUse(scope: WriteScope, router: RouterRecord): Promise<void> {
    if ((await floatingIpsRepository.listByRouter(scope.tx, router.id)).length > 0) {
      throw new QdhcpError('ROUTER_GATEWAY_IN_USE_BY_FLOATING_IP', {
        router_id: router.id,
        net_id: router.gatewayNetworkId ?? '',
      });
    }
  }

  async function removeGatewayPort(scope: WriteScope, router: RouterRecord): Promise<void> {
    const gateway = (await routerPorts(scope.tx, router.id)).filter(
      (p) => p.deviceOwner === DEVICE_OWNER_ROUTER_GATEWAY,
    );
    for (const port of gateway) await ports.deleteWithin(scope, ADMIN_CONTEXT, port.id);
  }

  /**
   * The router with `requested` as its gateway (Neutron's `_update_router_gw_info`): null removes it;
   * another network replaces the gateway port; the same network keeps the port (its addresses changed
   * when `external_fixed_ips` is given). `enable_snat` defaults to true each time, as in Neutron.
   */
  async function applyGateway(
    scope: WriteScope,
    router: RouterRecord,
    requested: GatewayInfoRequest | null,
  ): Promise<RouterRecord> {
    if (requested === null) {
      if (router.gatewayNetworkId === null) return router;
      await checkGatewayNotInUse(scope, router);
      await removeGatewayPort(scope, router);
      return { ...router, gatewayNetworkId: null, enableSnat: true };
    }
    const network = await networksRepository.get(scope.tx, requested.network_id);
    if (!network) throw new QdhcpError('NETWORK_NOT_FOUND', { net_id: requested.network_id });
    if (!network.routerExternal) {
      throw new QdhcpError('BAD_RESOURCE_REQUEST', {
        resource: 'router',
        msg: `Network ${network.id} is not an external network`,
      });
    }
    const enableSnat = requested.enable_snat ?? true;
    if (router.gatewayNetworkId === network.id) {
      const fixedIps = requested.external_fixed_ips;
      if (fixedIps !== undefined) {
        const gateway = (await routerPorts(scope.tx, router.id)).find(
          (p) => p.deviceOwner === DEVICE_OWNER_ROUTER_GATEWAY,
        );
        if (gateway) await ports.updateWithin(scope, ADMIN_CONTEXT, gateway.id, { fixed_ips: fixedIps });
      }
      return { ...router, enableSnat };
    }
    if (router.gatewayNetworkId !== null) {
      await checkGatewayNotInUse(scope, router);
      await removeGatewayPort(scope, router);
    }
    // Neutron's gateway port belongs to no project ('' tenant) and to the router as its device.
    await ports.createWithin(scope, ADMIN_CONTEXT, {
      network_id: network.id,
      project_id: '',
      name: '',
      admin_state_up: true,
      device_id: router.id,
      device_owner: DEVICE_OWNER_ROUTER_GATEWAY,
      ...(requested.external_fixed_ips !== undefined && { fixed_ips: requested.external_fixed_ips }),
    });
    return { ...router, gatewayNetworkId: network.id, enableSnat };
  }

  /** The extra routes, checked against the subnets and addresses of the router's ports. */
  async function checkedRoutes(scope: WriteScope, router: RouterRecord, routes: RouterInput['routes']) {
    const own = await routerPorts(scope.tx, router.id);
    const fixedIps = own.flatMap((p) => p.fixedIps);
    const subnets = await Promise.all(fixedIps.map((ip) => subnetsRepository.get(scope.tx, ip.subnetId)));
    const connected = subnets.flatMap((s) => (s === undefined ? [] : [s.cidr]));
    return checkRoutes(
      routes ?? [],
      connected,
      fixedIps.map((ip) => ip.ipAddress),
    );
  }

  async function createOne(
    scope: WriteScope,
    context: RequestContext,
    input: RouterInput,
  ): Promise<RouterView> {
    const gateway = input.external_gateway_info ?? null;
    if (gateway !== null) checkGatewayPolicy(context, gateway, 'create_router');
    const now = formatTimestamp(clock());
    const record: RouterRecord = {
      id: randomUUID(),
      projectId: ownerProject(context, input.project_id),
      name: input.name ?? '',
      description: input.description ?? '',
      adminStateUp: input.admin_state_up ?? true,
      status: 'ACTIVE',
      gatewayNetworkId: null,
      enableSnat: true,
      routes: [],
      tags: [],
      createdAt: now,
      updatedAt: now,
      revisionNumber: 0,
    };
    // The row first: the gateway port names the router as its device.
    await routersRepository.insert(scope.tx, record);
    const withGateway = await applyGateway(scope, record, gateway);
    if (withGateway !== record) await routersRepository.update(scope.tx, withGateway);
    await routerChanged(scope, deps, record.id);
    return viewOf(scope.tx, withGateway);
  }

  return {
    async create(context: RequestContext, inputs: readonly RouterInput[]): Promise<RouterView[]> {
      return runMutation(deps, async (scope) => {
        const views: RouterView[] = [];
        for (const input of inputs) views.push(await createOne(scope, context, input));
        return views;
      });
    },

    async list(context: RequestContext, equals: EqualsFilter): Promise<RouterView[]> {
      const project = visibilityScope(context);
      const records = await routersRepository.list(database.db, {
        equals,
        ...(project !== undefined && { visibleToProject: project }),
      });
      const gateways = await gatewayIps(database.db, records);
      return records.map((r) => routerView(r, gateways.get(r.id) ?? []));
    },

    async get(context: RequestContext, id: string): Promise<RouterView> {
      const record = await routersRepository.get(database.db, id);
      return viewOf(
        database.db,
        visibleOr404(context, record, () => routerNotFound(id)),
      );
    },

    async update(
      context: RequestContext,
      id: string,
      input: RouterInput,
      ifMatch?: number,
    ): Promise<RouterView> {
      return runMutation(deps, async (scope) => {
        const current = await lockedRouter(scope, context, id, forUpdate);
        checkRevision(current.revisionNumber, ifMatch);
        requireOwner(context, current, 'update_router');
        let next: RouterRecord = {
          ...current,
          ...(input.name !== undefined && { name: input.name }),
          ...(input.description !== undefined && { description: input.description }),
          ...(input.admin_state_up !== undefined && { adminStateUp: input.admin_state_up }),
        };
        if (input.external_gateway_info !== undefined) {
          const gateway = input.external_gateway_info;
          if (gateway !== null) checkGatewayPolicy(context, gateway, 'update_router');
          next = await applyGateway(scope, next, gateway);
        }
        if (input.routes !== undefined)
          next = { ...next, routes: await checkedRoutes(scope, next, input.routes) };
        const updated: RouterRecord = {
          ...next,
          updatedAt: formatTimestamp(clock()),
          revisionNumber: current.revisionNumber + 1,
        };
        await routersRepository.update(scope.tx, updated);
        await routerChanged(scope, deps, updated.id);
        return viewOf(scope.tx, updated);
      });
    },

    /** 409 RouterInUse while it has interfaces; its gateway port goes with it. */
    async delete(context: RequestContext, id: string, ifMatch?: number): Promise<void> {
      await runMutation(deps, async (scope) => {
        const current = await lockedRouter(scope, context, id, forUpdate);
        checkRevision(current.revisionNumber, ifMatch);
        requireOwner(context, current, 'delete_router');
        const own = await routerPorts(scope.tx, id);
        if (own.some((p) => p.deviceOwner === DEVICE_OWNER_ROUTER_INTERFACE))
          throw new QdhcpError('ROUTER_IN_USE', { router_id: id, reason: 'still has ports' });
        await applyGateway(scope, current, null);
        await routerDeleted(scope, deps, id);
        await routersRepository.delete(scope.tx, id);
      });
    },
  };
}

/** The router use-cases, as built by {@link createRouterService}. */
export type RouterService = ReturnType<typeof createRouterService>;
