/**
 * The `agent` and `dhcp_agent_scheduler` extensions (admin only, spec §1.10): `/v2.0/agents`,
 * `/v2.0/agents/{id}/dhcp-networks` and `/v2.0/networks/{id}/dhcp-agents`. Routes parse, call one
 * use-case and shape the response as Neutron does (transcript 14).
 *
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { QdhcpError } from '../common/errors.js';
import type { AgentService, AgentUpdate } from '../service/agent-service.js';
import { AgentView } from '../service/agent-views.js';
import type { FilterValue } from '../service/query.js';
import { NetworkResource } from '../service/views.js';
import { isJsonObject } from './converters.js';
import { selectFields } from './list-query.js';
import { queryParams, type RouteOptions } from './resource-routes.js';
import { listResponse, oneResponse } from './response-schemas.js';

/** List filters on agents: attribute → kind of value. `alive` is evaluated on the views. */
const FILTERS: Readonly<Record<string, 'string' | 'bool'>> = {
  id: 'string',
  agent_type: 'string',
  binary: 'string',
  host: 'string',
  topic: 'string',
  availability_zone: 'string',
  admin_state_up: 'bool',
  description: 'string',
  alive: 'bool',
};

/** Query parameters that are not filters. */
const NON_FILTERS = new Set(['fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse']);

function parseBool(attr: string, text: string): boolean {
  const lower = text.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw new QdhcpError('INVALID_ATTRIBUTE', { attr, reason: `'${text}' is not a valid boolean value` });
}

function parseFilters(params: URLSearchParams): {
  equals: Record<string, FilterValue[]>;
  alive?: boolean[];
} {
  const equals: Record<string, FilterValue[]> = {};
  let alive: boolean[] | undefined;
  for (const key of new Set(params.keys())) {
    if (NON_FILTERS.has(key)) continue;
    const kind = Object.hasOwn(FILTERS, key) ? FILTERS[key] : undefined;
    if (kind === undefined) {
      throw new QdhcpError('INVALID_QUERY', { message: `${key} is invalid attribute for filtering` });
    }
    const values = params.getAll(key);
    if (key === 'alive') alive = values.map((v) => parseBool(key, v));
    else equals[key] = kind === 'bool' ? values.map((v) => parseBool(key, v)) : values;
  }
  return { equals, ...(alive && { alive }) };
}

/** The body of `PUT /v2.0/agents/{id}`: only `admin_state_up` and `description` may change. */
function parseAgentUpdate(body: unknown): AgentUpdate {
  const input = isJsonObject(body) ? body['agent'] : undefined;
  if (!isJsonObject(input)) throw new QdhcpError('RESOURCE_KEY_MISSING', { resource: 'agent' });
  const unknown = Object.keys(input).filter((k) => k !== 'admin_state_up' && k !== 'description');
  if (unknown.length > 0) throw new QdhcpError('READ_ONLY_ATTRIBUTE', { attr: unknown.sort().join(', ') });
  const update: { admin_state_up?: boolean; description?: string | null } = {};
  if ('admin_state_up' in input) {
    const value = input['admin_state_up'];
    if (typeof value === 'boolean') update.admin_state_up = value;
    else if (typeof value === 'string') update.admin_state_up = parseBool('admin_state_up', value);
    else
      throw new QdhcpError('INVALID_ATTRIBUTE', {
        attr: 'admin_state_up',
        reason: `'${String(value)}' is not a valid boolean value`,
      });
  }
  if ('description' in input) {
    const value = input['description'];
    if (value !== null && (typeof value !== 'string' || value.length > 255)) {
      throw new QdhcpError('INVALID_ATTRIBUTE', {
        attr: 'description',
        reason: "'description' is not a valid string of at most 255 characters",
      });
    }
    update.description = value;
  }
  return update;
}

/** Routes of the agents API. */
export function agentsPlugin(service: AgentService, options: RouteOptions) {
  return async function agents(app: FastifyInstance): Promise<void> {
    type WithId = { Params: { id: string } };
    type WithIds = { Params: { id: string; networkId: string } };
    const agentList = { schema: { response: { 200: listResponse('agents', AgentView) } } };
    const oneAgent = { schema: { response: { 200: oneResponse('agent', AgentView) } } };
    const networkList = { schema: { response: { 200: listResponse('networks', NetworkResource) } } };

    app.get('/v2.0/agents', agentList, async (request) => {
      const params = queryParams(request);
      const { equals, alive } = parseFilters(params);
      let views = await service.list(options.contextOf(request), equals);
      if (alive) views = views.filter((v) => alive.includes(v.alive));
      return { agents: views.map((v) => selectFields(v, params.getAll('fields'))) };
    });

    app.get<WithId>('/v2.0/agents/:id', oneAgent, async (request) => {
      const view = await service.get(options.contextOf(request), request.params.id);
      return { agent: selectFields(view, queryParams(request).getAll('fields')) };
    });

    app.put<WithId>('/v2.0/agents/:id', oneAgent, async (request) => {
      const input = parseAgentUpdate(request.body);
      return { agent: await service.update(options.contextOf(request), request.params.id, input) };
    });

    app.delete<WithId>('/v2.0/agents/:id', async (request, reply) => {
      await service.delete(options.contextOf(request), request.params.id);
      reply.code(204).send();
    });

    app.get<WithId>('/v2.0/agents/:id/dhcp-networks', networkList, async (request) => {
      const networks = await service.networksOfAgent(options.contextOf(request), request.params.id);
      return { networks: networks.map((n) => selectFields(n, queryParams(request).getAll('fields'))) };
    });

    app.post<WithId>('/v2.0/agents/:id/dhcp-networks', async (request, reply) => {
      const networkId = isJsonObject(request.body) ? request.body['network_id'] : undefined;
      if (typeof networkId !== 'string' || networkId === '') {
        throw new QdhcpError('MISSING_ATTRIBUTE', { attr: 'network_id' });
      }
      await service.bindNetwork(options.contextOf(request), request.params.id, networkId);
      reply.code(201);
      return null;
    });

    app.delete<WithIds>('/v2.0/agents/:id/dhcp-networks/:networkId', async (request, reply) => {
      await service.unbindNetwork(options.contextOf(request), request.params.id, request.params.networkId);
      reply.code(204).send();
    });

    app.get<WithId>('/v2.0/networks/:id/dhcp-agents', agentList, async (request) => {
      const views = await service.agentsOfNetwork(options.contextOf(request), request.params.id);
      return { agents: views.map((v) => selectFields(v, queryParams(request).getAll('fields'))) };
    });
  };
}
