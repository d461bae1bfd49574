/**
 * The `l3_agent_scheduler` extension (admin only, issue 13): `/v2.0/routers/{id}/l3-agents`,
 * `/v2.0/agents/{id}/l3-routers` (list, bind with `{router_id}`, unbind). Shaped as Neutron answers them
 * (`{"agents": […]}`, `{"routers": […]}`, 201 with an empty body, 204).
 *
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { QdhcpError } from '../common/errors.js';
import { AgentView } from '../service/agent-views.js';
import type { L3AgentService } from '../service/l3-agent-service.js';
import { RouterResource } from '../service/views.js';
import { isJsonObject } from './converters.js';
import { selectFields } from './list-query.js';
import { queryParams, type RouteOptions } from './resource-routes.js';
import { listResponse } from './response-schemas.js';

/** Routes of the L3 agent scheduler. */
export function l3AgentsPlugin(service: L3AgentService, options: RouteOptions) {
  return async function l3Agents(app: FastifyInstance): Promise<void> {
    type WithId = { Params: { id: string } };
    type WithIds = { Params: { id: string; routerId: string } };
    const agentList = { schema: { response: { 200: listResponse('agents', AgentView) } } };
    const routerList = { schema: { response: { 200: listResponse('routers', RouterResource) } } };

    app.get<WithId>('/v2.0/routers/:id/l3-agents', agentList, async (request) => {
      const views = await service.agentsOfRouter(options.contextOf(request), request.params.id);
      return { agents: views.map((v) => selectFields(v, queryParams(request).getAll('fields'))) };
    });

    app.get<WithId>('/v2.0/agents/:id/l3-routers', routerList, async (request) => {
      const views = await service.routersOfAgent(options.contextOf(request), request.params.id);
      return { routers: views.map((v) => selectFields(v, queryParams(request).getAll('fields'))) };
    });

    app.post<WithId>('/v2.0/agents/:id/l3-routers', async (request, reply) => {
      const routerId = isJsonObject(request.body) ? request.body['router_id'] : undefined;
      if (typeof routerId !== 'string' || routerId === '')
        throw new QdhcpError('MISSING_ATTRIBUTE', { attr: 'router_id' });
      await service.bindRouter(options.contextOf(request), request.params.id, routerId);
      reply.code(201);
      return null;
    });

    app.delete<WithIds>('/v2.0/agents/:id/l3-routers/:routerId', async (request, reply) => {
      await service.unbindRouter(options.contextOf(request), request.params.id, request.params.routerId);
      reply.code(204).send();
    });
  };
}
