/**
 * Routers (`/v2.0/routers`, with the `add_router_interface` / `remove_router_interface` actions) and
 * floating IPs (`/v2.0/floatingips`): their attribute maps (neutron_lib/api/definitions/l3.py,
 * l3_ext_gw_mode.py, extraroute.py) bound to their use-cases (issue 13).
 *
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { QdhcpError } from '../common/errors.js';
import type { FloatingIpService } from '../service/floating-ip-service.js';
import type {
  FloatingIpInput,
  GatewayInfoRequest,
  RouterInput,
  RouterInterfaceRequest,
} from '../service/inputs.js';
import type { RouterInterfaces } from '../service/router-interfaces.js';
import type { RouterService } from '../service/router-service.js';
import { FloatingIpResource, RouterResource } from '../service/views.js';
import { type AttributesOf, readOnly } from './attribute-map.js';
import { routeItem, toFixedIps } from './attributes.js';
import {
  type Converter,
  invalidAttribute,
  isJsonObject,
  listOf,
  nullable,
  objectFields,
  repr,
  requiredField,
  toBoolean,
  toIpAddress,
  toUuid,
} from './converters.js';
import { type RouteOptions, registerResourceRoutes, useCasesOf } from './resource-routes.js';
import { STANDARD_ATTRIBUTES, TEXT_ATTRIBUTE } from './standard-attributes.js';

const standard = { ...STANDARD_ATTRIBUTES, tags: readOnly() };

/**
 * `external_gateway_info` (`type:dict_or_nodata`): null or `{}` remove the gateway; otherwise
 * `network_id` is required, `enable_snat` and `external_fixed_ips` optional.
 */
const toGatewayInfo: Converter<GatewayInfoRequest | null> = (value, attr) => {
  if (value === null || (isJsonObject(value) && Object.keys(value).length === 0)) return null;
  const describe = 'external_gateway_info';
  const fields = objectFields(value, attr, describe, ['network_id', 'enable_snat', 'external_fixed_ips']);
  return {
    network_id: requiredField(fields, 'network_id', attr, describe, toUuid),
    ...('enable_snat' in fields && { enable_snat: toBoolean(fields['enable_snat'], attr) }),
    ...('external_fixed_ips' in fields && {
      external_fixed_ips: toFixedIps(fields['external_fixed_ips'], attr),
    }),
  };
};

/** `routes` (`type:hostroutes`, null meaning none); next hops are checked against the router in the service. */
const toRoutes: Converter<RouterInput['routes'] & object> = (value, attr) => {
  if (value === null) return [];
  const routes = listOf(routeItem)(value, attr);
  const seen = new Set<string>();
  for (const route of routes) {
    const key = `${route.destination}|${route.nexthop}`;
    if (seen.has(key)) throw invalidAttribute(attr, `Duplicate hostroute '${repr(route)}'`);
    seen.add(key);
  }
  return routes;
};

/** The router attribute map. */
export const ROUTER_ATTRIBUTES: AttributesOf<RouterInput> = {
  ...standard,
  name: TEXT_ATTRIBUTE,
  admin_state_up: { post: true, put: true, convert: toBoolean, filter: 'boolean' },
  status: readOnly('string'),
  external_gateway_info: { post: true, put: true, convert: toGatewayInfo },
  routes: { post: false, put: true, convert: toRoutes },
};

/** The floating IP attribute map. */
export const FLOATINGIP_ATTRIBUTES: AttributesOf<FloatingIpInput> = {
  ...standard,
  floating_network_id: { post: true, put: false, required: true, convert: toUuid, filter: 'string' },
  floating_ip_address: { post: true, put: false, convert: toIpAddress, filter: 'string' },
  subnet_id: { post: true, put: false, convert: toUuid },
  port_id: { post: true, put: true, convert: nullable(toUuid), filter: 'string' },
  fixed_ip_address: { post: true, put: true, convert: nullable(toIpAddress), filter: 'string' },
  router_id: readOnly('string'),
  status: readOnly('string'),
};

/** The body of an interface action: `{"subnet_id": ...}` and/or `{"port_id": ...}`. */
function interfaceRequestOf(body: unknown): RouterInterfaceRequest {
  if (!isJsonObject(body)) throw new QdhcpError('BODY_INVALID');
  const subnetId = body['subnet_id'];
  const portId = body['port_id'];
  return {
    ...(subnetId !== undefined && subnetId !== null && { subnet_id: toUuid(subnetId, 'subnet_id') }),
    ...(portId !== undefined && portId !== null && { port_id: toUuid(portId, 'port_id') }),
  };
}

/** Routers under /v2.0/routers, with their two interface actions. */
export function routersPlugin(service: RouterService, interfaces: RouterInterfaces, options: RouteOptions) {
  return async function routers(app: FastifyInstance): Promise<void> {
    registerResourceRoutes(
      app,
      {
        names: { singular: 'router', plural: 'routers' },
        attributes: ROUTER_ATTRIBUTES,
        schema: RouterResource,
        allowFixedIpsFilter: false,
        markerNotFound: (id) => new QdhcpError('ROUTER_NOT_FOUND', { router_id: id }),
        useCases: useCasesOf(service),
      },
      options,
    );
    type WithId = { Params: { id: string } };
    app.put<WithId>('/v2.0/routers/:id/add_router_interface', async (request) =>
      interfaces.add(options.contextOf(request), request.params.id, interfaceRequestOf(request.body)),
    );
    app.put<WithId>('/v2.0/routers/:id/remove_router_interface', async (request) =>
      interfaces.remove(options.contextOf(request), request.params.id, interfaceRequestOf(request.body)),
    );
  };
}

/** Floating IPs under /v2.0/floatingips. */
export function floatingIpsPlugin(service: FloatingIpService, options: RouteOptions) {
  return async function floatingIps(app: FastifyInstance): Promise<void> {
    registerResourceRoutes(
      app,
      {
        names: { singular: 'floatingip', plural: 'floatingips' },
        attributes: FLOATINGIP_ATTRIBUTES,
        schema: FloatingIpResource,
        allowFixedIpsFilter: false,
        markerNotFound: (id) => new QdhcpError('FLOATINGIP_NOT_FOUND', { floatingip_id: id }),
        useCases: useCasesOf(service),
      },
      options,
    );
  };
}
