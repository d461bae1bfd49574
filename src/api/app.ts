/**
 * Builds the HTTP API (Fastify) from the use-cases: body parsing, authentication, request ids, the
 * resource plugins, and the single error mapping. Building does no I/O; `listen()` is the caller's.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { ServerConfig } from '../common/config.js';
import { QdhcpError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { AddressScopeService } from '../service/address-scope-service.js';
import type { AgentService } from '../service/agent-service.js';
import type { RequestContext } from '../service/context.js';
import type { FloatingIpService } from '../service/floating-ip-service.js';
import type { InstanceService } from '../service/instance-service.js';
import type { L3AgentService } from '../service/l3-agent-service.js';
import type { NetworkService } from '../service/network-service.js';
import type { PortService } from '../service/port-service.js';
import type { RouterInterfaces } from '../service/router-interfaces.js';
import type { RouterService } from '../service/router-service.js';
import type { SecurityGroupRuleService } from '../service/security-group-rule-service.js';
import type { SecurityGroupService } from '../service/security-group-service.js';
import type { SubnetPoolService } from '../service/subnet-pool-service.js';
import type { SubnetService } from '../service/subnet-service.js';
import { agentsPlugin } from './agents.js';
import { authenticate } from './auth.js';
import { discoveryPlugin } from './discovery.js';
import { clientErrorResponse, toHttpError } from './error-mapping.js';
import { instancesPlugin } from './instances.js';
import { l3AgentsPlugin } from './l3-agents.js';
import { checkRequestTarget, parseJsonBody } from './request-text.js';
import { networksPlugin, portsPlugin, subnetsPlugin } from './resources.js';
import { floatingIpsPlugin, routersPlugin } from './routers.js';
import { securityGroupRulesPlugin, securityGroupsPlugin } from './security-groups.js';
import { addressScopesPlugin, subnetPoolsPlugin } from './subnet-pools.js';

/** What the API is built from. */
export interface ApiDeps {
  readonly config: ServerConfig;
  readonly networks: NetworkService;
  readonly subnets: SubnetService;
  readonly ports: PortService;
  readonly subnetPools: SubnetPoolService;
  readonly addressScopes: AddressScopeService;
  readonly agents: AgentService;
  /** Role heartbeats and the `l3_agent_scheduler` extension. */
  readonly l3Agents: L3AgentService;
  readonly routers: RouterService;
  readonly routerInterfaces: RouterInterfaces;
  readonly floatingIps: FloatingIpService;
  readonly securityGroups: SecurityGroupService;
  readonly securityGroupRules: SecurityGroupRuleService;
  /** qdhcp's instance records (builtin metadata, `/v2.0/qdhcp/instances`). */
  readonly instances: InstanceService;
  /** Omit for a silent API (tests). */
  readonly logger?: Logger;
}

/** Longest path parameter (an id) the router passes on: more than Node's 16 KiB of headers allow. */
const MAX_PARAM_LENGTH = 65_536;

/** Paths answered without authentication (discovery and health). */
const PUBLIC_PATHS = new Set(['/', '/healthz']);

/** Creates the Fastify application; call `ready()`/`inject()` or `listen()` on it. */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const { config } = deps;
  // Widened to Fastify's logger type so the instance keeps Fastify's default generics.
  const loggerInstance: FastifyBaseLogger | undefined = deps.logger;
  const sendError = (reply: FastifyReply, error: unknown) => {
    const { status, body } = toHttpError(error, config.maxRequestBodySize);
    void reply.code(status).type('application/json').send(body);
  };
  const app = Fastify({
    ...(loggerInstance ? { loggerInstance } : { logger: false }),
    bodyLimit: config.maxRequestBodySize,
    genReqId: () => `req-${randomUUID()}`,
    // Ids of any length reach the service, which answers 404 like Neutron (Fastify's own limit of 100
    // characters answered 414 in its own shape); the header size limit bounds them anyway.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    // A path find-my-way cannot decode (`%ff%fe`): the reason checkRequestTarget gives, else a generic one.
    frameworkErrors: (error, request, reply) => {
      try {
        checkRequestTarget(request.url);
      } catch (refused) {
        sendError(reply, refused);
        return;
      }
      sendError(reply, new QdhcpError('URL_INVALID', { reason: 'it cannot be decoded' }, { cause: error }));
    },
    // Requests Node's HTTP parser refuses (431, malformed) never reach Fastify's routes: answer them here.
    clientErrorHandler: (error, socket) => {
      if (socket.destroyed || !socket.writable) return;
      socket.end(clientErrorResponse(error, config.maxRequestBodySize));
    },
  });
  const contexts = new WeakMap<FastifyRequest, RequestContext>();
  const contextOf = (request: FastifyRequest): RequestContext => {
    const context = contexts.get(request);
    if (!context) throw new QdhcpError('UNAUTHORIZED');
    return context;
  };

  // Every body is JSON whatever the Content-Type says (curl sends form-urlencoded by default); an empty
  // body is "no body" (DELETE and GET from clients that always send a Content-Type).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(Buffer.isBuffer(body) ? body : Buffer.from(body)));
    } catch (error) {
      done(error instanceof Error ? error : new QdhcpError('BODY_INVALID'), undefined);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Openstack-Request-Id', request.id);
    checkRequestTarget(request.url);
    const path = request.url.split('?')[0] ?? '/';
    if (PUBLIC_PATHS.has(path)) return;
    contexts.set(request, authenticate(config, request.headers));
  });

  app.setErrorHandler((error, request, reply) => {
    const { status, body, expected } = toHttpError(error, config.maxRequestBodySize);
    if (expected) request.log.info({ status, type: body.NeutronError.type }, 'request refused');
    else request.log.error({ err: error }, 'request failed');
    void reply.code(status).type('application/json').send(body);
  });
  app.setNotFoundHandler((_request, reply) => sendError(reply, new QdhcpError('RESOURCE_NOT_FOUND')));

  const routeOptions = { contextOf, paginationMaxLimit: config.paginationMaxLimit };
  void app.register(discoveryPlugin);
  void app.register(networksPlugin(deps.networks, routeOptions));
  void app.register(subnetsPlugin(deps.subnets, routeOptions));
  void app.register(portsPlugin(deps.ports, routeOptions));
  void app.register(subnetPoolsPlugin(deps.subnetPools, routeOptions));
  void app.register(addressScopesPlugin(deps.addressScopes, routeOptions));
  void app.register(agentsPlugin(deps.agents, routeOptions));
  void app.register(l3AgentsPlugin(deps.l3Agents, routeOptions));
  void app.register(routersPlugin(deps.routers, deps.routerInterfaces, routeOptions));
  void app.register(floatingIpsPlugin(deps.floatingIps, routeOptions));
  void app.register(securityGroupsPlugin(deps.securityGroups, routeOptions));
  void app.register(securityGroupRulesPlugin(deps.securityGroupRules, routeOptions));
  void app.register(instancesPlugin(deps.instances, routeOptions));
  return app;
}
