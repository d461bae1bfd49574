/**
 * The network, subnet and port plugins: each binds its attribute map to its use-cases. The maps are typed
 * by the service inputs, so the converted attributes reach the services as those inputs without a cast.
 *
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { QdhcpError } from '../common/errors.js';
import type { NetworkService } from '../service/network-service.js';
import type { PortService } from '../service/port-service.js';
import type { SubnetService } from '../service/subnet-service.js';
import { NetworkResource, PortResource, SubnetResource } from '../service/views.js';
import { NETWORK_ATTRIBUTES, PORT_ATTRIBUTES, SUBNET_ATTRIBUTES } from './attributes.js';
import { type RouteOptions, registerResourceRoutes, useCasesOf } from './resource-routes.js';

/** Networks under /v2.0/networks. */
export function networksPlugin(service: NetworkService, options: RouteOptions) {
  return async function networks(app: FastifyInstance): Promise<void> {
    registerResourceRoutes(
      app,
      {
        names: { singular: 'network', plural: 'networks' },
        attributes: NETWORK_ATTRIBUTES,
        schema: NetworkResource,
        allowFixedIpsFilter: false,
        markerNotFound: (id) => new QdhcpError('NETWORK_NOT_FOUND', { net_id: id }),
        useCases: useCasesOf(service),
      },
      options,
    );
  };
}

/** Subnets under /v2.0/subnets. */
export function subnetsPlugin(service: SubnetService, options: RouteOptions) {
  return async function subnets(app: FastifyInstance): Promise<void> {
    registerResourceRoutes(
      app,
      {
        names: { singular: 'subnet', plural: 'subnets' },
        attributes: SUBNET_ATTRIBUTES,
        schema: SubnetResource,
        allowFixedIpsFilter: false,
        markerNotFound: (id) => new QdhcpError('SUBNET_NOT_FOUND', { subnet_id: id }),
        useCases: useCasesOf(service),
      },
      options,
    );
  };
}

/** Ports under /v2.0/ports. */
export function portsPlugin(service: PortService, options: RouteOptions) {
  return async function ports(app: FastifyInstance): Promise<void> {
    registerResourceRoutes(
      app,
      {
        names: { singular: 'port', plural: 'ports' },
        attributes: PORT_ATTRIBUTES,
        schema: PortResource,
        allowFixedIpsFilter: true,
        markerNotFound: (id) => new QdhcpError('PORT_NOT_FOUND', { port_id: id }),
        useCases: useCasesOf(service),
      },
      options,
    );
  };
}
