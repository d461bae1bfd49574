/**
 * qdhcp's own instance records for the builtin metadata service: `/v2.0/qdhcp/instances` (issue 5),
 * with the five routes, list query features and error shapes of the Neutron resources. Each attribute's
 * value is checked against a TypeBox schema at this edge; user data must be base64 of at most 64 KiB.
 *
 * @module
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance } from 'fastify';
import { QdhcpError } from '../common/errors.js';
import {
  type InstanceInput,
  type InstanceService,
  InstanceView,
  isDnsLabel,
} from '../service/instance-service.js';
import { type AttributesOf, readOnly, type WritableAttribute } from './attribute-map.js';
import { type Converter, invalidAttribute, toText } from './converters.js';
import { type RouteOptions, registerResourceRoutes, useCasesOf } from './resource-routes.js';

/** Largest user data, decoded (the brief's 64 KiB; Nova limits the base64 text to 65535 characters). */
export const MAX_USER_DATA_BYTES = 64 * 1024;

const UUID_PATTERN = '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$';

/** The value schemas of the writable attributes. */
export const INSTANCE_SCHEMAS = {
  ports: Type.Array(Type.String({ pattern: UUID_PATTERN }), { maxItems: 64, uniqueItems: true }),
  public_keys: Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 16384 }), {
    maxProperties: 100,
  }),
  metadata: Type.Record(Type.String(), Type.String({ maxLength: 255 }), { maxProperties: 128 }),
} satisfies Record<string, TSchema>;

/** Key names of `public_keys` and `metadata` (Nova: 1–255 characters). */
const KEY = Type.String({ minLength: 1, maxLength: 255 });

/** Why `value` does not match `schema` (the first error TypeBox finds). */
function schemaFailure(schema: TSchema, value: unknown): string {
  const first = Value.Errors(schema, value).First();
  return first ? `${first.path || 'value'}: ${first.message}` : 'does not match its schema';
}

/** A converter that accepts exactly the values of `schema` (and, for objects, keys of 1–255 chars). */
function checked<T extends TSchema>(schema: T, what: string): Converter<Static<T>> {
  return (value, name) => {
    if (!Value.Check(schema, value)) {
      throw invalidAttribute(name, `not ${what} (${schemaFailure(schema, value)})`);
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const badKey = Object.keys(value).find((key) => !Value.Check(KEY, key));
      if (badKey !== undefined) throw invalidAttribute(name, `key '${badKey}' is not 1 to 255 characters`);
    }
    return value;
  };
}

/** Base64 (whitespace ignored, as `base64 -w76` output) → canonical base64, or null for none. */
const toUserData: Converter<string | null> = (value, name) => {
  if (value === null) return null;
  if (typeof value !== 'string') throw invalidAttribute(name, 'user data must be a base64 string');
  const compact = value.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw invalidAttribute(name, 'user data is not valid base64');
  }
  const size = Buffer.byteLength(compact, 'base64');
  if (size > MAX_USER_DATA_BYTES) {
    throw invalidAttribute(
      name,
      `user data is ${size} bytes decoded, more than the limit of ${MAX_USER_DATA_BYTES}`,
    );
  }
  return compact === '' ? null : compact;
};

const toHostname: Converter<string> = (value, name) => {
  if (typeof value !== 'string' || !isDnsLabel(value)) {
    throw invalidAttribute(
      name,
      `'${String(value)}' is not a valid DNS label (letters, digits, inner '-', 1 to 63)`,
    );
  }
  return value;
};

const project: WritableAttribute<string> = { post: true, put: false, convert: toText(255), filter: 'string' };

/** The instance attribute map: what POST and PUT may carry, and what lists filter and sort by. */
export const INSTANCE_ATTRIBUTES: AttributesOf<InstanceInput> = {
  id: readOnly('string'),
  name: { post: true, put: true, required: true, convert: toText(255), filter: 'string' },
  hostname: { post: true, put: true, convert: toHostname, filter: 'string' },
  tenant_id: project,
  project_id: project,
  availability_zone: { post: true, put: false, convert: toText(255), filter: 'string' },
  ports: { post: true, put: true, convert: checked(INSTANCE_SCHEMAS.ports, 'a list of distinct port ids') },
  public_keys: {
    post: true,
    put: true,
    convert: checked(INSTANCE_SCHEMAS.public_keys, 'an object of key name to public key'),
  },
  user_data: { post: true, put: true, convert: toUserData },
  metadata: {
    post: true,
    put: true,
    convert: checked(INSTANCE_SCHEMAS.metadata, 'an object of string to string (values up to 255)'),
  },
  launch_index: readOnly('integer'),
  ec2_instance_id: readOnly(),
  created_at: readOnly('string'),
  updated_at: readOnly('string'),
  revision_number: readOnly('integer'),
};

/** Instances under /v2.0/qdhcp/instances. */
export function instancesPlugin(service: InstanceService, options: RouteOptions) {
  return async function instances(app: FastifyInstance): Promise<void> {
    registerResourceRoutes(
      app,
      {
        names: { singular: 'instance', plural: 'instances' },
        collectionPath: '/v2.0/qdhcp/instances',
        attributes: INSTANCE_ATTRIBUTES,
        schema: InstanceView,
        allowFixedIpsFilter: false,
        markerNotFound: (id) => new QdhcpError('INSTANCE_NOT_FOUND', { instance_id: id }),
        useCases: useCasesOf(service),
      },
      options,
    );
  };
}
