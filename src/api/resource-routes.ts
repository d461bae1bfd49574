/**
 * The five routes every resource has (list, show, create, update, delete), driven by the resource's
 * attribute map and use-cases. Routes only parse, call one service function and shape the response.
 *
 * @module
 */
import type { TObject } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { QdhcpError } from '../common/errors.js';
import type { RequestContext } from '../service/context.js';
import type { FixedIpsFilter } from '../service/query.js';
import { paginate, sortItems } from '../service/query.js';
import type { AttributesOf } from './attribute-map.js';
import {
  createItems,
  parseCreate,
  parseIfMatch,
  parseUpdate,
  type ResourceNames,
  updateItem,
} from './body.js';
import { pageLinks, parseListQuery, selectFields } from './list-query.js';
import { resourceResponses } from './response-schemas.js';

/** The use-cases a resource's routes call (inputs `I` already converted by the attribute pipeline). */
export interface ResourceUseCases<V extends { readonly id: string }, I> {
  create(context: RequestContext, inputs: Partial<I>[]): Promise<V[]>;
  list(
    context: RequestContext,
    equals: Record<string, readonly (string | number | boolean | null)[]>,
    fixedIps?: FixedIpsFilter,
  ): Promise<V[]>;
  get(context: RequestContext, id: string): Promise<V>;
  update(context: RequestContext, id: string, input: Partial<I>, ifMatch?: number): Promise<V>;
  delete(context: RequestContext, id: string, ifMatch?: number): Promise<void>;
}

/**
 * A service's own methods as a resource's use-cases: every resource service has the same five, and the
 * routes call them detached, so they are bound here once (not a forwarding block per plugin).
 */
export function useCasesOf<V extends { readonly id: string }, I>(
  service: ResourceUseCases<V, I>,
): ResourceUseCases<V, I> {
  return {
    create: (context, inputs) => service.create(context, inputs),
    list: (context, equals, fixedIps) => service.list(context, equals, fixedIps),
    get: (context, id) => service.get(context, id),
    update: (context, id, input, ifMatch) => service.update(context, id, input, ifMatch),
    delete: (context, id, ifMatch) => service.delete(context, id, ifMatch),
  };
}

/** Everything the generic routes need to know about one resource. */
export interface ResourceDefinition<V extends { readonly id: string }, I> {
  readonly names: ResourceNames;
  /** The collection's path when it is not `/v2.0/<plural>` (qdhcp's own resources live under `/v2.0/qdhcp/`). */
  readonly collectionPath?: string;
  readonly attributes: AttributesOf<I>;
  /** The resource's one definition: what its responses carry (registered as their schemas). */
  readonly schema: TObject;
  readonly allowFixedIpsFilter: boolean;
  /** The error for an unknown pagination marker. */
  readonly markerNotFound: (id: string) => QdhcpError;
  readonly useCases: ResourceUseCases<V, I>;
}

/** Shared by every resource plugin. */
export interface RouteOptions {
  readonly contextOf: (request: FastifyRequest) => RequestContext;
  readonly paginationMaxLimit: number;
}

/** The request's query parameters, keeping repeated keys. */
export function queryParams(request: FastifyRequest): URLSearchParams {
  const index = request.url.indexOf('?');
  return new URLSearchParams(index < 0 ? '' : request.url.slice(index + 1));
}

/** Scheme, host and path prefix of links (X-Forwarded-Proto overrides the scheme). */
export function baseUrl(request: FastifyRequest): string {
  const forwarded = request.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded) ?? 'http';
  return `${proto}://${request.headers.host ?? 'localhost'}`;
}

/** Registers the routes of one resource under `/v2.0/<plural>` (or its `collectionPath`). */
export function registerResourceRoutes<V extends { readonly id: string }, I>(
  app: FastifyInstance,
  definition: ResourceDefinition<V, I>,
  options: RouteOptions,
): void {
  const { names, attributes, useCases } = definition;
  const collection = definition.collectionPath ?? `/v2.0/${names.plural}`;
  const member = `${collection}/:id`;
  type WithId = { Params: { id: string } };
  const responses = resourceResponses(names, definition.schema);

  app.get(collection, { schema: { response: { 200: responses.list } } }, async (request) => {
    const context = options.contextOf(request);
    const params = queryParams(request);
    const query = parseListQuery(params, attributes, {
      admin: context.isAdmin,
      allowFixedIps: definition.allowFixedIpsFilter,
      maxLimit: options.paginationMaxLimit,
    });
    const all = await useCases.list(context, query.equals, query.fixedIps);
    const sorted = sortItems(all, query.page.sort);
    const page = paginate(sorted, query.page);
    if (!page.markerFound) throw definition.markerNotFound(query.page.marker!);
    const body: Record<string, unknown> = {
      [names.plural]: page.items.map((item) => selectFields(item, query.fields)),
    };
    if (query.page.limit) {
      body[`${names.plural}_links`] = pageLinks(
        `${baseUrl(request)}${collection}`,
        params,
        page.items,
        query.page,
      );
    }
    return body;
  });

  app.get<WithId>(member, { schema: { response: { 200: responses.one } } }, async (request) => {
    const view = await useCases.get(options.contextOf(request), request.params.id);
    return { [names.singular]: selectFields(view, queryParams(request).getAll('fields')) };
  });

  app.post(collection, { schema: { response: { 201: responses.created } } }, async (request, reply) => {
    const context = options.contextOf(request);
    const { items, bulk } = createItems(request.body, names);
    const inputs = items.map((item) => parseCreate(item, attributes, context));
    const views = await useCases.create(context, inputs);
    reply.code(201);
    return bulk ? { [names.plural]: views } : { [names.singular]: views[0] };
  });

  app.put<WithId>(member, { schema: { response: { 200: responses.one } } }, async (request) => {
    const context = options.contextOf(request);
    const input = parseUpdate(updateItem(request.body, names), attributes);
    const ifMatch = parseIfMatch(request.headers['if-match']);
    return { [names.singular]: await useCases.update(context, request.params.id, input, ifMatch) };
  });

  app.delete<WithId>(member, async (request, reply) => {
    const ifMatch = parseIfMatch(request.headers['if-match']);
    await useCases.delete(options.contextOf(request), request.params.id, ifMatch);
    reply.code(204).send();
  });
}
