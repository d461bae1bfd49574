/**
 * Subnet pools (`/v2.0/subnetpools`, with the `subnetpool-prefix-ops` actions `add_prefixes` and
 * `remove_prefixes`) and address scopes (`/v2.0/address-scopes`): their attribute maps
 * (neutron_lib/api/definitions/subnetpool.py, address_scope.py) bound to their use-cases (spec §1.11).
 *
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { QdhcpError } from '../common/errors.js';
import { parseCidr } from '../ipam/index.js';
import type { AddressScopeService } from '../service/address-scope-service.js';
import type { AddressScopeInput, SubnetPoolInput } from '../service/inputs.js';
import type { SubnetPoolService } from '../service/subnet-pool-service.js';
import { AddressScopeResource, SubnetPoolResource } from '../service/views.js';
import { type AttributesOf, readOnly, type WritableAttribute } from './attribute-map.js';
import {
  type Converter,
  invalidAttribute,
  isJsonObject,
  listOf,
  nullable,
  repr,
  toBoolean,
  toInteger,
  toIpVersion,
  toText,
  toUuid,
} from './converters.js';
import { type RouteOptions, registerResourceRoutes, useCasesOf } from './resource-routes.js';

const project: WritableAttribute<string> = { post: true, put: false, convert: toText(255), filter: 'string' };

/** Neutron's `type:not_empty_name_string`: a string that is not blank. */
const toNonBlankName: Converter<string> = (value, name) => {
  const text = toText(255)(value, name);
  if (text.trim() === '') throw invalidAttribute(name, `'${text}' Blank strings are not permitted`);
  return text;
};

/** Neutron's `type:subnet_list` item: `address/prefix` (host bits allowed; IPv4 in canonical text). */
const toSubnetText: Converter<string> = (value, name) => {
  if (typeof value !== 'string' || !parseCidr(value).ok) {
    throw invalidAttribute(name, `${repr(value)} is not a valid IP subnet`);
  }
  return value;
};

const toPrefixes = listOf(toSubnetText, { unique: true });
const nonNegative = toInteger({ min: 0 });
const prefixLength: WritableAttribute<number> = {
  post: true,
  put: true,
  convert: nonNegative,
  filter: 'integer',
};

/** The subnet pool attribute map. */
export const SUBNETPOOL_ATTRIBUTES: AttributesOf<SubnetPoolInput> = {
  id: readOnly('string'),
  name: { post: true, put: true, required: true, convert: toNonBlankName, filter: 'string' },
  description: { post: true, put: true, convert: toText(255), filter: 'string' },
  tenant_id: project,
  project_id: project,
  prefixes: { post: true, put: true, required: true, convert: toPrefixes },
  default_quota: { post: true, put: true, convert: nonNegative, filter: 'integer' },
  ip_version: readOnly('integer'),
  default_prefixlen: prefixLength,
  min_prefixlen: prefixLength,
  max_prefixlen: prefixLength,
  is_default: { post: true, put: true, convert: toBoolean, filter: 'boolean' },
  shared: { post: true, put: false, convert: toBoolean, filter: 'boolean' },
  address_scope_id: { post: true, put: true, convert: nullable(toUuid), filter: 'string' },
  created_at: readOnly('string'),
  updated_at: readOnly('string'),
  revision_number: readOnly('integer'),
  tags: readOnly(),
};

/** The address scope attribute map (no standard attributes: no description, tags or revisions). */
export const ADDRESS_SCOPE_ATTRIBUTES: AttributesOf<AddressScopeInput> = {
  id: readOnly('string'),
  name: { post: true, put: true, convert: toText(255), filter: 'string' },
  tenant_id: project,
  project_id: project,
  shared: { post: true, put: true, convert: toBoolean, filter: 'boolean' },
  ip_version: { post: true, put: false, required: true, convert: toIpVersion, filter: 'integer' },
};

/** The body of a prefix action: `{"prefixes": [CIDR, ...]}` (Neutron's `get_operation_request_body`). */
function prefixesOf(body: unknown): string[] {
  const prefixes = isJsonObject(body) ? body['prefixes'] : undefined;
  if (!Array.isArray(prefixes) || prefixes.length === 0) throw new QdhcpError('BODY_INVALID');
  return toPrefixes(prefixes, 'prefixes');
}

/** Subnet pools under /v2.0/subnetpools, with their two prefix actions. */
export function subnetPoolsPlugin(service: SubnetPoolService, options: RouteOptions) {
  return async function subnetPools(app: FastifyInstance): Promise<void> {
    registerResourceRoutes(
      app,
      {
        names: { singular: 'subnetpool', plural: 'subnetpools' },
        attributes: SUBNETPOOL_ATTRIBUTES,
        schema: SubnetPoolResource,
        allowFixedIpsFilter: false,
        markerNotFound: (id) => new QdhcpError('SUBNETPOOL_NOT_FOUND', { subnetpool_id: id }),
        useCases: useCasesOf(service),
      },
      options,
    );
    type WithId = { Params: { id: string } };
    app.put<WithId>('/v2.0/subnetpools/:id/add_prefixes', async (request) =>
      service.addPrefixes(options.contextOf(request), request.params.id, prefixesOf(request.body)),
    );
    app.put<WithId>('/v2.0/subnetpools/:id/remove_prefixes', async (request) =>
      service.removePrefixes(options.contextOf(request), request.params.id, prefixesOf(request.body)),
    );
  };
}

/** Address scopes under /v2.0/address-scopes. */
export function addressScopesPlugin(service: AddressScopeService, options: RouteOptions) {
  return async function addressScopes(app: FastifyInstance): Promise<void> {
    registerResourceRoutes(
      app,
      {
        names: { singular: 'address_scope', plural: 'address_scopes' },
        collectionPath: '/v2.0/address-scopes',
        attributes: ADDRESS_SCOPE_ATTRIBUTES,
        schema: AddressScopeResource,
        allowFixedIpsFilter: false,
        markerNotFound: (id) => new QdhcpError('ADDRESS_SCOPE_NOT_FOUND', { address_scope_id: id }),
        useCases: useCasesOf(service),
      },
      options,
    );
  };
}
